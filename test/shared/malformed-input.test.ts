/**
 * Property: a malformed value of any field kind, sent to any write endpoint of either service with any
 * strategy, gets a 4xx with a stable code and changes nothing in PostgreSQL or Redis. Unknown ids, in every
 * letter case, get their 404.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { couponFeature } from '../../src/coupon/feature.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { createPolicy, policyState, userIds } from '../coupon/fixtures.ts'
import { get, post, request } from '../helpers/http.ts'
import {
  malformedBodies,
  malformedCount,
  malformedId,
  malformedInstant,
  malformedMoney,
  malformedRequestId,
  malformedText,
  malformedUserId,
  wrongType,
} from '../helpers/malformed.ts'
import { startTestService, type TestService, uniqueSuffix } from '../helpers/stack.ts'
import { createSale, saleState } from '../timesale/fixtures.ts'

const RUNS = Number(process.env.PROPERTY_RUNS ?? 100)
const STABLE_CODES = new Set(['VALIDATION_FAILED', 'INVALID_JSON'])
const STRATEGIES = ['v1', 'v2', 'v3'] as const

/** Sends every body the arbitrary yields and requires a 400 with a stable code for each. */
async function assertAllRefused(url: string, bodies: fc.Arbitrary<unknown>, runs = RUNS): Promise<void> {
  await fc.assert(
    fc.asyncProperty(bodies, async (body) => {
      const response = await request('POST', url, JSON.stringify(body), {
        'content-type': 'application/json',
      })
      assert.equal(response.status, 400, `${url} ${JSON.stringify(body)} → ${JSON.stringify(response.body)}`)
      assert.ok(STABLE_CODES.has(String(response.body.code)), JSON.stringify(response.body))
    }),
    { numRuns: runs },
  )
}

/** Malformed ids as they can appear in a path: every spelling but the canonical digits. */
const pathIds = malformedId
  .map((id) => (typeof id === 'string' ? id : JSON.stringify(id)))
  .filter((id) => !/^[1-9][0-9]{0,17}$/.test(id))

const mixedCase = (id: string) => [...id].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('')

