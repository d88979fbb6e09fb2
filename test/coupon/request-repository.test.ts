import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { before, describe, it } from 'node:test'
import { CouponRepository } from '../../src/coupon/repository.ts'
import type { Decision, IssueRequest } from '../../src/coupon/types.ts'
import { suitePool } from '../helpers/database.ts'
import { testConfig } from '../helpers/stack.ts'
import { userIds } from './fixtures.ts'

/** The consumer's set-based write of a policy's batch (src/coupon/request-repository.ts) on PostgreSQL. */
describe('coupon v3 batch write', () => {
  const db = suitePool(testConfig())
  let repository: CouponRepository

  before(() => {
    repository = new CouponRepository(db.pool)
  })

  function counts(policyId: string) {
    return db.row<{ issued: number; coupons: number; outcomes: number }>(
      `SELECT issued_quantity AS issued,
              (SELECT count(*)::int FROM coupons WHERE policy_id = $1) AS coupons,
              (SELECT count(*)::int FROM coupon_requests WHERE policy_id = $1) AS outcomes
       FROM coupon_policies WHERE id = $1`,
      [policyId],
    )
  }

  it('inserts each coupon and outcome once across repeats in a batch and replays of it; refuses what PostgreSQL does not allow', async () => {
    const now = Date.now()
    const policy = await repository.insertPolicy({
      title: 'batch write',
      totalQuantity: 4,
      startTime: new Date(now - 60_000),
      endTime: new Date(now + 600_000),
      discountType: 'FIXED',
      discountValue: 100,
    })
    const [u1, u2, u4, u5, u6] = userIds(5) as [string, string, string, string, string]
    // A coupon issued by v1 meanwhile: PostgreSQL has 3 left and u6 holds one.
    await repository.issueOne({
      policyId: policy.id,
      userId: u6,
      requestId: randomUUID(),
      strategy: 'v1',
      now: new Date(now),
      checkWindow: true,
    })
    const request = (userId: string): IssueRequest => ({
      requestId: randomUUID(),
      policyId: policy.id,
      userId,
      acceptedAt: now,
    })
    const [r1, r2, r3, r6, r4, r5] = [
      request(u1),
      request(u2),
      request(u1),
      request(u6),
      request(u4),
      request(u5),
    ]
    const batch = [r1, r2, r1, r3, r6, r4, r5]
    const decisions: Decision[] = [
      'ISSUED',
      'ISSUED',
      'ISSUED',
      'ALREADY_ISSUED',
      'ISSUED',
      'ISSUED',
      'ISSUED',
    ]

    const first = await repository.requests.persistBatch(policy.id, batch, decisions)
    const expected = [
      [r1.requestId, 'ISSUED', null],
      [r2.requestId, 'ISSUED', null],
      [r3.requestId, 'FAILED', 'ALREADY_ISSUED'],
      [r6.requestId, 'FAILED', 'ALREADY_ISSUED'],
      [r4.requestId, 'ISSUED', null],
      [r5.requestId, 'FAILED', 'SOLD_OUT'],
    ]
    assert.deepEqual(
      first.toPublish.map((outcome) => [outcome.requestId, outcome.status, outcome.code]),
      expected,
      'one outcome per distinct request, in batch order',
    )
    assert.ok(first.toPublish.every((o) => (o.status === 'ISSUED') === (o.couponId !== null)))
    assert.deepEqual(first.refused, [
      { requestId: r6.requestId, userId: u6 },
      { requestId: r5.requestId, userId: u5 },
    ])
    assert.deepEqual(await counts(policy.id), { issued: 4, coupons: 4, outcomes: 6 })

    // A replay (crash before the publish): nothing written again, the same outcomes to publish.
    const replay = await repository.requests.persistBatch(policy.id, batch, decisions)
    assert.deepEqual(replay.toPublish, first.toPublish)
    assert.deepEqual(replay.refused, first.refused)
    assert.deepEqual(await counts(policy.id), { issued: 4, coupons: 4, outcomes: 6 })

    // Once marked published, a replay publishes nothing and still gives back Redis's refused reservations.
    await repository.requests.markPublished(first.toPublish.map((outcome) => outcome.requestId))
    const marked = await repository.requests.persistBatch(policy.id, batch, decisions)
    assert.deepEqual(marked.toPublish, [])
    assert.deepEqual(marked.refused, first.refused)
    assert.deepEqual(await counts(policy.id), { issued: 4, coupons: 4, outcomes: 6 })
    assert.equal((await repository.requests.findOutcome(r4.requestId))?.status, 'ISSUED')
  })

  it('refuses a batch of an unknown policy with POLICY_NOT_FOUND', async () => {
    await assert.rejects(
      repository.requests.persistBatch('999999999', [], []),
      (error: { code?: string }) => error.code === 'POLICY_NOT_FOUND',
    )
  })
})
