import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { Redis } from 'ioredis'
import { CouponStock } from '../../src/coupon/stock.ts'
import { chunksOf, RESERVE_CHUNK } from '../../src/shared/script-chunks.ts'
import { TimeSaleStock } from '../../src/timesale/stock.ts'
import { cleanup, testConfig } from '../helpers/stack.ts'

describe('chunksOf', () => {
  it('cuts a list into consecutive slices of at most the size, keeping order', () => {
    assert.deepEqual(chunksOf([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]])
    assert.deepEqual(chunksOf([], 3), [])
  })
})

// A batch several chunks long decides exactly as one script would: stock and per-user state carry over from
// one chunk to the next, and a replay gets the recorded decisions.
describe('reservations cut into bounded scripts, on the real Redis', () => {
  const config = testConfig()
  let redis: Redis
  before(() => {
    redis = new Redis(config.redis.url, { keyPrefix: config.redis.keyPrefix })
  })
  after(async () => {
    redis.disconnect()
    await cleanup(config)
  })

  it('coupon: the stock runs out mid-chunk, a user repeated across chunks is refused, a replay is stable', async () => {
    const stock = new CouponStock(redis)
    const policyId = randomUUID()
    const total = RESERVE_CHUNK + 10
    await stock.install(policyId, {
      totalQuantity: total,
      endTime: new Date(Date.now() + 3_600_000),
      holders: [],
      createdAt: new Date(),
    })
    const requests = Array.from({ length: 3 * RESERVE_CHUNK }, (_, i) => ({
      requestId: randomUUID(),
      // The request right after the first chunk repeats the first user.
      userId: i === RESERVE_CHUNK ? 'u0' : `u${i}`,
    }))
    const decisions = await stock.reserve(policyId, requests)
    assert.equal(decisions.length, requests.length)
    assert.equal(decisions[RESERVE_CHUNK], 'ALREADY_ISSUED')
    const issued = decisions.flatMap((d, i) => (d === 'ISSUED' ? [i] : []))
    assert.equal(issued.length, total, 'all stock taken, no more')
    const expected = Array.from({ length: total + 1 }, (_, i) => i).filter((i) => i !== RESERVE_CHUNK)
    assert.deepEqual(issued, expected, 'first come, first served across chunks')
    assert.ok(decisions.slice(total + 1).every((d) => d === 'SOLD_OUT'))
    assert.equal(await stock.taken(policyId), total)
    assert.deepEqual(await stock.reserve(policyId, requests), decisions, 'a replay gets the same decisions')

    const refused = requests.slice(0, 2)
    const released = await stock.settle(
      policyId,
      requests.map((r) => r.requestId),
      refused,
    )
    assert.equal(released, 2)
    assert.equal(await stock.taken(policyId), total - 2)
    assert.equal((await stock.counts(policyId)).inFlight, 0, 'every outcome record forgotten')
  })

  it('time sale: units and per-user limits carry over from one chunk to the next', async () => {
    const stock = new TimeSaleStock(redis)
    const saleId = randomUUID()
    const total = RESERVE_CHUNK * 2 + 1
    await stock.install(saleId, {
      totalQuantity: total,
      endAt: new Date(Date.now() + 3_600_000),
      maxPerUser: 2,
      orders: [],
      settledRequests: 0,
      createdAt: new Date(),
    })
    const requests = Array.from({ length: 3 * RESERVE_CHUNK }, (_, i) => ({
      requestId: randomUUID(),
      userId: i % RESERVE_CHUNK === 0 ? 'same' : `u${i}`,
      quantity: 1,
    }))
    const decisions = await stock.reserve(saleId, requests)
    // "same" orders once per chunk: the third order passes its limit of 2.
    assert.deepEqual(
      [0, RESERVE_CHUNK, 2 * RESERVE_CHUNK].map((i) => decisions[i]),
      ['COMPLETED', 'COMPLETED', 'LIMIT_EXCEEDED'],
    )
    assert.equal(decisions.filter((d) => d === 'COMPLETED').length, total, 'every unit sold, none more')
    assert.equal((await stock.view(saleId)).sold, total)
    assert.deepEqual(await stock.reserve(saleId, requests), decisions, 'a replay gets the same decisions')
  })
})
