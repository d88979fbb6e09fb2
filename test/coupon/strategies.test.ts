import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { couponFeature } from '../../src/coupon/feature.ts'
import { STRATEGIES } from '../../src/shared/strategy.ts'
import { post, tally } from '../helpers/http.ts'
import { runLimited, startTestService, type TestService } from '../helpers/stack.ts'
import { assertConsistent, createPolicy, policyState, userIds, waitSettled } from './fixtures.ts'

describe('coupon issuance under concurrency, per strategy', () => {
  let service: TestService
  before(async () => {
    service = await startTestService(couponFeature)
  })
  after(() => service.close())

  for (const strategy of STRATEGIES) {
    it(`${strategy}: 1000 users, 100 in flight, 100 coupons → exactly 100 issued, 900 SOLD_OUT, 0 errors`, async () => {
      const policyId = await createPolicy(service.url, { total: 100 })
      const users = userIds(1000)
      const responses = await runLimited(
        users.map(
          (userId) => () =>
            post(`${service.url}/api/coupons/issue?strategy=${strategy}`, { policyId, userId }),
        ),
        100,
      )
      const counts = tally(responses)
      if (strategy === 'v3') {
        const accepted = counts['202'] ?? 0
        assert.equal(accepted + (counts['409:SOLD_OUT'] ?? 0), 1000, JSON.stringify(counts))
        assert.ok(accepted >= 100, 'at least the stock was accepted')
        await waitSettled(service.runtime, policyId, accepted)
        const { rows } = await service.runtime.pool.query<{ status: string; code: string | null; n: string }>(
          'SELECT status, code, count(*) AS n FROM coupon_requests WHERE policy_id = $1 GROUP BY 1, 2',
          [policyId],
        )
        const outcomes = Object.fromEntries(
          rows.map((row) => [`${row.status}:${row.code ?? ''}`, Number(row.n)]),
        )
        assert.equal(outcomes['ISSUED:'], 100, JSON.stringify(outcomes))
        assert.equal(
          (outcomes['FAILED:SOLD_OUT'] ?? 0) + (counts['409:SOLD_OUT'] ?? 0),
          900,
          JSON.stringify(outcomes),
        )
      } else {
        assert.deepEqual(counts, { '201': 100, '409:SOLD_OUT': 900 })
      }
      const state = await policyState(service.runtime, policyId)
      assert.equal(state.coupons, 100)
      assertConsistent(state)
    })

    it(`${strategy}: one user firing 50 concurrent requests gets exactly one coupon`, async () => {
      const policyId = await createPolicy(service.url, { total: 10 })
      const [userId] = userIds(1)
      const responses = await Promise.all(
        Array.from({ length: 50 }, () =>
          post(`${service.url}/api/coupons/issue?strategy=${strategy}`, { policyId, userId }),
        ),
      )
      const counts = tally(responses)
      const winner = strategy === 'v3' ? '202' : '201'
      assert.equal(counts[winner], 1, JSON.stringify(counts))
      assert.equal(counts['409:ALREADY_ISSUED'], 49, JSON.stringify(counts))
      if (strategy === 'v3') await waitSettled(service.runtime, policyId, 1)
      const state = await policyState(service.runtime, policyId)
      assert.equal(state.coupons, 1)
      assertConsistent(state)
    })
  }

  it('mixed strategies on one policy keep every invariant (a v1 coupon counts for v3)', async () => {
    const policyId = await createPolicy(service.url, { total: 50 })
    const users = userIds(300)
    const strategyOf = (index: number) => STRATEGIES[index % 3] as string
    const responses = await runLimited(
      users.map(
        (userId, index) => () =>
          post(`${service.url}/api/coupons/issue?strategy=${strategyOf(index)}`, { policyId, userId }),
      ),
      60,
    )
    const accepted = responses.filter((response) => response.status === 202).length
    await waitSettled(service.runtime, policyId, accepted)
    const state = await policyState(service.runtime, policyId)
    assert.equal(state.coupons, 50, 'all stock issued (no undersell), none beyond (no oversell)')
    assertConsistent(state)
    const errors = responses.filter((response) => response.status >= 500)
    assert.equal(errors.length, 0)
  })
})
