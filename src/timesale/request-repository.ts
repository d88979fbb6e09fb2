import { AppError } from '../errors.ts'
import { type OutcomeRow, OutcomeTable, type Recorded, toPublish } from '../pipeline/outcome-table.ts'
import { type Pool, type PoolClient, withTransaction } from '../platform/postgres.ts'
import type { Decision, FailureCode, OrderRequest, Outcome } from './types.ts'

// Each value aliased to its field name (see OutcomeTable); `o` is the outcome's order.
const OUTCOME_COLUMNS = `r.request_id AS "requestId", r.time_sale_id AS "timeSaleId", r.user_id AS "userId",
  r.quantity, r.ticket::float8 AS ticket, r.queue_position::float8 AS "queuePosition", r.status, r.code,
  r.order_id AS "orderId", o.total_price AS "totalPrice", r.accepted_at AS "acceptedAt",
  r.settled_at AS "settledAt", r.published_at IS NOT NULL AS published`

/**
 * The write of one sale's batch in one statement, under the sale's row lock: the orders PostgreSQL admitted
 * (in queue order, so their ids ascend with it), the sale's sold units and settled watermark, and one
 * outcome per fresh request (COMPLETED with its order, or FAILED with its code). Both inserts skip a row
 * that exists (`ON CONFLICT DO NOTHING`), and the units counted are those of the orders inserted.
 * Returns the outcome rows recorded, with the order's total price.
 * $1 sale id; $2–$4 admitted orders: request ids, user ids, quantities; $5 the new watermark;
 * $6–$12 fresh requests: request ids, user ids, quantities, tickets, queue positions, failure codes (used
 * when no order was placed), accepted-at instants.
 */
const WRITE_BATCH = `
WITH placed AS (
  INSERT INTO timesale_orders (time_sale_id, user_id, quantity, unit_price, total_price, request_id, strategy)
  SELECT s.id, o.user_id, o.quantity, s.sale_price, s.sale_price * o.quantity, o.request_id, 'v3'
  FROM unnest($2::uuid[], $3::text[], $4::int[]) WITH ORDINALITY AS o(request_id, user_id, quantity, ord)
  CROSS JOIN time_sales s WHERE s.id = $1
  ORDER BY o.ord
  ON CONFLICT DO NOTHING
  RETURNING id, request_id, quantity, total_price
), counted AS (
  UPDATE time_sales SET sold_quantity = sold_quantity + (SELECT coalesce(sum(quantity), 0) FROM placed),
                        settled_requests = $5
  WHERE id = $1
), recorded AS (
  INSERT INTO timesale_requests (request_id, time_sale_id, user_id, quantity, ticket, queue_position,
                                 status, code, order_id, accepted_at, settled_at)
  SELECT f.request_id, $1, f.user_id, f.quantity, f.ticket, f.queue_position,
         CASE WHEN p.id IS NULL THEN 'FAILED' ELSE 'COMPLETED' END,
         CASE WHEN p.id IS NULL THEN f.code END, p.id, f.accepted_at, now()
  FROM unnest($6::uuid[], $7::text[], $8::int[], $9::bigint[], $10::bigint[], $11::text[], $12::timestamptz[])
    WITH ORDINALITY AS f(request_id, user_id, quantity, ticket, queue_position, code, accepted_at, ord)
  LEFT JOIN placed p ON p.request_id = f.request_id
  ORDER BY f.ord
  ON CONFLICT (request_id) DO NOTHING
  RETURNING *
)
SELECT ${OUTCOME_COLUMNS} FROM recorded r LEFT JOIN placed o ON o.id = r.order_id`

/** What a v3 batch of one sale decided in PostgreSQL. */
export interface PersistResult {
  /** Outcomes written by this call, plus those written before but never published, in batch order. */
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
export class RequestRepository extends OutcomeTable<Outcome> {
  readonly #pool: Pool

  constructor(pool: Pool) {
    super(pool, {
      table: 'timesale_requests',
      selectByIds: `SELECT ${OUTCOME_COLUMNS} FROM timesale_requests r
                    LEFT JOIN timesale_orders o ON o.id = r.order_id WHERE r.request_id = ANY($1::uuid[])`,
    })
    this.#pool = pool
  }

  /**
   * Writes the outcomes of a v3 batch of one sale in one transaction, idempotently: requests already
   * settled keep their recorded outcome; orders Redis reserved are inserted in queue order while the
   * sale's own count and each user's limit allow; every new outcome is recorded in `timesale_requests`
   * and counted in the settled watermark. Orders and outcomes commit together or not at all. Statements:
   * the lock, the earlier outcomes, (with a per-user limit) the users' units, and one write.
   * Throws TIMESALE_NOT_FOUND.
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

      const earlier = await this.read(
        requests.map((request) => request.requestId),
        client,
      )
      const fresh = new Map<string, { request: OrderRequest; decision: Decision }>()
      requests.forEach((request, index) => {
        if (!earlier.has(request.requestId) && !fresh.has(request.requestId)) {
          fresh.set(request.requestId, { request, decision: decisions[index] as Decision })
        }
      })
      const candidates = [...fresh.values()].filter((e) => e.decision === 'COMPLETED').map((e) => e.request)
      const { accepted, refused } = await this.#admit(client, saleId, sale, candidates)
      const watermark = Number(sale.settled_requests) + fresh.size
      const recorded =
        fresh.size > 0
          ? this.recorded(await this.#write(client, saleId, accepted, fresh, refused, watermark))
          : new Map<string, Recorded<Outcome>>()
      for (const [requestId, entry] of earlier) recorded.set(requestId, entry)

      // Redis holds units for every request it decided COMPLETED; those without an order give them back,
      // including requests settled FAILED earlier that a replay found stock for.
      const reservedWithoutOrder = new Set<string>()
      requests.forEach((request, index) => {
        if (
          decisions[index] === 'COMPLETED' &&
          recorded.get(request.requestId)?.outcome.status !== 'COMPLETED'
        ) {
          reservedWithoutOrder.add(request.requestId)
        }
      })
      return { toPublish: toPublish(requests, recorded), refused: [...reservedWithoutOrder], watermark }
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

  /** Runs {@link WRITE_BATCH} for the fresh requests of a batch; returns the outcome rows it recorded. */
  async #write(
    client: PoolClient,
    saleId: string,
    accepted: readonly OrderRequest[],
    fresh: ReadonlyMap<string, { request: OrderRequest; decision: Decision }>,
    refused: ReadonlyMap<string, FailureCode>,
    watermark: number,
  ): Promise<Array<OutcomeRow<Outcome>>> {
    const entries = [...fresh.values()]
    const { rows } = await client.query<OutcomeRow<Outcome>>(WRITE_BATCH, [
      saleId,
      accepted.map((request) => request.requestId),
      accepted.map((request) => request.userId),
      accepted.map((request) => request.quantity),
      watermark,
      entries.map(({ request }) => request.requestId),
      entries.map(({ request }) => request.userId),
      entries.map(({ request }) => request.quantity),
      entries.map(({ request }) => request.ticket),
      entries.map(({ request }) => request.queuePosition),
      entries.map(({ request, decision }) =>
        decision === 'COMPLETED' ? (refused.get(request.requestId) ?? 'SOLD_OUT') : decision,
      ),
      entries.map(({ request }) => new Date(request.acceptedAt)),
    ])
    return rows
  }
}
