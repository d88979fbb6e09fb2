import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { couponFeature } from '../../src/coupon/feature.ts'
import { get, post, request } from '../helpers/http.ts'
import { startTestService, type TestService } from '../helpers/stack.ts'
import { createPolicy, policyState, userIds, waitSettled } from './fixtures.ts'

describe('coupon API contract and bad input', () => {
  let service: TestService
  let policyId: string
  before(async () => {
    service = await startTestService(couponFeature)
    policyId = await createPolicy(service.url, { total: 10 })
  })
  after(() => service.close())

  it("answers the seed's curl command with the seed's JSON plus requestId", async () => {
    const [userId] = userIds(1) as [string]
    const response = await post(
      `${service.url}/api/coupons/issue?strategy=v3`,
      `{
    "policyId": "${policyId}",
    "userId": "${userId}"
  }`,
    )
    assert.equal(response.status, 202)
    const { requestId, ...seed } = response.body
    assert.deepEqual(seed, {
      status: 'PENDING',
      message: '쿠폰 발급 요청이 접수되었습니다. 잠시 후 확인해주세요.',
      policyId,
      userId,
    })
    assert.match(String(requestId), /^[0-9a-f-]{36}$/)
    const status = await get<{ status: string }>(`${service.url}/api/coupons/requests/${requestId}`)
    assert.equal(status.status, 200)
    assert.ok(['PENDING', 'ISSUED'].includes(status.body.status))
  })

  it('defaults to v3 and accepts integer ids', async () => {
    const [userId] = userIds(1)
    const response = await post(`${service.url}/api/coupons/issue`, {
      policyId: Number(policyId),
      userId: Number(userId),
    })
    assert.equal(response.status, 202)
    assert.equal(response.body.policyId, policyId)
  })

  it('rejects bad input with the right status and code, and changes nothing', async () => {
    await waitSettled(service.runtime, policyId, 2)
    const before = await policyState(service.runtime, policyId)
    const [userId] = userIds(1) as [string]
    const future = await createPolicy(service.url, { total: 5, startsInMs: 3_600_000, endsInMs: 7_200_000 })
    const cases: Array<[string, unknown, number, string]> = [
      ['missing userId', { policyId }, 400, 'VALIDATION_FAILED'],
      ['missing policyId', { userId }, 400, 'VALIDATION_FAILED'],
      ['empty body', {}, 400, 'VALIDATION_FAILED'],
      ['array body', [policyId, userId], 400, 'VALIDATION_FAILED'],
      ['boolean id', { policyId: true, userId }, 400, 'VALIDATION_FAILED'],
      ['object id', { policyId: { id: 1 }, userId }, 400, 'VALIDATION_FAILED'],
      ['negative id', { policyId: -1, userId }, 400, 'VALIDATION_FAILED'],
      ['zero id', { policyId, userId: 0 }, 400, 'VALIDATION_FAILED'],
      ['"0" id', { policyId, userId: '0' }, 400, 'VALIDATION_FAILED'],
      ['fractional id', { policyId, userId: 1.5 }, 400, 'VALIDATION_FAILED'],
      ['non-numeric id', { policyId: 'abc', userId }, 400, 'VALIDATION_FAILED'],
      ['id too long', { policyId: '9'.repeat(30), userId }, 400, 'VALIDATION_FAILED'],
      ['unknown field', { policyId, userId, extra: 1 }, 400, 'VALIDATION_FAILED'],
      ['malformed JSON', '{"policyId": ', 400, 'INVALID_JSON'],
      ['oversized body', { policyId, userId, pad: 'x'.repeat(20_000) }, 413, 'PAYLOAD_TOO_LARGE'],
      ['unknown policy', { policyId: '999999999', userId }, 404, 'POLICY_NOT_FOUND'],
      ['before the window', { policyId: future, userId }, 400, 'NOT_IN_PERIOD'],
    ]
    for (const strategy of ['v1', 'v2', 'v3']) {
      for (const [name, body, status, code] of cases) {
        const response = await post(`${service.url}/api/coupons/issue?strategy=${strategy}`, body)
        assert.equal(response.status, status, `${strategy} ${name}: ${JSON.stringify(response.body)}`)
        assert.equal(response.body.code, code, `${strategy} ${name}`)
        assert.equal(typeof response.body.message, 'string')
        assert.equal(response.body.path, '/api/coupons/issue')
      }
    }
    const unknownStrategy = await post(`${service.url}/api/coupons/issue?strategy=v9`, { policyId, userId })
    assert.equal(unknownStrategy.status, 400)
    assert.equal(unknownStrategy.body.code, 'VALIDATION_FAILED')
    const text = await request('POST', `${service.url}/api/coupons/issue`, 'policyId=1', {
      'content-type': 'text/plain',
    })
    assert.equal(text.status, 415)

    const after = await policyState(service.runtime, policyId)
    assert.deepEqual(after, before, 'nothing changed')
    const futureState = await policyState(service.runtime, future)
    assert.equal(futureState.coupons + futureState.redisPending, 0)
  })

  it('validates policies on creation', async () => {
    const base = {
      title: 'x',
      totalQuantity: 10,
      startTime: new Date(Date.now() - 1000).toISOString(),
      endTime: new Date(Date.now() + 3_600_000).toISOString(),
      discountType: 'FIXED',
      discountValue: 10,
    }
    const bad: Array<[string, Record<string, unknown>]> = [
      ['zero quantity', { totalQuantity: 0 }],
      ['negative quantity', { totalQuantity: -5 }],
      ['string quantity', { totalQuantity: '10' }],
      ['empty title', { title: '' }],
      ['bad date', { startTime: 'yesterday' }],
      ['start after end', { startTime: base.endTime, endTime: base.startTime }],
      [
        'ended already',
        {
          startTime: new Date(Date.now() - 7_200_000).toISOString(),
          endTime: new Date(Date.now() - 3_600_000).toISOString(),
        },
      ],
      ['unknown discount type', { discountType: 'FREE' }],
      ['zero discount', { discountValue: 0 }],
      ['percentage over 100', { discountType: 'PERCENTAGE', discountValue: 150 }],
    ]
    const startedAt = new Date()
    for (const [name, change] of bad) {
      const response = await post(`${service.url}/api/coupons/policies`, { ...base, ...change })
      assert.equal(response.status, 400, `${name}: ${JSON.stringify(response.body)}`)
      assert.equal(response.body.code, 'VALIDATION_FAILED', name)
    }
    const created = await service.runtime.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM coupon_policies WHERE created_at >= $1 AND title = $2`,
      [startedAt, base.title],
    )
    assert.equal(created.rows[0]?.n, 0, 'no policy was created')
  })

  it('answers unknown ids and requests with 404 and a code', async () => {
    assert.equal((await get(`${service.url}/api/coupons/policies/987654321`)).body.code, 'POLICY_NOT_FOUND')
    assert.equal((await get(`${service.url}/api/coupons/policies/abc`)).body.code, 'VALIDATION_FAILED')
    const missing = await get(`${service.url}/api/coupons/requests/00000000-0000-4000-8000-000000000000`)
    assert.equal(missing.status, 404)
    assert.equal(missing.body.code, 'REQUEST_NOT_FOUND')
  })

  it("lists a user's coupons and a policy's live counts", async () => {
    const id = await createPolicy(service.url, { total: 3 })
    const [userId] = userIds(1) as [string]
    const issued = await post(`${service.url}/api/coupons/issue?strategy=v1`, { policyId: id, userId })
    assert.equal(issued.status, 201)
    const coupons = await get<Array<{ policyId: string; strategy: string }>>(
      `${service.url}/api/coupons/users/${userId}`,
    )
    assert.deepEqual(
      coupons.body.map((coupon) => [coupon.policyId, coupon.strategy]),
      [[id, 'v1']],
    )
    const policy = await get(`${service.url}/api/coupons/policies/${id}`)
    assert.equal(policy.body.issuedQuantity, 1)
    assert.equal(policy.body.remainingQuantity, 2)
  })
})
