import { AppError } from '../errors.ts'
import { type Pool, withTransaction } from '../platform/postgres.ts'
import type { Page, PageRequest } from '../shared/paging.ts'
import type { Strategy } from '../shared/strategy.ts'
import { CouponRequestRepository } from './request-repository.ts'
import type { PolicySnapshot } from './stock.ts'
import type { Coupon, NewPolicy, PolicyWithCounts } from './types.ts'

interface PolicyRow {
  id: string
  title: string
  total_quantity: number
  issued_quantity: number
  start_time: Date
  end_time: Date
  discount_type: 'FIXED' | 'PERCENTAGE'
  discount_value: number
  created_at: Date
}

const POLICY_COLUMNS =
  'id, title, total_quantity, issued_quantity, start_time, end_time, discount_type, discount_value, created_at'

function toPolicy(row: PolicyRow): PolicyWithCounts {
  return {
    id: row.id,
    title: row.title,
    totalQuantity: row.total_quantity,
    issuedQuantity: row.issued_quantity,
    remainingQuantity: row.total_quantity - row.issued_quantity,
    startTime: row.start_time,
    endTime: row.end_time,
    discountType: row.discount_type,
    discountValue: row.discount_value,
    createdAt: row.created_at,
  }
}

interface CouponRow {
  id: string
  policy_id: string
  user_id: string
  request_id: string
  strategy: Strategy
  issued_at: Date
}

function toCoupon(row: CouponRow): Coupon {
  return {
    id: row.id,
    policyId: row.policy_id,
    userId: row.user_id,
    requestId: row.request_id,
    strategy: row.strategy,
    issuedAt: row.issued_at,
  }
}

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
    const { rows } = await this.#pool.query<PolicyRow>(
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
    return toPolicy(rows[0] as PolicyRow)
  }

  async findPolicy(id: string): Promise<PolicyWithCounts | undefined> {
    const { rows } = await this.#pool.query<PolicyRow>(
      `SELECT ${POLICY_COLUMNS} FROM coupon_policies WHERE id = $1`,
      [id],
    )
    return rows[0] ? toPolicy(rows[0]) : undefined
  }

  /** A page of the policies, newest first, and how many there are. */
  async listPolicies({ limit, offset }: PageRequest): Promise<Page<PolicyWithCounts>> {
    const [{ rows }, count] = await Promise.all([
      this.#pool.query<PolicyRow>(
        `SELECT ${POLICY_COLUMNS} FROM coupon_policies ORDER BY id DESC LIMIT $1 OFFSET $2`,
        [limit, offset],
      ),
      this.#pool.query<{ n: number }>('SELECT count(*)::int AS n FROM coupon_policies'),
    ])
    return { items: rows.map(toPolicy), total: count.rows[0]?.n ?? 0 }
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
    const policy = await this.#pool.query<{ total_quantity: number; end_time: Date }>(
      'SELECT total_quantity, end_time FROM coupon_policies WHERE id = $1',
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
      const { rows } = await client.query<PolicyRow>(
        `SELECT ${POLICY_COLUMNS} FROM coupon_policies WHERE id = $1 FOR UPDATE`,
        [input.policyId],
      )
      const policy = rows[0]
      if (!policy) throw new AppError('POLICY_NOT_FOUND')
      if (input.checkWindow && (input.now < policy.start_time || input.now >= policy.end_time)) {
        throw new AppError('NOT_IN_PERIOD')
      }
      const existing = await client.query('SELECT 1 FROM coupons WHERE policy_id = $1 AND user_id = $2', [
        input.policyId,
        input.userId,
      ])
      if (existing.rowCount) throw new AppError('ALREADY_ISSUED')
      if (policy.issued_quantity >= policy.total_quantity) throw new AppError('SOLD_OUT')
      const inserted = await client.query<CouponRow>(
        `INSERT INTO coupons (policy_id, user_id, request_id, strategy) VALUES ($1, $2, $3, $4)
         RETURNING id, policy_id, user_id, request_id, strategy, issued_at`,
        [input.policyId, input.userId, input.requestId, input.strategy],
      )
      await client.query('UPDATE coupon_policies SET issued_quantity = issued_quantity + 1 WHERE id = $1', [
        input.policyId,
      ])
      return toCoupon(inserted.rows[0] as CouponRow)
    })
  }

  /** A page of the user's coupons, newest first, and how many the user has. */
  async couponsOfUser(
    userId: string,
    { limit, offset }: PageRequest,
  ): Promise<Page<Coupon & { policyTitle: string }>> {
    const [{ rows }, count] = await Promise.all([
      this.#pool.query<CouponRow & { title: string }>(
        `SELECT c.id, c.policy_id, c.user_id, c.request_id, c.strategy, c.issued_at, p.title
         FROM coupons c JOIN coupon_policies p ON p.id = c.policy_id
         WHERE c.user_id = $1 ORDER BY c.id DESC LIMIT $2 OFFSET $3`,
        [userId, limit, offset],
      ),
      this.#pool.query<{ n: number }>('SELECT count(*)::int AS n FROM coupons WHERE user_id = $1', [userId]),
    ])
    return {
      items: rows.map((row) => ({ ...toCoupon(row), policyTitle: row.title })),
      total: count.rows[0]?.n ?? 0,
    }
  }
}
