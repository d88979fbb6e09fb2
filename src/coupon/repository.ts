import { AppError } from '../errors.ts'
import { type Pool, type PoolClient, withTransaction } from '../platform/postgres.ts'
import type { Page, PageRequest } from '../shared/paging.ts'
import type { Strategy } from '../shared/strategy.ts'
import type { PolicySnapshot } from './stock.ts'
import type { Coupon, Decision, IssueRequest, NewPolicy, Outcome, PolicyWithCounts } from './types.ts'

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

interface OutcomeRow {
  request_id: string
  policy_id: string
  user_id: string
  status: 'ISSUED' | 'FAILED'
  code: 'ALREADY_ISSUED' | 'SOLD_OUT' | null
  coupon_id: string | null
  accepted_at: Date
  settled_at: Date
  published_at: Date | null
}

function toOutcome(row: OutcomeRow): Outcome & { published: boolean } {
  return {
    requestId: row.request_id,
    policyId: row.policy_id,
    userId: row.user_id,
    status: row.status,
    code: row.code,
    couponId: row.coupon_id,
    acceptedAt: row.accepted_at,
    settledAt: row.settled_at,
    published: row.published_at !== null,
  }
}

/** What a v3 batch of one policy decided in PostgreSQL. */
export interface PersistResult {
  /** Outcomes written by this call, plus those written before but never published. */
  readonly toPublish: Array<Outcome>
  /** Requests Redis reserved a coupon for that PostgreSQL refused (Redis must give them back). */
  readonly refused: Array<{ requestId: string; userId: string }>
}

/** SQL of the coupon domain. Every write that changes stock runs under the policy row lock. */
export class CouponRepository {
  readonly #pool: Pool

