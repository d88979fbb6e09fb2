import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { couponFeature } from '../../src/coupon/feature.ts'
import { INSTANT_PATTERN } from '../../src/platform/schema-keywords.ts'
import { TEXT_PATTERN } from '../../src/shared/fields.ts'
import { dig, get, post, request } from '../helpers/http.ts'
import { startTestService, type TestService, testConfig } from '../helpers/stack.ts'
import { createPolicy, policyState, userIds, waitSettled } from './fixtures.ts'

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

/** A body whose `totalQuantity` marks it, so that a test can tell whether it was stored. */
function policyBody(change: Record<string, unknown> = {}) {
  return {
    title: 'input kinds',
    totalQuantity: 1_000_000 + Math.floor(Math.random() * 8_999_999),
    startTime: new Date(Date.now() - 60_000).toISOString(),
    endTime: '2027-12-31T23:59:59Z',
    discountType: 'FIXED',
    discountValue: 1000,
    ...change,
  }
}

/** Issue 9's examples on the coupon service: each kind of bad input is a 400 naming its field. */
describe('coupon input kinds', () => {
  const config = testConfig()
  let service: TestService
  let consumer: TestService | undefined
  before(async () => {
    // The consumer starts later, so that a request can be seen while it is pending.
    service = await startTestService(couponFeature, config, { consume: false })
  })
  after(async () => {
    await consumer?.close()
    await service.close()
  })

  async function policiesWith(totalQuantity: unknown): Promise<number> {
    if (typeof totalQuantity !== 'number') return 0
    const { rows } = await service.runtime.pool.query(
      'SELECT 1 FROM coupon_policies WHERE total_quantity = $1',
      [totalQuantity],
    )
    return rows.length
  }

  async function assertRefused(change: Record<string, unknown>, field: string) {
    const body = policyBody(change)
    const response = await post(`${service.url}/api/coupons/policies`, body)
    assert.equal(response.status, 400, `${JSON.stringify(change)}: ${JSON.stringify(response.body)}`)
    assert.equal(response.body.code, 'VALIDATION_FAILED')
    assert.match(String(response.body.message), new RegExp(field), JSON.stringify(response.body))
    const details = response.body.details as Array<{ field: string }>
    assert.ok(
      details.some((detail) => detail.field === field),
      JSON.stringify(details),
    )
    assert.equal(await policiesWith(body.totalQuantity), 0, 'nothing stored')
  }

  it('date-times: a leap second or a year outside 0000-9999 is a 400 naming the field', async () => {
    await assertRefused({ endTime: '2027-12-31T23:59:60Z' }, 'endTime')
    await assertRefused({ startTime: '0000-01-01T00:00:00+01:00' }, 'startTime')
    await assertRefused({ endTime: '9999-12-31T23:59:59-01:00' }, 'endTime')
    await assertRefused({ endTime: '+010000-01-01T00:00:00Z' }, 'endTime')
    await assertRefused({ endTime: '2027-12-31T10:00:00+09' }, 'endTime')
    const created = await post(`${service.url}/api/coupons/policies`, policyBody())
    assert.equal(created.status, 201, JSON.stringify(created.body))
    for (const field of ['startTime', 'endTime', 'createdAt']) {
      assert.match(String(created.body[field]), RFC3339, field)
    }
    assert.equal(created.body.endTime, '2027-12-31T23:59:59.000Z')
  })

  it('text: NUL, other control characters and white space alone are a 400 on the field', async () => {
    await assertRefused({ title: 'a\u0000b' }, 'title')
    await assertRefused({ title: 'a\u001bb' }, 'title')
    await assertRefused({ title: '   ' }, 'title')
    const body = policyBody({ title: ' 쿠폰\t탭 😀 ' })
    const created = await post(`${service.url}/api/coupons/policies`, body)
    assert.equal(created.status, 201)
    assert.equal(created.body.title, body.title)
    const { rows } = await service.runtime.pool.query<{ title: string }>(
      'SELECT title FROM coupon_policies WHERE id = $1',
      [created.body.id],
    )
    assert.equal(rows[0]?.title, body.title, 'stored as sent')
  })

  it('money and percentages: more decimals than stored are a 400, never rounded', async () => {
    await assertRefused({ discountValue: 0.001 }, 'discountValue')
    await assertRefused({ discountValue: 12.345 }, 'discountValue')
    await assertRefused({ discountType: 'PERCENTAGE', discountValue: 99.999 }, 'discountValue')
    for (const [discountType, discountValue] of [
      ['FIXED', 12.34],
      ['FIXED', 0.01],
      ['PERCENTAGE', 99.99],
    ] as const) {
      const created = await post(
        `${service.url}/api/coupons/policies`,
        policyBody({ discountType, discountValue }),
      )
      assert.equal(created.status, 201, JSON.stringify(created.body))
      assert.equal(created.body.discountValue, discountValue)
      const { rows } = await service.runtime.pool.query<{ value: string }>(
        'SELECT discount_value::text AS value FROM coupon_policies WHERE id = $1',
        [created.body.id],
      )
      assert.equal(Number(rows[0]?.value), discountValue, 'stored as sent')
    }
  })

  it('ids: an upper-case requestId finds the request while pending and once settled', async () => {
    const policyId = await createPolicy(service.url, { total: 5 })
    const [userId] = userIds(1) as [string]
    const accepted = await post(`${service.url}/api/coupons/issue?strategy=v3`, { policyId, userId })
    assert.equal(accepted.status, 202)
    const requestId = String(accepted.body.requestId)
    const upper = requestId.toUpperCase()
    assert.notEqual(upper, requestId)

    const pending = await get(`${service.url}/api/coupons/requests/${upper}`)
    assert.equal(pending.status, 200, JSON.stringify(pending.body))
    assert.equal(pending.body.status, 'PENDING')
    assert.equal(pending.body.requestId, requestId, 'answered in the canonical spelling')
    assert.match(String(pending.body.updatedAt), RFC3339)

    consumer = await startTestService(couponFeature, config, { http: false, consume: true })
    await waitSettled(service.runtime, policyId, 1)
    for (const spelling of [upper, requestId]) {
      const settled = await get(`${service.url}/api/coupons/requests/${spelling}`)
      assert.equal(settled.status, 200, JSON.stringify(settled.body))
      assert.equal(settled.body.status, 'ISSUED')
      assert.equal(settled.body.requestId, requestId)
    }
    // The result stream finds it too: resuming after its final state answers 204, not 404.
    const stream = await request('GET', `${service.url}/api/coupons/requests/${upper}/events`, undefined, {
      'last-event-id': 'ISSUED',
    })
    assert.equal(stream.status, 204, JSON.stringify(stream.body))
  })

  it('ids: leading zeros, a sign or white space are a 400 before any lookup; numbers equal strings', async () => {
    const policyId = await createPolicy(service.url, { total: 5 })
    const before = await policyState(service.runtime, policyId)
    const [userId] = userIds(1) as [string]
    for (const strategy of ['v1', 'v2', 'v3']) {
      for (const body of [
        { policyId: `0${policyId}`, userId },
        { policyId: `+${policyId}`, userId },
        { policyId: ` ${policyId}`, userId },
        { policyId: `${policyId}\n`, userId },
        { policyId, userId: ` ${userId}` },
        { policyId, userId: `+${userId}` },
      ]) {
        const response = await post(`${service.url}/api/coupons/issue?strategy=${strategy}`, body)
        assert.equal(response.status, 400, `${strategy} ${JSON.stringify(body)}`)
        assert.equal(response.body.code, 'VALIDATION_FAILED')
      }
    }
    assert.deepEqual(await policyState(service.runtime, policyId), before, 'nothing changed')
    for (const path of [`policies/0${policyId}`, `policies/%2B${policyId}`, `policies/%20${policyId}`]) {
      const response = await get(`${service.url}/api/coupons/${path}`)
      assert.equal(response.status, 400, path)
      assert.equal(response.body.code, 'VALIDATION_FAILED', path)
    }
    const issued = await post(`${service.url}/api/coupons/issue?strategy=v1`, {
      policyId: Number(policyId),
      userId: Number(userId),
    })
    assert.equal(issued.status, 201)
    assert.deepEqual([issued.body.policyId, issued.body.userId], [policyId, userId])
    const again = await post(`${service.url}/api/coupons/issue?strategy=v2`, { policyId, userId })
    assert.equal(again.body.code, 'ALREADY_ISSUED', 'the number and the string are one id')
  })

  it('states every rule in the OpenAPI document', async () => {
    const doc = (await get(`${service.url}/docs/json`)).body
    const body = dig(
      doc,
      'paths',
      '/api/coupons/policies',
      'post',
      'requestBody',
      'content',
      'application/json',
      'schema',
      'properties',
    )
    assert.equal(dig(body, 'title', 'pattern'), TEXT_PATTERN)
    assert.equal(dig(body, 'startTime', 'x-instant'), true)
    assert.equal(dig(body, 'endTime', 'pattern'), INSTANT_PATTERN)
    assert.equal(dig(body, 'discountValue', 'x-decimals'), 2)
    const issue = dig(
      doc,
      'paths',
      '/api/coupons/issue',
      'post',
      'requestBody',
      'content',
      'application/json',
      'schema',
      'properties',
    )
    assert.equal(dig(issue, 'policyId', 'x-normalize'), 'id')
    const status = dig(doc, 'paths', '/api/coupons/requests/{requestId}', 'get', 'parameters', 0)
    assert.equal(dig(status, 'schema', 'x-normalize'), 'uuid')
    assert.match(String(dig(status, 'schema', 'pattern')), /A-F/)
  })
})
