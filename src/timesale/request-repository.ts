import { AppError } from '../errors.ts'
import { type Pool, type PoolClient, withTransaction } from '../platform/postgres.ts'
import type { Decision, FailureCode, OrderRequest, Outcome } from './types.ts'

interface OutcomeRow {
  request_id: string
  time_sale_id: string
  user_id: string
  quantity: number
  ticket: string
  queue_position: string
  status: 'COMPLETED' | 'FAILED'
  code: FailureCode | null
  order_id: string | null
  total_price: number | null
  accepted_at: Date
  settled_at: Date
  published_at: Date | null
}

function toOutcome(row: OutcomeRow): Outcome & { published: boolean } {
  return {
    requestId: row.request_id,
    timeSaleId: row.time_sale_id,
    userId: row.user_id,
    quantity: row.quantity,
    ticket: Number(row.ticket),
    queuePosition: Number(row.queue_position),
    status: row.status,
    code: row.code,
    orderId: row.order_id,
    totalPrice: row.total_price,
    acceptedAt: row.accepted_at,
    settledAt: row.settled_at,
    published: row.published_at !== null,
  }
}

/** What a v3 batch of one sale decided in PostgreSQL. */
export interface PersistResult {
  /** Outcomes written by this call, plus those written before but never published. */
  readonly toPublish: Outcome[]
  /** Requests Redis reserved units for that PostgreSQL did not order (Redis must give them back). */
  readonly refused: string[]
  /** The sale's settled watermark after this batch. */
  readonly watermark: number
}

interface SaleLock {
  total_quantity: number
  sold_quantity: number
  max_per_user: number | null
  settled_requests: string
}

/** SQL of v3 requests: the batch write of orders and outcomes, and the outcome lookups. */
export class RequestRepository {
  readonly #pool: Pool

  constructor(pool: Pool) {
    this.#pool = pool
  }