  constructor(pool: Pool) {
    this.#pool = pool
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

  /**
   * Writes the outcomes of a v3 batch of one policy in one transaction, idempotently: requests already
   * settled keep their recorded outcome; coupons Redis reserved are inserted while PostgreSQL's own
   * count allows (the row lock serializes this with v1/v2), in request order; every new outcome is
   * recorded in `coupon_requests`.
   */
  persistBatch(
    policyId: string,
    requests: readonly IssueRequest[],
    decisions: readonly Decision[],
  ): Promise<PersistResult> {
    return withTransaction(this.#pool, async (client) => {
      const policy = await client.query<{ total_quantity: number; issued_quantity: number }>(
        'SELECT total_quantity, issued_quantity FROM coupon_policies WHERE id = $1 FOR UPDATE',
        [policyId],
      )
      const row = policy.rows[0]
      if (!row) throw new AppError('POLICY_NOT_FOUND')

      const ids = requests.map((request) => request.requestId)
      const settled = await this.#outcomes(client, ids)
      const fresh = new Map<string, { request: IssueRequest; decision: Decision }>()
      // A request settled as FAILED that Redis now reserved (it was replayed after its decision record was
      // dropped, and stock had come back meanwhile) keeps its recorded outcome; its reservation is refused.
      const replayedFailures: IssueRequest[] = []
      requests.forEach((request, index) => {
        const decision = decisions[index] as Decision
        const outcome = settled.get(request.requestId)
        if (outcome) {
          if (decision === 'ISSUED' && outcome.status !== 'ISSUED') replayedFailures.push(request)
        } else if (!fresh.has(request.requestId)) {
          fresh.set(request.requestId, { request, decision })
        }
      })
      const candidates = [...fresh.values()]
        .filter((entry) => entry.decision === 'ISSUED')
        .map((entry) => entry.request)
      const issued = await this.#insertCoupons(
        client,
        policyId,
        candidates,
        row.total_quantity - row.issued_quantity,
      )
      if (issued.size > 0) {
        await client.query(
          'UPDATE coupon_policies SET issued_quantity = issued_quantity + $2 WHERE id = $1',
          [policyId, issued.size],
        )
      }
      const refused = candidates.filter((request) => !issued.has(request.requestId))
      const holders = refused.length > 0 ? await this.#holders(client, policyId, refused) : new Set<string>()

      const settledAt = new Date()
      const outcomes: Outcome[] = [...fresh.values()].map(({ request, decision }) => {
        const couponId = issued.get(request.requestId)
        const code: Outcome['code'] = couponId
          ? null
          : decision === 'ISSUED'
            ? holders.has(request.userId)
              ? 'ALREADY_ISSUED'
              : 'SOLD_OUT'
            : decision
        return {
          requestId: request.requestId,
          policyId,
          userId: request.userId,
          status: couponId ? 'ISSUED' : 'FAILED',
          code,
          couponId: couponId ?? null,
          acceptedAt: new Date(request.acceptedAt),
          settledAt,
        }
      })
      if (outcomes.length > 0) await this.#insertOutcomes(client, outcomes)
      const unpublished = [...settled.values()].filter((outcome) => !outcome.published)
      return {
        toPublish: [...unpublished.map(({ published: _, ...outcome }) => outcome), ...outcomes],
        refused: [...refused, ...replayedFailures].map((request) => ({
          requestId: request.requestId,
          userId: request.userId,
        })),
      }
    })
  }

  async #outcomes(client: Pool | PoolClient, requestIds: readonly string[]) {
    const { rows } = await client.query<OutcomeRow>(
      'SELECT * FROM coupon_requests WHERE request_id = ANY($1::uuid[])',
      [requestIds],
    )
    return new Map(rows.map((r) => [r.request_id, toOutcome(r)]))
  }

  /** Inserts coupons for `candidates` in order, at most `remaining`; returns requestId → couponId. */
  async #insertCoupons(
    client: PoolClient,
    policyId: string,
    candidates: readonly IssueRequest[],
    remaining: number,
  ) {
    if (candidates.length === 0 || remaining <= 0) return new Map<string, string>()
    const { rows } = await client.query<{ id: string; request_id: string }>(
      `INSERT INTO coupons (policy_id, user_id, request_id, strategy, issued_at)
       SELECT $1, c.user_id, c.request_id, 'v3', now()
       FROM unnest($2::uuid[], $3::text[]) WITH ORDINALITY AS c(request_id, user_id, ord)
       WHERE NOT EXISTS (SELECT 1 FROM coupons x WHERE x.policy_id = $1 AND x.user_id = c.user_id)
       ORDER BY c.ord
       LIMIT $4
       ON CONFLICT DO NOTHING
       RETURNING id, request_id`,
      [policyId, candidates.map((c) => c.requestId), candidates.map((c) => c.userId), remaining],
    )
    return new Map(rows.map((r) => [r.request_id, r.id]))
  }

  async #holders(client: PoolClient, policyId: string, requests: readonly IssueRequest[]) {
    const { rows } = await client.query<{ user_id: string }>(
      'SELECT user_id FROM coupons WHERE policy_id = $1 AND user_id = ANY($2::text[])',
      [policyId, requests.map((r) => r.userId)],
    )
    return new Set(rows.map((r) => r.user_id))
  }

  async #insertOutcomes(client: PoolClient, outcomes: readonly Outcome[]) {
    await client.query(
      `INSERT INTO coupon_requests (request_id, policy_id, user_id, status, code, coupon_id, accepted_at, settled_at)
       SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[],
                            $7::timestamptz[], $8::timestamptz[])
       ON CONFLICT (request_id) DO NOTHING`,
      [
        outcomes.map((o) => o.requestId),
        outcomes.map((o) => o.policyId),
        outcomes.map((o) => o.userId),
        outcomes.map((o) => o.status),
        outcomes.map((o) => o.code),
        outcomes.map((o) => o.couponId),
        outcomes.map((o) => o.acceptedAt),
        outcomes.map((o) => o.settledAt),
      ],
    )
  }

  async markPublished(requestIds: readonly string[]): Promise<void> {
    if (requestIds.length === 0) return
    await this.#pool.query(
      'UPDATE coupon_requests SET published_at = now() WHERE request_id = ANY($1::uuid[]) AND published_at IS NULL',
      [requestIds],
    )
  }

  async findOutcome(requestId: string): Promise<Outcome | undefined> {
    const outcomes = await this.#outcomes(this.#pool, [requestId])
    const outcome = outcomes.get(requestId)
    if (!outcome) return undefined
    const { published: _, ...rest } = outcome
    return rest
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
