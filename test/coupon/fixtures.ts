import assert from 'node:assert/strict'
import type { Runtime } from '../../src/runtime.ts'
import { post } from '../helpers/http.ts'
import { eventually } from '../helpers/stack.ts'

export interface PolicyOptions {
  readonly total: number
  /** Window start relative to now, in ms (negative = already open). */
  readonly startsInMs?: number
  readonly endsInMs?: number
}

export async function createPolicy(
  url: string,
  { total, startsInMs = -60_000, endsInMs = 600_000 }: PolicyOptions,
) {
  const response = await post<{ id: string }>(`${url}/api/coupons/policies`, {
    title: `test policy ${total}`,
    totalQuantity: total,
    startTime: new Date(Date.now() + startsInMs).toISOString(),
    endTime: new Date(Date.now() + endsInMs).toISOString(),
    discountType: 'FIXED',
    discountValue: 1000,
  })
  assert.equal(response.status, 201, JSON.stringify(response.body))
  return response.body.id
}

/** Distinct user ids unique to one test run. */
export function userIds(count: number, base = Math.floor(Math.random() * 1e9) * 1000): string[] {
  return Array.from({ length: count }, (_, index) => String(base + index + 1))
}

export interface PolicyState {
  readonly total: number
  readonly issuedColumn: number
  readonly coupons: number
  readonly distinctUsers: number
  readonly redisHolders: number
  readonly redisPending: number
  readonly redisOutcomes: number
}

export async function policyState(runtime: Runtime, policyId: string): Promise<PolicyState> {
  const { rows } = await runtime.pool.query<{
    total: number
    issued: number
    coupons: string
    users: string
  }>(
    `SELECT p.total_quantity AS total, p.issued_quantity AS issued,
            (SELECT count(*) FROM coupons c WHERE c.policy_id = p.id) AS coupons,
            (SELECT count(DISTINCT user_id) FROM coupons c WHERE c.policy_id = p.id) AS users
     FROM coupon_policies p WHERE p.id = $1`,
    [policyId],
  )
  const row = rows[0]
  assert.ok(row, `policy ${policyId} exists`)
  const tag = `{c:${policyId}}`
  const [holders, pending, outcomes] = await Promise.all([
    runtime.redis.hlen(`${tag}:holders`),
    runtime.redis.hlen(`${tag}:pending`),
    runtime.redis.hlen(`${tag}:outcomes`),
  ])
  return {
    total: row.total,
    issuedColumn: row.issued,
    coupons: Number(row.coupons),
    distinctUsers: Number(row.users),
    redisHolders: holders,
    redisPending: pending,
    redisOutcomes: outcomes,
  }
}

/** SPEC §4 for one policy once processing settled: no oversell, one per user, Redis = PostgreSQL. */
export function assertConsistent(state: PolicyState): void {
  assert.ok(state.coupons <= state.total, `oversell: ${state.coupons} > ${state.total}`)
  assert.equal(state.issuedColumn, state.coupons, 'issued_quantity matches the coupon rows')
  assert.equal(state.distinctUsers, state.coupons, 'one coupon per user')
  assert.equal(state.redisHolders, state.coupons, 'Redis holders match PostgreSQL')
  assert.equal(state.redisPending, 0, 'no request left pending')
  assert.equal(state.redisOutcomes, 0, 'no reservation left unsettled')
}

/** Waits until PostgreSQL has a terminal outcome for `count` v3 requests of the policy. */
export async function waitSettled(runtime: Runtime, policyId: string, count: number, timeoutMs = 60_000) {
  return eventually(
    async () => {
      const { rows } = await runtime.pool.query<{ n: string }>(
        'SELECT count(*) AS n FROM coupon_requests WHERE policy_id = $1 AND published_at IS NOT NULL',
        [policyId],
      )
      return Number(rows[0]?.n) >= count ? true : undefined
    },
    timeoutMs,
    `${count} settled requests of policy ${policyId}`,
  )
}
