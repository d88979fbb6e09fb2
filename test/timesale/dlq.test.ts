import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { flowTopics } from '../../src/flows.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { post } from '../helpers/http.ts'
import { readTopics } from '../helpers/kafka.ts'
import { startTestService, type TestService, testConfig } from '../helpers/stack.ts'
import { TcpProxy } from '../helpers/tcp-proxy.ts'
import {
  assertConsistent,
  createSale,
  orderUrl,
  outcomeCounts,
  saleState,
  userIds,
  waitSettled,
} from './fixtures.ts'

/**
 * PostgreSQL becomes unreachable for this service only: it talks to PostgreSQL through a TCP proxy that
 * drops every connection and refuses new ones, while the shared server keeps serving every other test.
 */
describe('time-sale v3 with PostgreSQL down: retries, dead letters, replay', () => {
  let proxy: TcpProxy
  let service: TestService
  before(async () => {
    const url = new URL(testConfig().postgres.url)
    proxy = await TcpProxy.start(url.hostname, Number(url.port))
    url.port = String(proxy.port)
    service = await startTestService(
      timesaleFeature,
      testConfig({ DATABASE_URL: url.toString(), CONSUMER_RETRY_BACKOFF_MS: '100' }),
    )
  })
  after(async () => {
    await service.close()
    await proxy.close()
  })

  it('retries 3 times with backoff, then dead-letters with provenance; replay orders each unit once', async () => {
    const config = service.runtime.config
    const topics = flowTopics('timesale', config.kafka.topicPrefix)
    const saleId = await createSale(service.url, { total: 5 })
    proxy.cut()
    // All at once: the accept filter sees every request before the consumer can reserve (and so hold)
    // units for any of them; sent one by one, later ones could already hear SOLD_OUT.
    const responses = await Promise.all(
      userIds(8).map((userId) =>
        post<{ requestId: string; queuePosition: number }>(orderUrl(service.url, saleId, 'v3'), {
          userId,
          quantity: 1,
        }),
      ),
    )
    for (const response of responses)
      assert.equal(response.status, 202, 'the accept path does not need PostgreSQL')
    const accepted = responses
      .sort((a, b) => a.body.queuePosition - b.body.queuePosition)
      .map((response) => response.body.requestId)
    const letters = (await readTopics(config, [topics.dlq], accepted.length, { timeoutMs: 60_000 })).filter(
      (letter) => accepted.includes(letter.headers['request-id'] ?? ''),
    )
    assert.equal(letters.length, accepted.length, 'every request is in the DLQ')
    for (const letter of letters) {
      assert.ok(Number(letter.headers['dlq-attempts']) >= 4, 'first attempt + 3 retries')
      assert.equal(letter.headers['dlq-source-topic'], topics.requests)
      assert.match(letter.headers['dlq-source-offset'] ?? '', /^\d+$/)
      assert.ok(letter.headers['dlq-error'])
      assert.equal(letter.key, saleId)
    }
    const metrics = await (await fetch(`${service.url}/metrics`)).text()
    assert.match(metrics, /pipeline_retries_total\{[^}]*flow="timesale"[^}]*\} [1-9]/)
    const during = await service.runtime.pool.query('SELECT 1').then(
      () => 'reachable',
      () => 'unreachable',
    )
    assert.equal(during, 'unreachable')

    proxy.restore()
    const nothingYet = await saleState(service.runtime, saleId)
    assert.equal(nothingYet.orders, 0, 'no order while PostgreSQL was down')
    const replay = await post<{ replayed: number }>(`${service.url}/api/timesales/admin/dlq/replay`, {
      requestIds: accepted,
    })
    assert.equal(replay.status, 200, JSON.stringify(replay.body))
    assert.equal(replay.body.replayed, accepted.length)
    await waitSettled(service.runtime, saleId, accepted.length)
    const again = await post<{ replayed: number }>(`${service.url}/api/timesales/admin/dlq/replay`, {
      requestIds: accepted,
    })
    assert.equal(again.body.replayed, 0, 'a dead letter is replayed once')

    assert.deepEqual(await outcomeCounts(service.runtime, saleId), { COMPLETED: 5, 'FAILED:SOLD_OUT': 3 })
    const state = await saleState(service.runtime, saleId)
    assert.equal(state.orderUnits, 5)
    assertConsistent(state)
    const { rows } = await service.runtime.pool.query<{ first: string[] }>(
      `SELECT array_agg(request_id::text ORDER BY ticket) AS first FROM (
         SELECT request_id, ticket FROM timesale_requests WHERE time_sale_id = $1 AND status = 'COMPLETED'
       ) s`,
      [saleId],
    )
    assert.deepEqual(rows[0]?.first, accepted.slice(0, 5), 'replayed in queue order: the first five win')
  })
})