  /**
   * Writes the outcomes of a v3 batch of one sale in one transaction, idempotently: requests already
   * settled keep their recorded outcome; orders Redis reserved are inserted in queue order while the
   * sale's own count and each user's limit allow; every new outcome is recorded in `timesale_requests`
   * and counted in the settled watermark. Orders and outcomes commit together or not at all.
   */
  persistBatch(
    saleId: string,
    requests: readonly OrderRequest[],
    decisions: readonly Decision[],
  ): Promise<PersistResult> {
    return withTransaction(this.#pool, async (client) => {
      const locked = await client.query<SaleLock>(
        `SELECT total_quantity, sold_quantity, max_per_user, settled_requests FROM time_sales
         WHERE id = $1 FOR UPDATE`,
        [saleId],
      )
      const sale = locked.rows[0]
      if (!sale) throw new AppError('TIMESALE_NOT_FOUND')

      const settled = await this.#outcomes(
        client,
        requests.map((request) => request.requestId),
      )
      const fresh = new Map<string, { request: OrderRequest; decision: Decision }>()
      requests.forEach((request, index) => {
        if (!settled.has(request.requestId) && !fresh.has(request.requestId)) {
          fresh.set(request.requestId, { request, decision: decisions[index] as Decision })
        }
      })
      const candidates = [...fresh.values()].filter((e) => e.decision === 'COMPLETED').map((e) => e.request)
      const { accepted, refused } = await this.#admit(client, saleId, sale, candidates)
      const orders = await this.#insertOrders(client, saleId, accepted)

      const watermark = Number(sale.settled_requests) + fresh.size
      if (fresh.size > 0) {
        await client.query(
          `UPDATE time_sales SET sold_quantity = sold_quantity + $2, settled_requests = $3 WHERE id = $1`,
          [saleId, accepted.reduce((units, request) => units + request.quantity, 0), watermark],
        )
      }

      const settledAt = new Date()
      const outcomes: Outcome[] = [...fresh.values()].map(({ request, decision }) => {
        const order = orders.get(request.requestId)
        const code: FailureCode | null = order
          ? null
          : decision === 'COMPLETED'
            ? (refused.get(request.requestId) ?? 'SOLD_OUT')
            : decision
        return {
          ...request,
          status: order ? 'COMPLETED' : 'FAILED',
          code,
          orderId: order?.id ?? null,
          totalPrice: order?.totalPrice ?? null,
          acceptedAt: new Date(request.acceptedAt),
          settledAt,
        }
      })
      if (outcomes.length > 0) await this.#insertOutcomes(client, outcomes)

      // Redis holds units for every request it decided COMPLETED; those without an order give them back,
      // including requests settled FAILED earlier that a replay found stock for.
      const reservedWithoutOrder = new Set<string>(refused.keys())
      requests.forEach((request, index) => {
        const earlier = settled.get(request.requestId)
        if (decisions[index] === 'COMPLETED' && earlier && earlier.status !== 'COMPLETED') {
          reservedWithoutOrder.add(request.requestId)
        }
      })
      const unpublished = [...settled.values()].filter((outcome) => !outcome.published)
      return {
        toPublish: [...unpublished.map(({ published: _, ...outcome }) => outcome), ...outcomes],
        refused: [...reservedWithoutOrder],
        watermark,
      }
    })
  }

  /**
   * Decides which reserved requests PostgreSQL orders, in queue order. Deciding in JavaScript is safe
   * here only because the sale's row lock is held: no other writer can change the sale's count or a
   * user's orders of this sale until the transaction ends, and the CHECK on `sold_quantity` backs it up.
   */
  async #admit(client: PoolClient, saleId: string, sale: SaleLock, candidates: readonly OrderRequest[]) {
    const accepted: OrderRequest[] = []
    const refused = new Map<string, FailureCode>()
    if (candidates.length === 0) return { accepted, refused }
    const units = new Map<string, number>()
    if (sale.max_per_user !== null) {
      const { rows } = await client.query<{ user_id: string; units: number }>(
        `SELECT user_id, sum(quantity)::int AS units FROM timesale_orders
         WHERE time_sale_id = $1 AND user_id = ANY($2::text[]) GROUP BY user_id`,
        [saleId, [...new Set(candidates.map((c) => c.userId))]],
      )
      for (const row of rows) units.set(row.user_id, row.units)
    }
    let remaining = sale.total_quantity - sale.sold_quantity
    for (const request of candidates) {
      const mine = units.get(request.userId) ?? 0
      if (sale.max_per_user !== null && mine + request.quantity > sale.max_per_user) {
        refused.set(request.requestId, 'LIMIT_EXCEEDED')
      } else if (request.quantity > remaining) {
        refused.set(request.requestId, 'SOLD_OUT')
      } else {
        accepted.push(request)
        remaining -= request.quantity
        units.set(request.userId, mine + request.quantity)
      }
    }
    return { accepted, refused }
  }

  /** Inserts the orders in queue order (ids ascend with it); returns requestId → order. */
  async #insertOrders(client: PoolClient, saleId: string, accepted: readonly OrderRequest[]) {
    if (accepted.length === 0) return new Map<string, { id: string; totalPrice: number }>()
    const { rows } = await client.query<{ id: string; request_id: string; total_price: number }>(
      `INSERT INTO timesale_orders (time_sale_id, user_id, quantity, unit_price, total_price, request_id, strategy)
       SELECT s.id, o.user_id, o.quantity, s.sale_price, s.sale_price * o.quantity, o.request_id, 'v3'
       FROM unnest($2::uuid[], $3::text[], $4::int[]) WITH ORDINALITY AS o(request_id, user_id, quantity, ord)
       CROSS JOIN time_sales s WHERE s.id = $1
       ORDER BY o.ord
       RETURNING id, request_id, total_price`,
      [
        saleId,
        accepted.map((request) => request.requestId),
        accepted.map((request) => request.userId),
        accepted.map((request) => request.quantity),
      ],
    )
    return new Map(rows.map((row) => [row.request_id, { id: row.id, totalPrice: row.total_price }]))
  }

  async #insertOutcomes(client: PoolClient, outcomes: readonly Outcome[]) {
    await client.query(
      `INSERT INTO timesale_requests (request_id, time_sale_id, user_id, quantity, ticket, queue_position,
                                      status, code, order_id, accepted_at, settled_at)
       SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::int[], $5::bigint[], $6::bigint[],
                            $7::text[], $8::text[], $9::bigint[], $10::timestamptz[], $11::timestamptz[])`,
      [
        outcomes.map((o) => o.requestId),
        outcomes.map((o) => o.timeSaleId),
        outcomes.map((o) => o.userId),
        outcomes.map((o) => o.quantity),
        outcomes.map((o) => o.ticket),
        outcomes.map((o) => o.queuePosition),
        outcomes.map((o) => o.status),
        outcomes.map((o) => o.code),
        outcomes.map((o) => o.orderId),
        outcomes.map((o) => o.acceptedAt),
        outcomes.map((o) => o.settledAt),
      ],
    )
  }

  async #outcomes(client: Pool | PoolClient, requestIds: readonly string[]) {
    const { rows } = await client.query<OutcomeRow>(
      `SELECT r.*, o.total_price FROM timesale_requests r LEFT JOIN timesale_orders o ON o.id = r.order_id
       WHERE r.request_id = ANY($1::uuid[])`,
      [requestIds],
    )
    return new Map(rows.map((row) => [row.request_id, toOutcome(row)]))
  }

  async markPublished(requestIds: readonly string[]): Promise<void> {
    if (requestIds.length === 0) return
    await this.#pool.query(
      `UPDATE timesale_requests SET published_at = now()
       WHERE request_id = ANY($1::uuid[]) AND published_at IS NULL`,
      [requestIds],
    )
  }

  async findOutcome(requestId: string): Promise<Outcome | undefined> {
    const outcome = (await this.#outcomes(this.#pool, [requestId])).get(requestId)
    if (!outcome) return undefined
    const { published: _, ...rest } = outcome
    return rest
  }
}
