import { AppError } from '../errors.ts'
import { type OutcomeRow, OutcomeTable, toPublish } from '../pipeline/outcome-table.ts'
import { type Pool, withTransaction } from '../platform/postgres.ts'
import type { Decision, IssueRequest, Outcome } from './types.ts'

// Each value aliased to its field name (see OutcomeTable).
const OUTCOME_COLUMNS = `r.request_id AS "requestId", r.policy_id AS "policyId", r.user_id AS "userId",
  r.status, r.code, r.coupon_id AS "couponId", r.accepted_at AS "acceptedAt", r.settled_at AS "settledAt",
  r.published_at IS NOT NULL AS published`

/**
 * The whole v3 write of one policy's batch in one statement, run under the policy's row lock:
 * - `earlier`: outcomes already recorded for these requests (a replay) — they are kept as they are;
 * - `fresh`: the other requests, each once, in batch order;
 * - `issued`: coupons for fresh requests Redis decided ISSUED, in order, at most `$6` (what PostgreSQL's own
 *   count leaves), skipping users who hold one (the unique key backs this up: `ON CONFLICT DO NOTHING`);
 * - `counted`: the policy's issued count rises by the coupons inserted;
 * - `recorded`: one outcome per fresh request (ISSUED with its coupon, or FAILED with Redis's code, or, for a
 *   reservation PostgreSQL refused, ALREADY_ISSUED when the user holds a coupon and SOLD_OUT otherwise).
 * Returns the recorded outcome of every request of the batch, new and earlier.
 * The new outcomes come back without their instants (the caller has them: parsing thousands of timestamps
 * costs the consumer more than the statement). $1 policy id, $2 request ids, $3 user ids, $4 Redis
 * decisions, $5 accepted-at instants, $6 coupons left, $7 the settled-at instant.
 */
const SETTLE_BATCH = `
WITH input AS (
  SELECT * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::timestamptz[])
    WITH ORDINALITY AS i(request_id, user_id, decision, accepted_at, ord)
), earlier AS (
  SELECT * FROM coupon_requests WHERE request_id = ANY($2::uuid[])
), fresh AS (
  SELECT DISTINCT ON (i.request_id) i.* FROM input i
  WHERE NOT EXISTS (SELECT 1 FROM earlier e WHERE e.request_id = i.request_id)
  ORDER BY i.request_id, i.ord
), issued AS (
  INSERT INTO coupons (policy_id, user_id, request_id, strategy, issued_at)
  SELECT $1, f.user_id, f.request_id, 'v3', now() FROM fresh f
  -- A lateral probe per request on (policy_id, user_id), not an anti-join: the planner, misled by the
  -- estimate for a new policy, would scan all its coupons for every request.
  LEFT JOIN LATERAL (
    SELECT true AS holds FROM coupons x WHERE x.policy_id = $1 AND x.user_id = f.user_id LIMIT 1
  ) h ON true
  WHERE f.decision = 'ISSUED' AND h.holds IS NULL
  ORDER BY f.ord
  LIMIT $6
  ON CONFLICT DO NOTHING
  RETURNING id, request_id, user_id
), counted AS (
  UPDATE coupon_policies SET issued_quantity = issued_quantity + (SELECT count(*) FROM issued)
  WHERE id = $1 AND EXISTS (SELECT 1 FROM issued)
), recorded AS (
  INSERT INTO coupon_requests (request_id, policy_id, user_id, status, code, coupon_id, accepted_at, settled_at)
  SELECT f.request_id, $1, f.user_id,
         CASE WHEN c.id IS NULL THEN 'FAILED' ELSE 'ISSUED' END,
         CASE WHEN c.id IS NOT NULL THEN NULL
              WHEN f.decision <> 'ISSUED' THEN f.decision
              WHEN EXISTS (SELECT 1 FROM coupons x WHERE x.policy_id = $1 AND x.user_id = f.user_id)
                OR EXISTS (SELECT 1 FROM issued i WHERE i.user_id = f.user_id) THEN 'ALREADY_ISSUED'
              ELSE 'SOLD_OUT' END,
         c.id, f.accepted_at, $7
  FROM fresh f LEFT JOIN issued c ON c.request_id = f.request_id
  ORDER BY f.ord
  ON CONFLICT (request_id) DO NOTHING
  RETURNING *
)
SELECT r.request_id AS "requestId", r.policy_id AS "policyId", r.user_id AS "userId", r.status, r.code,
       r.coupon_id AS "couponId", NULL AS "acceptedAt", NULL AS "settledAt", false AS published
FROM recorded r
UNION ALL SELECT ${OUTCOME_COLUMNS} FROM earlier r`

/** What a v3 batch of one policy decided in PostgreSQL. */
export interface PersistResult {
  /** Outcomes written by this call, plus those written before but never published, in batch order. */
  readonly toPublish: Outcome[]
  /** Requests Redis reserved a coupon for that PostgreSQL did not issue (Redis must give them back). */
  readonly refused: Array<{ requestId: string; userId: string }>
}

/** SQL of v3 coupon requests: the batch write of coupons and outcomes, and the outcome lookups. */
export class CouponRequestRepository extends OutcomeTable<Outcome> {
  readonly #pool: Pool

  constructor(pool: Pool) {
    super(pool, {
      table: 'coupon_requests',
      selectByIds: `SELECT ${OUTCOME_COLUMNS} FROM coupon_requests r WHERE r.request_id = ANY($1::uuid[])`,
    })
    this.#pool = pool
  }

  /**
   * Writes the outcomes of a v3 batch of one policy in one transaction of three statements (lock, write,
   * commit besides BEGIN), idempotently: requests already settled keep their recorded outcome (a request
   * settled FAILED that Redis now reserved — replayed after its decision record was dropped, with stock
   * back meanwhile — keeps it, and its reservation is refused); coupons Redis reserved are inserted while
   * PostgreSQL's own count allows (the row lock serializes this with v1/v2), in request order.
   * Throws POLICY_NOT_FOUND.
   */
  persistBatch(
    policyId: string,
    requests: readonly IssueRequest[],
    decisions: readonly Decision[],
  ): Promise<PersistResult> {
    return withTransaction(this.#pool, async (client) => {
      const locked = await client.query<{ remaining: number }>(
        'SELECT total_quantity - issued_quantity AS remaining FROM coupon_policies WHERE id = $1 FOR UPDATE',
        [policyId],
      )
      const policy = locked.rows[0]
      if (!policy) throw new AppError('POLICY_NOT_FOUND')
      const settledAt = new Date()
      const accepted = new Map(requests.map((request) => [request.requestId, new Date(request.acceptedAt)]))
      const { rows } = await client.query<OutcomeRow<Outcome>>(SETTLE_BATCH, [
        policyId,
        requests.map((request) => request.requestId),
        requests.map((request) => request.userId),
        decisions,
        requests.map((request) => accepted.get(request.requestId)),
        Math.max(0, policy.remaining),
        settledAt,
      ])
      const recorded = this.recorded(
        rows.map((row) =>
          row.acceptedAt === null
            ? { ...row, acceptedAt: accepted.get(row.requestId) as Date, settledAt }
            : row,
        ),
      )
      const refused = new Map<string, string>()
      requests.forEach((request, index) => {
        if (decisions[index] === 'ISSUED' && recorded.get(request.requestId)?.outcome.status !== 'ISSUED') {
          refused.set(request.requestId, request.userId)
        }
      })
      return {
        toPublish: toPublish(requests, recorded),
        refused: [...refused].map(([requestId, userId]) => ({ requestId, userId })),
      }
    })
  }
}
