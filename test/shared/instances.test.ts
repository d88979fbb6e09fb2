import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { couponFeature } from '../../src/coupon/feature.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { createPolicy, userIds } from '../coupon/fixtures.ts'
import { post } from '../helpers/http.ts'
import { startTestService, type TestService, testConfig } from '../helpers/stack.ts'
import { createSale, orderUrl } from '../timesale/fixtures.ts'

/** The id the next row of `table` gets (test files run one at a time, so nothing else takes it). */
async function nextId(service: TestService, table: string): Promise<string> {
  const { rows } = await service.runtime.pool.query<{ next: string }>(
    `SELECT COALESCE(last_value + increment_by, start_value) AS next
       FROM pg_sequences WHERE sequencename = pg_get_serial_sequence($1, 'id')::regclass::text`,
    [table],
  )
  return String(rows[0]?.next)
}

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

  it('coupon: created on A, B issues at once with v1 and v3 after its own 404', async () => {
    for (let round = 0; round < 3; round++) {
      const expected = await nextId(couponA, 'coupon_policies')
      const [user1, user3] = userIds(2) as [string, string]
      const issue = (strategy: string, userId: string) =>
        post(`${couponB.url}/api/coupons/issue?strategy=${strategy}`, { policyId: expected, userId })
      const early = await issue('v3', user3)
      assert.equal(early.status, 404, JSON.stringify(early.body))
      assert.equal(await createPolicy(couponA.url, { total: 10 }), expected)
      const v3 = await issue('v3', user3)
      const v1 = await issue('v1', user1)
      assert.equal(v3.status, 202, `v3 on B: ${JSON.stringify(v3.body)}`)
      assert.equal(v1.status, 201, `v1 on B: ${JSON.stringify(v1.body)}`)
    }
  })

  it('timesale: created on A, B takes orders at once with v1 and v3 after its own 404', async () => {
    for (let round = 0; round < 3; round++) {
      const expected = await nextId(saleA, 'time_sales')
      const [user1, user3] = userIds(2) as [string, string]
      const order = (strategy: string, userId: string) =>
        post(orderUrl(saleB.url, expected, strategy), { userId, quantity: 1 })
      const early = await order('v3', user3)
      assert.equal(early.status, 404, JSON.stringify(early.body))
      assert.equal(await createSale(saleA.url, { total: 10 }), expected)
      const v3 = await order('v3', user3)
      const v1 = await order('v1', user1)
      assert.equal(v3.status, 202, `v3 on B: ${JSON.stringify(v3.body)}`)
      assert.equal(v1.status, 201, `v1 on B: ${JSON.stringify(v1.body)}`)
    }
  })
})
