import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { Redis } from 'ioredis'
import { couponFeature } from '../../src/coupon/feature.ts'
import { CouponStock } from '../../src/coupon/stock.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { TimeSaleStock } from '../../src/timesale/stock.ts'
import { createPolicy, userIds } from '../coupon/fixtures.ts'
import { post } from '../helpers/http.ts'
import { probeNextId } from '../helpers/next-id.ts'
import { startTestService, type TestService, testConfig } from '../helpers/stack.ts'
import { createSale, orderUrl } from '../timesale/fixtures.ts'

const HOUR = 3_600_000

/**
 * Redis state of an earlier promotion that had the same id — PostgreSQL was reset or restored while Redis
 * kept its data — must not decide for the new promotion: its stock, holders, pending marks, per-user units
 * and queue tickets are replaced when the new one's state is installed; the promotion's own state, written
 * by another process meanwhile, still wins.
 */
describe('Redis state of an earlier promotion with the same id', () => {
  const config = testConfig()
  let redis: Redis
  let coupon: TestService
  let timesale: TestService
  before(async () => {
    redis = new Redis(config.redis.url, { keyPrefix: config.redis.keyPrefix })
    coupon = await startTestService(couponFeature, config, { consume: false })
    timesale = await startTestService(timesaleFeature, config, { consume: false })
  })
  after(async () => {
    redis.disconnect()
    await timesale.close()
    await coupon.close()
  })

  it('coupon stock: the same policy keeps its state, an earlier one (other creation instant) loses it', async () => {
    const stock = new CouponStock(redis)
    const policyId = randomUUID()
    const endTime = new Date(Date.now() + HOUR)
    const earlier = new Date(Date.now() - HOUR)
    assert.equal(
      await stock.install(policyId, { totalQuantity: 1, endTime, holders: [], createdAt: earlier }),
      true,
    )
    await redis.hset(`{c:${policyId}}:pending`, 'u1', randomUUID())
    await redis.hset(`{c:${policyId}}:holders`, 'u2', randomUUID())
    const again = { totalQuantity: 1, endTime, holders: [], createdAt: earlier }
    assert.equal(await stock.install(policyId, again), false, 'its own state, installed before, is kept')
    assert.equal(await redis.hlen(`{c:${policyId}}:pending`), 1)

    const now = new Date()
    assert.equal(
      await stock.install(policyId, { totalQuantity: 5, endTime, holders: [], createdAt: now }),
      true,
    )
    assert.equal(await redis.hget(`{c:${policyId}}:meta`, 'total'), '5')
    assert.equal(await redis.exists(`{c:${policyId}}:pending`, `{c:${policyId}}:holders`), 0)

    // State written before creation stamps existed counts as the policy's own.
    await redis.hdel(`{c:${policyId}}:meta`, 'created')
    assert.equal(
      await stock.install(policyId, { totalQuantity: 9, endTime, holders: [], createdAt: earlier }),
      false,
    )
  })

  it("time-sale stock: an earlier sale's units, users and tickets go; the same sale's stay", async () => {
    const stock = new TimeSaleStock(redis)
    const saleId = randomUUID()
    const snapshot = {
      totalQuantity: 2,
      endAt: new Date(Date.now() + HOUR),
      maxPerUser: 1,
      orders: [{ requestId: randomUUID(), userId: 'u1', quantity: 1 }],
      settledRequests: 7,
      createdAt: new Date(Date.now() - HOUR),
    }
    assert.equal(await stock.install(saleId, snapshot), true)
    assert.equal(await stock.install(saleId, snapshot), false)
    const fresh = { ...snapshot, totalQuantity: 4, orders: [], settledRequests: 0, createdAt: new Date() }
    assert.equal(await stock.install(saleId, fresh), true)
    const view = await stock.inspect(saleId)
    assert.deepEqual(
      { sold: view.sold, reservations: view.reservations, users: view.users, tickets: view.tickets },
      { sold: 0, reservations: 0, users: {}, tickets: 0 },
    )
    assert.equal(view.settled, 0)
  })

  it('coupon API: a new policy whose id an earlier one had issues its whole stock, to every user', async () => {
    let checked = false
    for (let attempt = 0; !checked; attempt++) {
      assert.ok(attempt < 15, 'other test files kept taking the predicted id')
      const [first, second, third] = userIds(3) as [string, string, string]
      // The earlier policy: 1 coupon, held by someone, and `first` pending.
      const early = await probeNextId(coupon.runtime.pool, 'coupon_policies', async (id) => {
        // Unstamped, as older versions wrote it.
        await redis.hset(`{c:${id}}:meta`, 'total', '1', 'ready', '1')
        await redis.hset(`{c:${id}}:holders`, 'someone', randomUUID())
        await redis.hset(`{c:${id}}:pending`, first, randomUUID())
      })
      const policyId = await createPolicy(coupon.url, { total: 3 })
      if (policyId !== early.id) continue
      checked = true
      for (const userId of [first, second, third]) {
        const answer = await post(`${coupon.url}/api/coupons/issue?strategy=v3`, { policyId, userId })
        assert.equal(answer.status, 202, `${userId}: ${JSON.stringify(answer.body)}`)
      }
    }
  })

  it('time-sale API: a new sale whose id an earlier one had sells its whole stock from queue position 1', async () => {
    let checked = false
    for (let attempt = 0; !checked; attempt++) {
      assert.ok(attempt < 15, 'other test files kept taking the predicted id')
      const users = userIds(3)
      // The earlier sale: sold out to `users[0]`, 40 tickets drawn.
      const early = await probeNextId(timesale.runtime.pool, 'time_sales', async (id) => {
        await redis.hset(`{t:${id}}:meta`, 'total', '1', 'maxPerUser', '1', 'ready', '1', 'created', '1')
        await redis.hset(`{t:${id}}:users`, users[0] as string, '1')
        await redis.set(`{t:${id}}:sold`, '1')
        await redis.set(`{t:${id}}:ticket`, '40')
      })
      const saleId = await createSale(timesale.url, { total: 3, maxPerUser: 1 })
      if (saleId !== early.id) continue
      checked = true
      const positions = []
      for (const userId of users) {
        const answer = await post<{ queuePosition?: number }>(orderUrl(timesale.url, saleId, 'v3'), {
          userId,
          quantity: 1,
        })
        assert.equal(answer.status, 202, `${userId}: ${JSON.stringify(answer.body)}`)
        positions.push(answer.body.queuePosition)
      }
      assert.deepEqual(positions, [1, 2, 3])
    }
  })
})
