import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { couponFeature } from '../../src/coupon/feature.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { userIds } from '../coupon/fixtures.ts'
import { startTestService, type TestService, testConfig } from '../helpers/stack.ts'
import { createSale, saleBody } from '../timesale/fixtures.ts'

/**
 * Posts `body` with the number literal `literal` written in place of the string `"@N@"`, as a client
 * whose JSON encoder keeps more digits than a double would.
 */
async function postLiteral(url: string, body: Record<string, unknown>, literal: string) {
  const text = JSON.stringify(body).replace('"@N@"', literal)
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: text,
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

function assertRefusedNaming(response: { status: number; body: Record<string, unknown> }, field: string) {
  assert.equal(response.status, 400, JSON.stringify(response.body))
  assert.equal(response.body.code, 'VALIDATION_FAILED')
  assert.match(String(response.body.message), new RegExp(field))
  const details = response.body.details as Array<{ field: string; rule: string }>
  assert.ok(
    details.some((detail) => detail.field === field && detail.rule === 'precision'),
    JSON.stringify(details),
  )
}

/** Marks this file's policies: other test files create policies at the same time. */
const TITLE = `precision ${randomUUID()}`

function policy(change: Record<string, unknown>) {
  return {
    title: TITLE,
    totalQuantity: 10,
    startTime: new Date(Date.now() - 60_000).toISOString(),
    endTime: new Date(Date.now() + 600_000).toISOString(),
    discountType: 'FIXED',
    discountValue: 1000,
    ...change,
  }
}

describe('number literals more precise than a double, coupon service', () => {
  let service: TestService
  before(async () => {
    service = await startTestService(couponFeature, testConfig(), { consume: false })
  })
  after(() => service.close())

  it('refuses them with 400 naming the field instead of rounding, and takes exact long spellings', async () => {
    const url = `${service.url}/api/coupons/policies`
    assertRefusedNaming(
      await postLiteral(
        url,
        policy({ discountType: 'PERCENTAGE', discountValue: '@N@' }),
        '100.0000000000000001',
      ),
      'discountValue',
    )
    assertRefusedNaming(
      await postLiteral(url, policy({ totalQuantity: '@N@' }), '1.0000000000000001'),
      'totalQuantity',
    )
    assertRefusedNaming(
      await postLiteral(url, policy({ totalQuantity: '@N@' }), '9007199254740993'),
      'totalQuantity',
    )
    assertRefusedNaming(await postLiteral(url, policy({ discountValue: '@N@' }), '1e400'), 'discountValue')
    const { rows: afterRefusals } = await service.runtime.pool.query(
      'SELECT count(*)::int AS n FROM coupon_policies WHERE title = $1',
      [TITLE],
    )
    assert.equal(afterRefusals[0].n, 0, 'nothing stored')

    // Long spellings of exactly representable values are the same number and are taken.
    const exact = await postLiteral(url, policy({ discountValue: '@N@' }), '1000.000000000000000000')
    assert.equal(exact.status, 201, JSON.stringify(exact.body))
    assert.equal(exact.body.discountValue, 1000)
  })
})

describe('number literals more precise than a double, time-sale service', () => {
  let service: TestService
  before(async () => {
    service = await startTestService(timesaleFeature, testConfig(), { consume: false })
  })
  after(() => service.close())

  it('refuses a sale price or an order quantity that a double would round', async () => {
    assertRefusedNaming(
      await postLiteral(
        `${service.url}/api/timesales`,
        { ...saleBody({ total: 5 }), originalPrice: 10, salePrice: '@N@' },
        '10.000000000000000001',
      ),
      'salePrice',
    )
    const saleId = await createSale(service.url, { total: 5 })
    const [user] = userIds(1) as [string]
    assertRefusedNaming(
      await postLiteral(
        `${service.url}/api/timesales/${saleId}/orders?strategy=v3`,
        { userId: user, quantity: '@N@' },
        '1.0000000000000001',
      ),
      'quantity',
    )
  })
})