describe('malformed input on every write endpoint of both services', () => {
  let coupon: TestService
  let timesale: TestService
  const marker = `malformed ${uniqueSuffix()}`
  const markerQuantity = 1_000_000 + Math.floor(Math.random() * 8_999_999)
  const markerAmount = 1_000 + Math.floor(Math.random() * 8_999) / 100

  before(async () => {
    coupon = await startTestService(couponFeature)
    timesale = await startTestService(timesaleFeature)
  })
  after(async () => {
    await coupon.close()
    await timesale.close()
  })

  const window = () => ({
    start: new Date(Date.now() - 60_000).toISOString(),
    end: new Date(Date.now() + 3_600_000).toISOString(),
  })

  it('coupon policies: nothing is created', async () => {
    const { start, end } = window()
    const base = {
      title: marker,
      totalQuantity: markerQuantity,
      startTime: start,
      endTime: end,
      discountType: 'FIXED',
      discountValue: markerAmount,
    }
    const fields = {
      title: malformedText(200),
      totalQuantity: malformedCount(10_000_000),
      startTime: malformedInstant,
      endTime: malformedInstant,
      discountType: fc.oneof(
        fc.string().filter((s) => s !== 'FIXED' && s !== 'PERCENTAGE'),
        wrongType,
      ),
      discountValue: malformedMoney,
    }
    await assertAllRefused(
      `${coupon.url}/api/coupons/policies`,
      malformedBodies(base, fields, Object.keys(base)),
      RUNS * 3,
    )
    const { rows } = await coupon.runtime.pool.query(
      'SELECT id FROM coupon_policies WHERE title = $1 OR total_quantity = $2 OR discount_value = $3',
      [marker, markerQuantity, markerAmount],
    )
    assert.deepEqual(rows, [], 'no policy was stored')
  })

  it('coupon issue, every strategy: nothing is issued or reserved', async () => {
    const policyId = await createPolicy(coupon.url, { total: 5 })
    const [userId] = userIds(1) as [string]
    const before = await policyState(coupon.runtime, policyId)
    const bodies = malformedBodies({ policyId, userId }, { policyId: malformedId, userId: malformedUserId }, [
      'policyId',
      'userId',
    ])
    for (const strategy of STRATEGIES) {
      await assertAllRefused(`${coupon.url}/api/coupons/issue?strategy=${strategy}`, bodies)
    }
    await assertAllRefused(
      `${coupon.url}/api/coupons/issue?strategy=V3`,
      fc.constant({ policyId, userId }),
      1,
    )
    assert.deepEqual(await policyState(coupon.runtime, policyId), before, 'nothing changed')
    const coupons = await get<unknown[]>(`${coupon.url}/api/coupons/users/${userId}`)
    assert.deepEqual(coupons.body, [])
  })

  it('time sales: nothing is created', async () => {
    const { start, end } = window()
    const base = {
      productName: marker,
      originalPrice: markerAmount,
      salePrice: 1,
      totalQuantity: markerQuantity,
      startAt: start,
      endAt: end,
      maxPerUser: 2,
    }
    const fields = {
      productName: malformedText(200),
      originalPrice: malformedMoney,
      salePrice: malformedMoney,
      totalQuantity: malformedCount(10_000_000),
      startAt: malformedInstant,
      endAt: malformedInstant,
      maxPerUser: malformedCount(10_000_000).filter((value) => value !== null),
    }
    const required = Object.keys(base).filter((key) => key !== 'maxPerUser')
    await assertAllRefused(`${timesale.url}/api/timesales`, malformedBodies(base, fields, required), RUNS * 3)
    const { rows } = await timesale.runtime.pool.query(
      'SELECT id FROM time_sales WHERE product_name = $1 OR total_quantity = $2 OR original_price = $3',
      [marker, markerQuantity, markerAmount],
    )
    assert.deepEqual(rows, [], 'no sale was stored')
  })

  it('time-sale orders, every strategy: nothing is sold or queued', async () => {
    const saleId = await createSale(timesale.url, { total: 5 })
    const [userId] = userIds(1) as [string]
    const before = await saleState(timesale.runtime, saleId)
    const bodies = malformedBodies(
      { userId, quantity: 1 },
      { userId: malformedUserId, quantity: malformedCount(1_000_000) },
      ['userId', 'quantity'],
    )
    for (const strategy of STRATEGIES) {
      await assertAllRefused(`${timesale.url}/api/timesales/${saleId}/orders?strategy=${strategy}`, bodies)
      // A malformed sale id in the path, with a valid body.
      await fc.assert(
        fc.asyncProperty(pathIds, async (id) => {
          const url = `${timesale.url}/api/timesales/${encodeURIComponent(id)}/orders?strategy=${strategy}`
          const response = await post(url, { userId, quantity: 1 })
          assert.equal(response.status, 400, `${url} → ${JSON.stringify(response.body)}`)
          assert.equal(response.body.code, 'VALIDATION_FAILED', url)
        }),
        { numRuns: RUNS },
      )
    }
    assert.deepEqual(await saleState(timesale.runtime, saleId), before, 'nothing changed')
    const orders = await get<unknown[]>(`${timesale.url}/api/timesales/users/${userId}/orders`)
    assert.deepEqual(orders.body, [])
  })

  it('admin endpoints of both services: malformed bodies replay and repair nothing', async () => {
    for (const [service, prefix] of [
      [coupon, '/api/coupons'],
      [timesale, '/api/timesales'],
    ] as const) {
      const replays = async () =>
        (
          await service.runtime.pool.query('SELECT 1 FROM dead_letter_replays WHERE dlq_topic LIKE $1', [
            `${service.runtime.config.kafka.topicPrefix}%`,
          ])
        ).rows.length
      const before = await replays()
      await assertAllRefused(
        `${service.url}${prefix}/admin/dlq/replay`,
        malformedBodies(
          {},
          { requestIds: fc.oneof(fc.array(malformedRequestId, { minLength: 1, maxLength: 3 }), wrongType) },
          [],
        ),
      )
      await assertAllRefused(
        `${service.url}${prefix}/admin/reconcile`,
        malformedBodies(
          { repair: false },
          {
            repair: fc.oneof(fc.constantFrom('true', 1, 0, 'false'), fc.constant(null)),
            ids: fc.oneof(fc.array(malformedId, { minLength: 1, maxLength: 3 }), wrongType),
          },
          [],
        ),
      )
      assert.equal(await replays(), before, 'nothing replayed')
    }
  })

  it('unknown ids, in every letter case, answer 404 with their code', async () => {
    const unknownPolicy = '999999999999999'
    for (const strategy of STRATEGIES) {
      const issue = await post(`${coupon.url}/api/coupons/issue?strategy=${strategy}`, {
        policyId: unknownPolicy,
        userId: '1',
      })
      assert.equal(issue.body.code, 'POLICY_NOT_FOUND', strategy)
      const order = await post(`${timesale.url}/api/timesales/${unknownPolicy}/orders?strategy=${strategy}`, {
        userId: '1',
        quantity: 1,
      })
      assert.equal(order.body.code, 'TIMESALE_NOT_FOUND', strategy)
    }
    await fc.assert(
      fc.asyncProperty(fc.uuid(), async (id) => {
        for (const spelling of [id, id.toUpperCase(), mixedCase(id)]) {
          for (const url of [
            `${coupon.url}/api/coupons/requests/${spelling}`,
            `${coupon.url}/api/coupons/requests/${spelling}/events`,
            `${timesale.url}/api/timesales/orders/requests/${spelling}`,
            `${timesale.url}/api/timesales/orders/requests/${spelling}/events`,
          ]) {
            const response = await get(url)
            assert.equal(response.status, 404, url)
            assert.equal(response.body.code, 'REQUEST_NOT_FOUND', url)
          }
        }
      }),
      { numRuns: 20 },
    )
    await fc.assert(
      fc.asyncProperty(malformedRequestId, async (id) => {
        const spelling = encodeURIComponent(typeof id === 'string' ? id : JSON.stringify(id))
        for (const url of [
          `${coupon.url}/api/coupons/requests/${spelling}`,
          `${coupon.url}/api/coupons/requests/${spelling}/events`,
          `${timesale.url}/api/timesales/orders/requests/${spelling}`,
          `${timesale.url}/api/timesales/orders/requests/${spelling}/events`,
        ]) {
          const response = await get(url)
          assert.ok([400, 404].includes(response.status), `${url} → ${response.status}`)
          assert.ok(['VALIDATION_FAILED', 'NOT_FOUND'].includes(String(response.body.code)), url)
        }
      }),
      { numRuns: RUNS },
    )
  })
})
