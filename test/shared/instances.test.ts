import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { couponFeature } from '../../src/coupon/feature.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { createPolicy, userIds } from '../coupon/fixtures.ts'
import { post } from '../helpers/http.ts'
import { probeNextId } from '../helpers/next-id.ts'
import { startTestService, type TestService, testConfig } from '../helpers/stack.ts'
import { createSale, orderUrl } from '../timesale/fixtures.ts'

/**
 * Two instances of a service on one backend are one service: a promotion created through A is served by
 * B at once, even when B answered 404 for that very id a moment before (a remembered miss would not be).
 */
describe('two API instances on one backend', () => {
  const services: TestService[] = []
  let couponA: TestService
  let couponB: TestService
  let saleA: TestService
  let saleB: TestService
  before(async () => {
    const coupon = testConfig()
    const timesale = testConfig()
    couponA = await startTestService(couponFeature, coupon)
    couponB = await startTestService(couponFeature, coupon, { consume: false })
    saleA = await startTestService(timesaleFeature, timesale)
    saleB = await startTestService(timesaleFeature, timesale, { consume: false })
    services.push(couponB, couponA, saleB, saleA)
  })
  after(async () => {
    for (const service of services) await service.close()
  })

  // Other test files create promotions meanwhile: a round counts only when the promotion created on A got
  // the id B had just answered 404 for (see probeNextId); the answers on B are checked in every round.
  const ROUNDS = 3
  const MAX_ATTEMPTS = 15

  it('coupon: created on A, B issues at once with v1 and v3 after its own 404', async () => {
    let rounds = 0
    for (let attempt = 0; rounds < ROUNDS; attempt++) {
      assert.ok(attempt < MAX_ATTEMPTS, `only ${rounds} of ${attempt} rounds kept their predicted id`)
      const [user1, user3] = userIds(2) as [string, string]
      const issue = (strategy: string, policyId: string, userId: string) =>
        post(`${couponB.url}/api/coupons/issue?strategy=${strategy}`, { policyId, userId })
      const early = await probeNextId(couponA.runtime.pool, 'coupon_policies', (id) => issue('v3', id, user3))
      assert.equal(early.result.status, 404, JSON.stringify(early.result.body))
      const id = await createPolicy(couponA.url, { total: 10 })
      const v3 = await issue('v3', id, user3)
      const v1 = await issue('v1', id, user1)
      assert.equal(v3.status, 202, `v3 on B: ${JSON.stringify(v3.body)}`)
      assert.equal(v1.status, 201, `v1 on B: ${JSON.stringify(v1.body)}`)
      if (id === early.id) rounds++
    }
  })

  it('timesale: created on A, B takes orders at once with v1 and v3 after its own 404', async () => {
    let rounds = 0
    for (let attempt = 0; rounds < ROUNDS; attempt++) {
      assert.ok(attempt < MAX_ATTEMPTS, `only ${rounds} of ${attempt} rounds kept their predicted id`)
      const [user1, user3] = userIds(2) as [string, string]
      const order = (strategy: string, saleId: string, userId: string) =>
        post(orderUrl(saleB.url, saleId, strategy), { userId, quantity: 1 })
      const early = await probeNextId(saleA.runtime.pool, 'time_sales', (id) => order('v3', id, user3))
      assert.equal(early.result.status, 404, JSON.stringify(early.result.body))
      const id = await createSale(saleA.url, { total: 10 })
      const v3 = await order('v3', id, user3)
      const v1 = await order('v1', id, user1)
      assert.equal(v3.status, 202, `v3 on B: ${JSON.stringify(v3.body)}`)
      assert.equal(v1.status, 201, `v1 on B: ${JSON.stringify(v1.body)}`)
      if (id === early.id) rounds++
    }
  })
})
