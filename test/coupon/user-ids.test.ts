import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { couponFeature } from '../../src/coupon/feature.ts'
import { STRATEGIES } from '../../src/shared/strategy.ts'
import { get, post, tally } from '../helpers/http.ts'
import { startTestService, type TestService } from '../helpers/stack.ts'
import { BAD_USER_ID_PATHS, BAD_USER_IDS, opaqueUserIds } from '../helpers/user-ids.ts'
import { assertConsistent, createPolicy, policyState, userIds, waitSettled } from './fixtures.ts'

const issueUrl = (url: string, strategy: string) => `${url}/api/coupons/issue?strategy=${strategy}`

describe('coupon API with opaque user ids', () => {
  let service: TestService
  before(async () => {
    service = await startTestService(couponFeature)
  })
  after(() => service.close())

  for (const strategy of STRATEGIES) {
    it(`${strategy}: issues to UUID, email-like, namespaced and 64-character ids, once each`, async () => {
      const policyId = await createPolicy(service.url, { total: 10 })
      const users = opaqueUserIds()
      for (const [name, sent, answered] of users) {
        const issued = await post(issueUrl(service.url, strategy), { policyId, userId: sent })
        assert.equal(issued.status, strategy === 'v3' ? 202 : 201, `${name}: ${JSON.stringify(issued.body)}`)
        assert.equal(issued.body.userId, answered, name)
      }
      if (strategy === 'v3') await waitSettled(service.runtime, policyId, users.length)
      // The same users again, the UUID now in lower case: one coupon per user whatever the spelling.
      for (const [name, , answered] of users) {
        const again = await post(issueUrl(service.url, strategy), { policyId, userId: answered })
        assert.deepEqual([again.status, again.body.code], [409, 'ALREADY_ISSUED'], name)
      }
      for (const [name, sent, answered] of users) {
        const path = encodeURIComponent(sent)
        const coupons = await get<Array<{ policyId: string; userId: string }>>(
          `${service.url}/api/coupons/users/${path}`,
        )
        assert.equal(coupons.status, 200, name)
        assert.deepEqual(
          coupons.body.map((coupon) => [coupon.policyId, coupon.userId]),
          [[policyId, answered]],
          name,
        )
      }
      const state = await policyState(service.runtime, policyId)
      assert.equal(state.coupons, users.length)
      assertConsistent(state)
    })

    it(`${strategy}: an integer and its string are one user`, async () => {
      const policyId = await createPolicy(service.url, { total: 10 })
      const [userId] = userIds(1) as [string]
      const first = await post(issueUrl(service.url, strategy), { policyId, userId: Number(userId) })
      assert.equal(first.body.userId, userId)
      if (strategy === 'v3') await waitSettled(service.runtime, policyId, 1)
      const second = await post(issueUrl(service.url, strategy), { policyId, userId })
      assert.deepEqual([second.status, second.body.code], [409, 'ALREADY_ISSUED'])
    })

    it(`${strategy}: a burst from UUID users spelling their ids in both cases → stock used, one coupon each`, async () => {
      const policyId = await createPolicy(service.url, { total: 5 })
      const users: string[] = Array.from({ length: 10 }, () => randomUUID())
      const bodies = users.flatMap((id) => [id, id.toUpperCase(), id].map((userId) => ({ policyId, userId })))
      const responses = await Promise.all(bodies.map((body) => post(issueUrl(service.url, strategy), body)))
      const counts = tally(responses)
      if (strategy === 'v3') await waitSettled(service.runtime, policyId, counts['202'] ?? 0)
      const state = await policyState(service.runtime, policyId)
      assert.equal(state.coupons, 5, JSON.stringify(counts))
      assertConsistent(state)
      const { rows } = await service.runtime.pool.query<{ user_id: string }>(
        'SELECT user_id FROM coupons WHERE policy_id = $1',
        [policyId],
      )
      assert.ok(
        rows.every((row) => users.includes(row.user_id)),
        'stored in lower case',
      )
    })

    it(`${strategy}: refuses malformed user ids with 400 and changes nothing`, async () => {
      const policyId = await createPolicy(service.url, { total: 10 })
      for (const [name, userId] of BAD_USER_IDS) {
        const response = await post(issueUrl(service.url, strategy), { policyId, userId })
        assert.equal(response.status, 400, `${name}: ${JSON.stringify(response.body)}`)
        assert.equal(response.body.code, 'VALIDATION_FAILED', name)
      }
      const state = await policyState(service.runtime, policyId)
      assert.equal(state.coupons + state.redisPending + state.redisHolders, 0)
    })
  }

  it("refuses malformed user ids in the path of a user's coupons", async () => {
    for (const path of BAD_USER_ID_PATHS) {
      const response = await get(`${service.url}/api/coupons/users/${path}`)
      assert.deepEqual([response.status, response.body.code], [400, 'VALIDATION_FAILED'], path)
    }
  })

  it('answers the status of a v3 request with the normalised user id', async () => {
    const policyId = await createPolicy(service.url, { total: 1 })
    const uuid = randomUUID()
    const accepted = await post<{ requestId: string; userId: string }>(issueUrl(service.url, 'v3'), {
      policyId,
      userId: uuid.toUpperCase(),
    })
    assert.equal(accepted.body.userId, uuid)
    await waitSettled(service.runtime, policyId, 1)
    const status = await get(`${service.url}/api/coupons/requests/${accepted.body.requestId}`)
    assert.deepEqual([status.body.status, status.body.userId], ['ISSUED', uuid])
  })
})
