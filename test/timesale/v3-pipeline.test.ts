import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { flowTopics } from '../../src/flows.ts'
import { createRuntime, startFeature } from '../../src/runtime.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { requestMessage } from '../../src/timesale/messages.ts'
import { get, post } from '../helpers/http.ts'
import { readTopics } from '../helpers/kafka.ts'
import { runLimited, startTestService, type TestService, testConfig } from '../helpers/stack.ts'
import { assertConsistent, createSale, orderUrl, saleState, userIds, waitSettled } from './fixtures.ts'

interface Queued {
  requestId: string
  queuePosition: number
}

describe('time-sale v3 pipeline', () => {
  let service: TestService
  let topics: ReturnType<typeof flowTopics>
  before(async () => {
    service = await startTestService(timesaleFeature)
    topics = flowTopics('timesale', service.runtime.config.kafka.topicPrefix)
  })
  after(() => service.close())

  /** The sale's request messages in the topic's order (one key, one partition). */
  async function requestsOf(saleId: string, count: number) {
    return (await readTopics(service.runtime.config, [topics.requests], count, { settleMs: 200 }))
      .map((message) => JSON.parse(message.value))
      .filter((body) => body.timeSaleId === saleId)
  }

  it('settles every accepted request once: one outcome message each, matching PostgreSQL, first come first served', async () => {
    const saleId = await createSale(service.url, { total: 50 })
    const responses = await runLimited(
      userIds(400).map(
        (userId) => () => post<Queued>(orderUrl(service.url, saleId, 'v3'), { userId, quantity: 1 }),
      ),
      100,
    )
    const accepted = responses.filter((response) => response.status === 202).map((r) => r.body.requestId)
    assert.ok(accepted.length >= 50)
    assert.ok(
      responses.every(
        (r) => r.status === 202 || (r.status === 409 && (r.body as { code?: string }).code === 'SOLD_OUT'),
      ),
    )
    await waitSettled(service.runtime, saleId, accepted.length)

    // Every accepted request has a terminal status over HTTP.
    const statuses = await runLimited(
      accepted.map((requestId) => () => get(`${service.url}/api/timesales/orders/requests/${requestId}`)),
      50,
    )
    assert.ok(
      statuses.every((s) => s.body.status === 'COMPLETED' || s.body.code === 'SOLD_OUT'),
      JSON.stringify(statuses.find((s) => s.body.status !== 'COMPLETED' && s.body.code !== 'SOLD_OUT')),
    )

    // Exactly one outcome message per accepted request, on the right topic, matching PostgreSQL.
    const outcomes = (
      await readTopics(service.runtime.config, [topics.success, topics.failures], accepted.length)
    )
      .map((message) => ({ topic: message.topic, key: message.key, body: JSON.parse(message.value) }))
      .filter((message) => message.body.timeSaleId === saleId)
    const perRequest = new Map<string, number>()
    for (const o of outcomes) perRequest.set(o.body.requestId, (perRequest.get(o.body.requestId) ?? 0) + 1)
    assert.equal(outcomes.length, accepted.length, 'one outcome per request')
    assert.ok(
      [...perRequest.values()].every((count) => count === 1),
      'no duplicates',
    )
    assert.deepEqual([...perRequest.keys()].sort(), [...accepted].sort())
    assert.ok(
      outcomes.every((o) => o.key === saleId),
      'outcomes are keyed by sale id',
    )
    const successes = outcomes.filter((o) => o.topic === topics.success)
    assert.equal(successes.length, 50)
    assert.ok(successes.every((o) => o.body.status === 'COMPLETED' && o.body.totalPrice === 19_900))
    assert.ok(outcomes.filter((o) => o.topic === topics.failures).every((o) => o.body.code === 'SOLD_OUT'))
    const { rows } = await service.runtime.pool.query<{ request_id: string; id: string }>(
      'SELECT request_id, id FROM timesale_orders WHERE time_sale_id = $1',
      [saleId],
    )
    assert.deepEqual(
      rows.map((row) => `${row.request_id}:${row.id}`).sort(),
      successes.map((o) => `${o.body.requestId}:${o.body.orderId}`).sort(),
    )

    // First come, first served: tickets follow the topic's order, and the winners are the first 50.
    const requests = await requestsOf(saleId, accepted.length)
    assert.equal(requests.length, accepted.length)
    assert.deepEqual(
      requests.map((body) => body.ticket),
      Array.from({ length: accepted.length }, (_, index) => index + 1),
      'tickets 1..n in the order of the topic',
    )
    assert.deepEqual(
      successes.map((o) => o.body.requestId).sort(),
      requests
        .slice(0, 50)
        .map((body) => body.requestId)
        .sort(),
    )
    const state = await saleState(service.runtime, saleId)
    assertConsistent(state)
    assert.equal(state.redis.settled, accepted.length, 'the watermark counts every settled request')
  })

  it('a message delivered twice changes nothing and is announced once', async () => {
    const saleId = await createSale(service.url, { total: 5 })
    const [userId, other] = userIds(2) as [string, string]
    const accepted = await post<Queued>(orderUrl(service.url, saleId, 'v3'), { userId, quantity: 2 })
    assert.equal(accepted.status, 202)
    await waitSettled(service.runtime, saleId, 1)
    const before = await saleState(service.runtime, saleId)

    const [original] = await requestsOf(saleId, 1)
    const duplicate = requestMessage(topics, original)
    await service.runtime.producer.sendAll([duplicate, duplicate])
    // A marker request behind them (same key, same partition) settles only once they were handled.
    const marker = await post(orderUrl(service.url, saleId, 'v3'), { userId: other, quantity: 1 })
    assert.equal(marker.status, 202)
    await waitSettled(service.runtime, saleId, 2)

    const afterwards = await saleState(service.runtime, saleId)
    assert.equal(afterwards.orders, before.orders + 1, 'only the marker added an order')
    assert.equal(afterwards.orderUnits, 3)
    assert.equal(afterwards.redis.settled, 2, 'the duplicates did not move the watermark')
    assertConsistent(afterwards)
    const outcomes = (await readTopics(service.runtime.config, [topics.success, topics.failures], 2))
      .map((message) => JSON.parse(message.value))
      .filter((body) => body.requestId === accepted.body.requestId)
    assert.equal(outcomes.length, 1)
  })

  it('a malformed message goes to the DLQ and the partition keeps flowing', async () => {
    const saleId = await createSale(service.url, { total: 5 })
    const valid = {
      v: 1,
      requestId: randomUUID(),
      timeSaleId: saleId,
      userId: '7',
      ticket: 1,
      queuePosition: 1,
    }
    await service.runtime.producer.sendAll([
      { topic: topics.requests, key: saleId, value: '{"v":1,"requestId":"not-a-uuid"' },
      {
        topic: topics.requests,
        key: saleId,
        value: JSON.stringify({ ...valid, quantity: 0, acceptedAt: 1 }),
      },
      {
        topic: topics.requests,
        key: saleId,
        value: JSON.stringify({ ...valid, quantity: '1', acceptedAt: 1 }),
      },
    ])
    const [userId] = userIds(1)
    const next = await post(orderUrl(service.url, saleId, 'v3'), { userId, quantity: 1 })
    assert.equal(next.status, 202)
    await waitSettled(service.runtime, saleId, 1)
    const letters = await get<{
      messages: Array<{ errorCode: string; key: string; source: { topic: string } }>
    }>(`${service.url}/api/timesales/admin/dlq`)
    const malformed = letters.body.messages.filter(
      (l) => l.errorCode === 'MALFORMED_MESSAGE' && l.key === saleId,
    )
    assert.equal(malformed.length, 3)
    assert.ok(malformed.every((letter) => letter.source.topic === topics.requests))
    assertConsistent(await saleState(service.runtime, saleId))
  })
})

