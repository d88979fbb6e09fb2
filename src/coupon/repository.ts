import { AppError } from '../errors.ts'
import { type Pool, withTransaction } from '../platform/postgres.ts'
import { queryPage } from '../shared/page-query.ts'
import type { Page, PageRequest } from '../shared/paging.ts'
import type { Strategy } from '../shared/strategy.ts'
import { CouponRequestRepository } from './request-repository.ts'
import type { PolicySnapshot } from './stock.ts'
import type { Coupon, NewPolicy, PolicyWithCounts } from './types.ts'

// Each value aliased to its field name: a row is the domain object as it is.
const POLICY_COLUMNS = `id, title, total_quantity AS "totalQuantity", issued_quantity AS "issuedQuantity",
  total_quantity - issued_quantity AS "remainingQuantity", start_time AS "startTime", end_time AS "endTime",
  discount_type AS "discountType", discount_value AS "discountValue", created_at AS "createdAt"`

const COUPON_COLUMNS = `c.id, c.policy_id AS "policyId", c.user_id AS "userId", c.request_id AS "requestId",
  c.strategy, c.issued_at AS "issuedAt"`

/** SQL of the coupon domain. Every write that changes stock runs under the policy row lock. */
export class CouponRepository {
  readonly #pool: Pool
  /** The v3 requests' side: the consumer's batch write and the outcome lookups. */
  readonly requests: CouponRequestRepository

  constructor(pool: Pool) {
    this.#pool = pool
    this.requests = new CouponRequestRepository(pool)
  }

  async insertPolicy(policy: NewPolicy): Promise<PolicyWithCounts> {
    const { rows } = await this.#pool.query<PolicyWithCounts>(
      `INSERT INTO coupon_policies (title, total_quantity, start_time, end_time, discount_type, discount_value)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${POLICY_COLUMNS}`,
      [
        policy.title,
        policy.totalQuantity,
        policy.startTime,
        policy.endTime,
        policy.discountType,
        policy.discountValue,
      ],
    )
    return rows[0] as PolicyWithCounts
  }

  async findPolicy(id: string): Promise<PolicyWithCounts | undefined> {
    const { rows } = await this.#pool.query<PolicyWithCounts>(
      `SELECT ${POLICY_COLUMNS} FROM coupon_policies WHERE id = $1`,
      [id],
    )
    return rows[0]
  }

  /** A page of the policies, newest first, and how many there are. */
  listPolicies(page: PageRequest): Promise<Page<PolicyWithCounts>> {
    return queryPage(
      this.#pool,
      { columns: POLICY_COLUMNS, from: 'FROM coupon_policies', orderBy: 'id DESC' },
      [],
      page,
    )
  }

  /** Ids of policies whose window has not ended (their Redis state is warmed at start). */
  async activePolicyIds(now: Date): Promise<string[]> {
    const { rows } = await this.#pool.query<{ id: string }>(
      'SELECT id FROM coupon_policies WHERE end_time > $1',
      [now],
    )
    return rows.map((row) => row.id)
  }

  /** Total and issued count of a policy, for a cheap comparison with Redis. */
  async counts(policyId: string): Promise<{ total: number; issued: number } | undefined> {
    const { rows } = await this.#pool.query<{ total_quantity: number; issued_quantity: number }>(
      'SELECT total_quantity, issued_quantity FROM coupon_policies WHERE id = $1',
      [policyId],
    )
    const row = rows[0]
    return row ? { total: row.total_quantity, issued: row.issued_quantity } : undefined
  }

  async snapshot(policyId: string): Promise<PolicySnapshot | undefined> {
    const policy = await this.#pool.query<{ total_quantity: number; end_time: Date; created_at: Date }>(
      'SELECT total_quantity, end_time, created_at FROM coupon_policies WHERE id = $1',
      [policyId],
    )
    const row = policy.rows[0]
    if (!row) return undefined
    const { rows } = await this.#pool.query<{ user_id: string; request_id: string }>(
      'SELECT user_id, request_id FROM coupons WHERE policy_id = $1',
      [policyId],
    )
    return {
      totalQuantity: row.total_quantity,
      endTime: row.end_time,
      holders: rows.map((r) => [r.user_id, r.request_id] as const),
      createdAt: row.created_at,
    }
  }

  /**
   * Issues one coupon in one transaction (v1 and the database step of v2): locks the policy row, checks
   * the window (when `checkWindow`), the stock and the user, inserts the coupon and counts it.
   * Throws POLICY_NOT_FOUND, NOT_IN_PERIOD, SOLD_OUT or ALREADY_ISSUED.
   */
  issueOne(input: {
    policyId: string
    userId: string
    requestId: string
    strategy: Strategy
    now: Date
    checkWindow: boolean
  }): Promise<Coupon> {
    return withTransaction(this.#pool, async (client) => {
      const { rows } = await client.query<PolicyWithCounts>(
        `SELECT ${POLICY_COLUMNS} FROM coupon_policies WHERE id = $1 FOR UPDATE`,
        [input.policyId],
      )
      const policy = rows[0]
      if (!policy) throw new AppError('POLICY_NOT_FOUND')
      if (input.checkWindow && (input.now < policy.startTime || input.now >= policy.endTime)) {
        throw new AppError('NOT_IN_PERIOD')
      }
      const existing = await client.query('SELECT 1 FROM coupons WHERE policy_id = $1 AND user_id = $2', [
        input.policyId,
        input.userId,
      ])
      if (existing.rowCount) throw new AppError('ALREADY_ISSUED')
      if (policy.remainingQuantity <= 0) throw new AppError('SOLD_OUT')
      const inserted = await client.query<Coupon>(
        `INSERT INTO coupons AS c (policy_id, user_id, request_id, strategy) VALUES ($1, $2, $3, $4)
         RETURNING ${COUPON_COLUMNS}`,
        [input.policyId, input.userId, input.requestId, input.strategy],
      )
      await client.query('UPDATE coupon_policies SET issued_quantity = issued_quantity + 1 WHERE id = $1', [
        input.policyId,
      ])
      return inserted.rows[0] as Coupon
    })
  }

  /** A page of the user's coupons, newest first, and how many the user has. */
  couponsOfUser(userId: string, page: PageRequest): Promise<Page<Coupon & { policyTitle: string }>> {
    return queryPage(
      this.#pool,
      {
        columns: `${COUPON_COLUMNS}, p.title AS "policyTitle"`,
        from: 'FROM coupons c JOIN coupon_policies p ON p.id = c.policy_id WHERE c.user_id = $1',
        orderBy: 'c.id DESC',
      },
      [userId],
      page,
    )
  }
}
