import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { couponFeature } from '../../src/coupon/feature.ts'
import { flowTopics } from '../../src/flows.ts'
import { post } from '../helpers/http.ts'
import { readTopics } from '../helpers/kafka.ts'
import { startTestService, type TestService, testConfig } from '../helpers/stack.ts'
import { TcpProxy } from '../helpers/tcp-proxy.ts'
import { assertConsistent, createPolicy, policyState, userIds, waitSettled } from './fixtures.ts'

/** PostgreSQL becomes unreachable for the service (a proxy in between drops every connection). */
describe('coupon v3 with PostgreSQL down: retries, dead letters, replay', () => {
  let proxy: TcpProxy
  let service: TestService
  before(async () => {
    proxy = await TcpProxy.start('127.0.0.1', Number(new URL(testConfig().postgres.url).port))
    const url = new URL(testConfig().postgres.url)
    url.port = String(proxy.port)
    service = await startTestService(
      couponFeature,
      testConfig({ DATABASE_URL: url.toString(), CONSUMER_RETRY_BACKOFF_MS: '100' }),
    )
  })
  after(async () => {
    await service.close()
    await proxy.close()
  })

  it('retries 3 times with backoff, then dead-letters with provenance; replay issues each coupon once', async () => {
    const config = service.runtime.config
    const topics = flowTopics('coupon', config.kafka.topicPrefix)
    const policyId = await createPolicy(service.url, { total: 5 })
    proxy.cut()
    const users = userIds(8)
    // All at once: the accept filter sees every request before the consumer can reserve (and so hold)
    // coupons for any of them; sent one by one, later ones could already hear SOLD_OUT.
    const responses = await Promise.all(
      users.map((userId) =>
        post<{ requestId: string }>(`${service.url}/api/coupons/issue?strategy=v3`, { policyId, userId }),
      ),
    )
    for (const response of responses)
      assert.equal(response.status, 202, 'the accept path does not need PostgreSQL')
    const accepted = responses.map((response) => response.body.requestId)
    const letters = (await readTopics(config, [topics.dlq], accepted.length, { timeoutMs: 60_000 })).filter(
      (letter) => accepted.includes(letter.headers['request-id'] ?? ''),
    )
    assert.equal(letters.length, accepted.length, 'every request is in the DLQ')
    for (const letter of letters) {
      assert.ok(Number(letter.headers['dlq-attempts']) >= 4, 'first attempt + 3 retries')
      assert.equal(letter.headers['dlq-source-topic'], topics.requests)
      assert.match(letter.headers['dlq-source-offset'] ?? '', /^\d+$/)
      assert.ok(letter.headers['dlq-error'])
      assert.equal(letter.key, policyId)
    }
    const metrics = await (await fetch(`${service.url}/metrics`)).text()
    assert.match(metrics, /pipeline_retries_total\{[^}]*flow="coupon"[^}]*\} [1-9]/)

    proxy.restore()
    const replay = await post<{ replayed: number }>(`${service.url}/api/coupons/admin/dlq/replay`, {
      requestIds: accepted,
    })
    assert.equal(replay.status, 200, JSON.stringify(replay.body))
    assert.equal(replay.body.replayed, accepted.length)
    await waitSettled(service.runtime, policyId, accepted.length)
    const again = await post<{ replayed: number }>(`${service.url}/api/coupons/admin/dlq/replay`, {
      requestIds: accepted,
    })
    assert.equal(again.body.replayed, 0, 'a dead letter is replayed once')

    const state = await policyState(service.runtime, policyId)
    assert.equal(state.coupons, 5)
    assertConsistent(state)
  })
})
