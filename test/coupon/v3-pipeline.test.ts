import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { couponFeature } from '../../src/coupon/feature.ts'
import { requestMessage } from '../../src/coupon/messages.ts'
import { flowTopics } from '../../src/flows.ts'
import { readGroupLag } from '../../src/platform/lag.ts'
import { get, post } from '../helpers/http.ts'
import { readTopics } from '../helpers/kafka.ts'
import { eventually, runLimited, startTestService, type TestService } from '../helpers/stack.ts'
import { assertConsistent, createPolicy, policyState, userIds, waitSettled } from './fixtures.ts'

describe('coupon v3 pipeline', () => {
  let service: TestService
  let topics: ReturnType<typeof flowTopics>
  before(async () => {
    service = await startTestService(couponFeature)
    topics = flowTopics('coupon', service.runtime.config.kafka.topicPrefix)
  })
  after(() => service.close())

  it('settles every accepted request once: one outcome message each, matching PostgreSQL, first come first served', async () => {
    const policyId = await createPolicy(service.url, { total: 50 })
    const users = userIds(400)
    const responses = await runLimited(
      users.map(
        (userId) => () =>
          post<{ requestId?: string }>(`${service.url}/api/coupons/issue?strategy=v3`, { policyId, userId }),
      ),
      100,
    )
    const accepted = responses
      .filter((response) => response.status === 202)
      .map((response) => response.body.requestId as string)
    assert.ok(accepted.length >= 50)
    await waitSettled(service.runtime, policyId, accepted.length)

    // Every accepted request has a terminal status over HTTP.
    for (const requestId of accepted.slice(0, 20)) {
      const status = await get<{ status: string }>(`${service.url}/api/coupons/requests/${requestId}`)
      assert.ok(['ISSUED', 'FAILED'].includes(status.body.status), JSON.stringify(status.body))
    }

    // Exactly one outcome message per accepted request, on the right topic, matching PostgreSQL.
    const outcomes = (
      await readTopics(service.runtime.config, [topics.success, topics.failures], accepted.length)
    )
      .map((message) => ({ topic: message.topic, body: JSON.parse(message.value) }))
      .filter((message) => message.body.policyId === policyId)
    const perRequest = new Map<string, number>()
    for (const outcome of outcomes)
      perRequest.set(outcome.body.requestId, (perRequest.get(outcome.body.requestId) ?? 0) + 1)
    assert.equal(outcomes.length, accepted.length, 'one outcome per request')
    assert.ok(
      [...perRequest.values()].every((count) => count === 1),
      'no duplicates',
    )
    assert.deepEqual([...perRequest.keys()].sort(), [...accepted].sort())
    const successes = outcomes.filter((outcome) => outcome.topic === topics.success)
    assert.ok(successes.every((outcome) => outcome.body.status === 'ISSUED' && outcome.body.couponId))
    assert.ok(outcomes.filter((o) => o.topic === topics.failures).every((o) => o.body.code === 'SOLD_OUT'))
    const { rows } = await service.runtime.pool.query<{ request_id: string; id: string }>(
      'SELECT request_id, id FROM coupons WHERE policy_id = $1',
      [policyId],
    )
    assert.deepEqual(
      rows.map((row) => `${row.request_id}:${row.id}`).sort(),
      successes.map((outcome) => `${outcome.body.requestId}:${outcome.body.couponId}`).sort(),
    )

    // First come, first served: the winners are the first 50 requests in the topic's order.
    const requests = (
      await readTopics(service.runtime.config, [topics.requests], accepted.length, { settleMs: 200 })
    )
      .map((message) => JSON.parse(message.value))
      .filter((body) => body.policyId === policyId)
    const firstFifty = requests.slice(0, 50).map((body) => body.requestId)
    assert.deepEqual(successes.map((outcome) => outcome.body.requestId).sort(), [...firstFifty].sort())
    assertConsistent(await policyState(service.runtime, policyId))
  })

  it('a message delivered twice changes nothing and is announced once', async () => {
    const policyId = await createPolicy(service.url, { total: 5 })
    const [userId] = userIds(1) as [string]
    const accepted = await post<{ requestId: string }>(`${service.url}/api/coupons/issue?strategy=v3`, {
      policyId,
      userId,
    })
    assert.equal(accepted.status, 202)
    await waitSettled(service.runtime, policyId, 1)
    const before = await policyState(service.runtime, policyId)

    const duplicate = requestMessage(topics, {
      requestId: accepted.body.requestId,
      policyId,
      userId,
      acceptedAt: Date.now(),
    })
    await service.runtime.producer.sendAll([duplicate, duplicate])
    // Let the consumer see both copies: a marker request after them settles only once they were handled.
    const marker = await post(`${service.url}/api/coupons/issue?strategy=v3`, {
      policyId,
      userId: String(Number(userId) + 1),
    })
    assert.equal(marker.status, 202)
    await waitSettled(service.runtime, policyId, 2)

    const afterState = await policyState(service.runtime, policyId)
    assert.equal(afterState.coupons, before.coupons + 1, 'only the marker added a coupon')
    assertConsistent(afterState)
    const outcomes = (await readTopics(service.runtime.config, [topics.success, topics.failures], 2))
      .map((message) => JSON.parse(message.value))
      .filter((body) => body.requestId === accepted.body.requestId)
    assert.equal(outcomes.length, 1)
  })

  it('a malformed message goes to the DLQ and the partition keeps flowing', async () => {
    const policyId = await createPolicy(service.url, { total: 5 })
    await service.runtime.producer.sendAll([
      { topic: topics.requests, key: policyId, value: '{"v":1,"requestId":"not-a-uuid"' },
      {
        topic: topics.requests,
        key: policyId,
        value: JSON.stringify({ v: 1, requestId: randomUUID(), policyId: 'x' }),
      },
    ])
    const [userId] = userIds(1)
    const next = await post(`${service.url}/api/coupons/issue?strategy=v3`, { policyId, userId })
    assert.equal(next.status, 202)
    await waitSettled(service.runtime, policyId, 1)
    const letters = await get<{
      count: number
      messages: Array<{ errorCode: string; source: { topic: string } }>
    }>(`${service.url}/api/coupons/admin/dlq`)
    const malformed = letters.body.messages.filter((letter) => letter.errorCode === 'MALFORMED_MESSAGE')
    assert.equal(malformed.length, 2)
    assert.ok(malformed.every((letter) => letter.source.topic === topics.requests))
  })

  it('a replayed request that had failed keeps its outcome and does not keep a coupon in Redis', async () => {
    const policyId = await createPolicy(service.url, { total: 1 })
    const [first, second] = userIds(2) as [string, string]
    const won = await post<{ requestId: string }>(`${service.url}/api/coupons/issue?strategy=v3`, {
      policyId,
      userId: first,
    })
    await waitSettled(service.runtime, policyId, 1)
    const lost = await post<{ requestId: string }>(`${service.url}/api/coupons/issue?strategy=v3`, {
      policyId,
      userId: second,
    })
    assert.equal(won.status, 202)
    // The fast path already knows it is sold out; to exercise the consumer, replay a message for it.
    const requestId = lost.status === 202 ? lost.body.requestId : randomUUID()
    if (lost.status !== 202) {
      await service.runtime.producer.sendAll([
        requestMessage(topics, { requestId, policyId, userId: second, acceptedAt: Date.now() }),
      ])
    }
    await waitSettled(service.runtime, policyId, 2)
    const tag = `{c:${policyId}}`
    // Redis drifts (it lost the winner), so the replayed loser finds stock and reserves it.
    await service.runtime.redis.hdel(`${tag}:holders`, first)
    await service.runtime.producer.sendAll([
      requestMessage(topics, { requestId, policyId, userId: second, acceptedAt: Date.now() }),
    ])
    await eventually(
      async () => {
        const lag = await readGroupLag(service.runtime.config.kafka, service.runtime.config.coupon.groupId, [
          topics.requests,
        ])
        return lag.total === 0n ? true : undefined
      },
      30_000,
      'the replay to be consumed',
    )

    const status = await get<{ status: string; code: string }>(
      `${service.url}/api/coupons/requests/${requestId}`,
    )
    assert.deepEqual([status.body.status, status.body.code], ['FAILED', 'SOLD_OUT'])
    assert.equal(
      await service.runtime.redis.hexists(`${tag}:holders`, second),
      0,
      'the replayed reservation was given back',
    )
    // The drift this test caused (the winner's lost holder) is what reconciliation repairs.
    await post(`${service.url}/api/coupons/admin/reconcile`, { ids: [policyId] })
    const state = await policyState(service.runtime, policyId)
    assert.equal(state.coupons, 1)
    assertConsistent(state)
  })
})