describe('time-sale v3 queue positions', () => {
  it('count the requests waiting, increase in acceptance order, and shrink as the queue moves', async () => {
    const config = testConfig()
    // The API alone first: nothing settles, so the queue only grows.
    const api = await startTestService(timesaleFeature, config, { consume: false })
    try {
      const topics = flowTopics('timesale', config.kafka.topicPrefix)
      const saleId = await createSale(api.url, { total: 250 })
      const responses = await runLimited(
        userIds(200).map(
          (userId) => () => post<Queued>(orderUrl(api.url, saleId, 'v3'), { userId, quantity: 1 }),
        ),
        100,
      )
      assert.ok(responses.every((response) => response.status === 202))
      const position = new Map(responses.map((r) => [r.body.requestId, r.body.queuePosition]))
      const requests = (await readTopics(config, [topics.requests], 200, { settleMs: 200 }))
        .map((message) => JSON.parse(message.value))
        .filter((body) => body.timeSaleId === saleId)
      assert.deepEqual(
        requests.map((body) => position.get(body.requestId)),
        Array.from({ length: 200 }, (_, index) => index + 1),
        'positions 1..200 in acceptance order',
      )
      const last = requests[199].requestId as string
      const queued = await get(`${api.url}/api/timesales/orders/requests/${last}`)
      assert.deepEqual([queued.body.status, queued.body.queuePosition], ['QUEUED', 200])

      // A consumer starts: the queue drains, positions of settled requests become 0.
      const runtime = await createRuntime(config, 'timesale-consumer')
      try {
        await startFeature(runtime, timesaleFeature, { http: false, consume: true })
        await waitSettled(api.runtime, saleId, 200)
      } finally {
        await runtime.lifecycle.close()
      }
      const settled = await get(`${api.url}/api/timesales/orders/requests/${last}`)
      assert.deepEqual([settled.body.status, settled.body.queuePosition], ['COMPLETED', 0])
      const state = await saleState(api.runtime, saleId)
      assert.equal(state.orderUnits, 200)
      assert.equal(state.redis.settled, 200)
      assertConsistent(state)
      // The next request finds the queue empty.
      const late = await post(orderUrl(api.url, saleId, 'v3'), { userId: userIds(1)[0], quantity: 1 })
      assert.deepEqual([late.status, late.body.queuePosition], [202, 1])
    } finally {
      await api.close()
    }
  })
})
