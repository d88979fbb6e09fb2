import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { TimeSaleStock } from '../../src/timesale/stock.ts'
import { post } from '../helpers/http.ts'
import { startTestService, type TestService } from '../helpers/stack.ts'
import { assertConsistent, createSale, orderUrl, saleState, userIds, waitSettled } from './fixtures.ts'

describe('time-sale reconciliation of Redis with PostgreSQL', () => {
  let service: TestService
  before(async () => {
    service = await startTestService(timesaleFeature)
  })
  after(() => service.close())

  async function orderV1(saleId: string, userId: string, quantity: number) {
    const response = await post(orderUrl(service.url, saleId, 'v1'), { userId, quantity })
    assert.equal(response.status, 201, JSON.stringify(response.body))
  }

  const reconcile = (body: Record<string, unknown>) =>
    post<{ reports: Array<Record<string, unknown>> }>(`${service.url}/api/timesales/admin/reconcile`, body)

  it('reports drift without touching Redis on a dry run, then repairs it; reservations in flight are left alone', async () => {
    const saleId = await createSale(service.url, { total: 10, maxPerUser: 5 })
    const users = userIds(3) as [string, string, string]
    await orderV1(saleId, users[0], 1)
    await orderV1(saleId, users[1], 2)
    await orderV1(saleId, users[2], 1)
    const redis = service.runtime.redis
    const tag = `{t:${saleId}}`
    const [lost] = await redis.hkeys(`${tag}:reservations`).then((ids) => ids.sort())
    // Drift: a lost reservation, a phantom one with its units counted, a wrong total, counters off; plus a
    // legitimate reservation in flight.
    await redis.hdel(`${tag}:reservations`, lost as string)
    await redis.hset(`${tag}:reservations`, randomUUID(), '424242|2')
    await redis.incrby(`${tag}:sold`, 2)
    await redis.hset(`${tag}:meta`, 'total', '99')
    const inFlight = randomUUID()
    await redis.hset(`${tag}:reservations`, inFlight, '434343|1')
    await redis.hset(`${tag}:outcomes`, inFlight, 'COMPLETED')
    await redis.incrby(`${tag}:sold`, 1)
    await redis.hincrby(`${tag}:users`, '434343', 1)

    const dry = await reconcile({ repair: false, ids: [saleId] })
    assert.equal(dry.status, 200, JSON.stringify(dry.body))
    const [report] = dry.body.reports
    assert.equal(report?.missingInRedis, 1)
    assert.equal(report?.unknownToPostgres, 1)
    assert.equal(report?.limitsMismatch, true)
    assert.equal(report?.countMismatch, true)
    assert.equal(report?.inFlight, 1)
    assert.equal(report?.repaired, null)
    assert.equal(await redis.hget(`${tag}:meta`, 'total'), '99', 'a dry run changes nothing')

    const fixed = await reconcile({ ids: [saleId] })
    assert.deepEqual(fixed.body.reports[0]?.repaired, { added: 1, removed: 1 })
    assert.equal(await redis.hget(`${tag}:meta`, 'total'), '10')
    assert.equal(
      await redis.hget(`${tag}:reservations`, inFlight),
      '434343|1',
      'the reservation in flight stays',
    )
    const repaired = await saleState(service.runtime, saleId)
    assert.equal(repaired.redis.sold, 5, 'four ordered units plus the one in flight')
    assert.equal(repaired.redis.users['434343'], 1)

    // Once the reservation in flight is settled (refused here), the state matches PostgreSQL exactly.
    assert.equal(await new TimeSaleStock(redis).settle(saleId, [inFlight], [inFlight]), 1)
    assertConsistent(await saleState(service.runtime, saleId))
    const clean = await reconcile({ ids: [saleId] })
    assert.equal(clean.body.reports[0]?.drifted, false)
  })

  it('rebuilds a sale whose Redis state was lost entirely; v3 then respects the earlier orders', async () => {
    const saleId = await createSale(service.url, { total: 4, maxPerUser: 2 })
    const [first, second] = userIds(2) as [string, string]
    await orderV1(saleId, first, 2)
    const queued = await post(orderUrl(service.url, saleId, 'v3'), { userId: second, quantity: 1 })
    assert.equal(queued.status, 202)
    await waitSettled(service.runtime, saleId, 1)
    const tag = `{t:${saleId}}`
    const names = ['meta', 'reservations', 'sold', 'users', 'outcomes', 'ticket', 'settled', 'abandoned']
    await service.runtime.redis.del(...names.map((name) => `${tag}:${name}`))

    const overLimit = await post(orderUrl(service.url, saleId, 'v3'), { userId: first, quantity: 1 })
    assert.deepEqual(
      [overLimit.status, overLimit.body.code],
      [409, 'LIMIT_EXCEEDED'],
      'the rebuild knows v1 orders',
    )
    const tooMany = await post(orderUrl(service.url, saleId, 'v3'), { userId: second, quantity: 2 })
    assert.deepEqual([tooMany.status, tooMany.body.code], [409, 'LIMIT_EXCEEDED'], 'and v3 orders')
    const next = await post(orderUrl(service.url, saleId, 'v3'), { userId: second, quantity: 1 })
    assert.deepEqual(
      [next.status, next.body.queuePosition],
      [202, 1],
      'the watermark came back from PostgreSQL',
    )
    await waitSettled(service.runtime, saleId, 2)

    const state = await saleState(service.runtime, saleId)
    assert.equal(state.orderUnits, 4)
    assert.equal(state.redis.settled, 2)
    assertConsistent(state)
    const fixed = await reconcile({ ids: [saleId] })
    assert.equal(fixed.body.reports[0]?.drifted, false, 'the rebuild on access already restored it')
  })
})
