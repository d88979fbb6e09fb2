/**
 * The coupon service under test (SPEC §2): policies, `POST /api/coupons/issue?strategy=`, and its data in
 * PostgreSQL (`coupon_policies`, `coupons`, `coupon_requests`) and Redis (`{c:<id>}:*`).
 */
import type { Pool } from '../../src/platform/postgres.ts'
import type { Redis } from '../../src/platform/redis.ts'
import { RequestIndex } from '../../src/shared/request-index.ts'
import { postJson, promotionWindow, routeExists, settleQueries, unlinkAll } from './admin.ts'
import {
  agreementCheck,
  asyncLostCheck,
  fifoCheck,
  type OutcomeRow,
  oversellCheck,
  perUserCheck,
  syncLostCheck,
  undersellCheck,
  winners,
} from './checks.ts'
import type { Check, RunFacts, ServiceTarget, Strategy } from './types.ts'

export interface TargetDeps {
  readonly origin: string
  readonly adminToken: string
  readonly pool: Pool
  readonly redis: Redis
}

export function couponTarget({ origin, adminToken, pool, redis }: TargetDeps): ServiceTarget {
  const keys = (id: string) => ({
    holders: `{c:${id}}:holders`,
    pending: `{c:${id}}:pending`,
    outcomes: `{c:${id}}:outcomes`,
  })

  async function outcomeRows(id: string): Promise<Map<string, OutcomeRow>> {
    const { rows } = await pool.query<{
      request_id: string
      status: string
      code: string | null
      p: boolean
    }>(
      'SELECT request_id, status, code, published_at IS NOT NULL AS p FROM coupon_requests WHERE policy_id = $1',
      [id],
    )
    return new Map(
      rows.map((r) => [
        r.request_id,
        { won: r.status === 'ISSUED', soldOut: r.code === 'SOLD_OUT', published: r.p },
      ]),
    )
  }

  return {
    service: 'coupon',
    origin,
    availability: () => routeExists(`${origin}/api/coupons/policies`),

    async createPromotion(stock, label, openForMs) {
      const { start, end } = promotionWindow(openForMs)
      const policy = await postJson<{ id: string }>(
        `${origin}/api/coupons/policies`,
        {
          title: `bench ${label}`.slice(0, 200),
          totalQuantity: stock,
          startTime: start,
          endTime: end,
          discountType: 'FIXED',
          discountValue: 1000,
        },
        adminToken,
      )
      return String(policy.id)
    },

    template(strategy: Strategy, id: string) {
      return {
        origin,
        path: `/api/coupons/issue?strategy=${strategy}`,
        bodyPrefix: `{"policyId":"${id}","userId":"`,
        bodySuffix: '"}',
        successStatus: strategy === 'v3' ? 202 : 201,
      }
    },

    async backlog(id) {
      const k = keys(id)
      const [pending, outcomes] = await Promise.all([redis.hlen(k.pending), redis.hlen(k.outcomes)])
      return pending + outcomes
    },

    ...settleQueries(pool, 'coupon_requests', 'policy_id'),

    async check(id, facts: RunFacts): Promise<Check[]> {
      const { rows } = await pool.query<{ total: number; counter: number; taken: number; dup: number }>(
        `SELECT p.total_quantity AS total, p.issued_quantity AS counter,
                (SELECT count(*)::int FROM coupons WHERE policy_id = p.id) AS taken,
                (SELECT (count(*) - count(DISTINCT user_id))::int FROM coupons WHERE policy_id = p.id) AS dup
         FROM coupon_policies p WHERE p.id = $1`,
        [id],
      )
      const db = rows[0]
      if (!db) throw new Error(`coupon policy ${id} not found`)
      const k = keys(id)
      const [redisTaken, pending, outcomes] = await Promise.all([
        redis.hlen(k.holders),
        redis.hlen(k.pending),
        redis.hlen(k.outcomes),
      ])
      const rowsById = facts.strategy === 'v3' ? await outcomeRows(id) : new Map<string, OutcomeRow>()
      const checks: Check[] = [
        oversellCheck(db.taken, db.total, db.counter),
        perUserCheck(db.dup, winners(facts.strategy, facts.successes, rowsById)),
        undersellCheck(db.taken, db.total, facts.distinctUsers),
      ]
      if (facts.strategy === 'v3') {
        checks.push(asyncLostCheck(facts.successes.ids, rowsById))
        checks.push(
          fifoCheck(facts.successes.ids, facts.successes.sentAt, facts.successes.answeredAt, rowsById),
        )
      } else {
        const users = await pool.query<{ user_id: string }>(
          'SELECT user_id FROM coupons WHERE policy_id = $1',
          [id],
        )
        checks.push(
          syncLostCheck(
            Array.from(facts.successes.userIds, String),
            new Set(users.rows.map((r) => r.user_id)),
            facts.failures,
          ),
        )
      }
      checks.push(agreementCheck(redisTaken, db.taken, { pending, reservations: outcomes }))
      return checks
    },

    async dropRequestIndex(requestIds) {
      const index = new RequestIndex(redis, 'c')
      await unlinkAll(
        redis,
        requestIds.map((r) => index.keyOf(r)),
      )
    },

    async dropPromotionState(id) {
      const k = keys(id)
      await unlinkAll(redis, [`{c:${id}}:meta`, k.holders, k.pending, k.outcomes])
    },

    async close() {},
  }
}
