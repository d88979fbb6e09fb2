/**
 * What differs between the coupon and the time-sale flow for a chaos scenario: how a promotion is created
 * and requested over HTTP, and how its facts are read from PostgreSQL and Redis. Everything else (load,
 * faults, settling, the invariants) is shared.
 */
import assert from 'node:assert/strict'
import type { Pool } from '../../src/platform/postgres.ts'
import type { Redis } from '../../src/platform/redis.ts'
import { TimeSaleStock } from '../../src/timesale/stock.ts'
import { post } from '../helpers/http.ts'

/** A request's recorded outcome, normalized: `ok` = ISSUED / COMPLETED. */
export interface Outcome {
  readonly ok: boolean
  readonly code: string | null
  /** The coupon or order id of a success. */
  readonly resultId: string | null
}

/** PostgreSQL's and Redis's side of one promotion once processing settled. */
export interface StoredFacts {
  /** Stock in units. */
  readonly total: number
  /** The promotion row's own counter (`issued_quantity` / `sold_quantity`). */
  readonly recorded: number
  /** userId → units granted (a coupon counts 1), from the coupon / order rows. */
  readonly granted: ReadonlyMap<string, number>
  /** Request ids that own a coupon / order row. */
  readonly grantRequests: ReadonlySet<string>
  /** Most units one user may get. */
  readonly perUserLimit: number
  /** requestId → recorded and published outcome of every settled v3 request. */
  readonly settled: ReadonlyMap<string, Outcome>
  /** Whether Redis holds exactly what PostgreSQL holds, and the numbers that say so. */
  readonly redis: {
    readonly agrees: boolean
    readonly detail: string
    /** Users Redis still marks as having a request in flight (coupon `pending`; none for time sales). */
    readonly pendingUsers: readonly string[]
    /** `agrees`, leaving those marks aside. */
    readonly agreesBesidesPending: boolean
  }
}

export interface FlowDriver {
  readonly name: 'coupon' | 'timesale'
  /** Units one request asks for. */
  readonly unitsPerRequest: number
  /** Where admin routes live: `<prefix>/admin/dlq`. */
  readonly apiPrefix: string
  readonly portVariable: 'COUPON_PORT' | 'TIMESALE_PORT'
  /** The crash point right after a batch reached PostgreSQL. */
  readonly afterPersist: string
  create(url: string, stock: number, headers: Record<string, string>): Promise<string>
  requestUrl(url: string, id: string): string
  requestBody(id: string, userId: string): unknown
  /** Reads an outcome message: its request id, whether it belongs to `id`, and what it says. */
  readMessage(value: string, id: string): { requestId: string; outcome: Outcome } | undefined
  stored(pool: Pool, redis: Redis, id: string): Promise<StoredFacts>
  /** SQL counting the published outcomes of `$1` (promotion id) among `$2` (request ids). */
  readonly settledSql: string
}

const window = () => ({
  start: new Date(Date.now() - 60_000).toISOString(),
  end: new Date(Date.now() + 3_600_000).toISOString(),
})

export const couponFlow: FlowDriver = {
  name: 'coupon',
  unitsPerRequest: 1,
  apiPrefix: '/api/coupons',
  portVariable: 'COUPON_PORT',
  afterPersist: 'coupon.after-persist',
  async create(url, stock, headers) {
    const { start, end } = window()
    const response = await post<{ id: string }>(
      `${url}/api/coupons/policies`,
      {
        title: 'chaos policy',
        totalQuantity: stock,
        startTime: start,
        endTime: end,
        discountType: 'FIXED',
        discountValue: 1000,
      },
      headers,
    )
    assert.equal(response.status, 201, JSON.stringify(response.body))
    return response.body.id
  },
  requestUrl: (url) => `${url}/api/coupons/issue?strategy=v3`,
  requestBody: (id, userId) => ({ policyId: id, userId }),
  readMessage(value, id) {
    const body = JSON.parse(value) as {
      requestId: string
      policyId: string
      status: string
      code: string | null
      couponId: string | null
    }
    if (body.policyId !== id) return undefined
    return {
      requestId: body.requestId,
      outcome: { ok: body.status === 'ISSUED', code: body.code, resultId: body.couponId },
    }
  },
  settledSql: `SELECT count(*)::int AS n FROM coupon_requests
               WHERE policy_id = $1 AND request_id = ANY($2::uuid[]) AND published_at IS NOT NULL`,
  async stored(pool, redis, id) {
    const policy = await pool.query<{ total: number; recorded: number }>(
      'SELECT total_quantity AS total, issued_quantity AS recorded FROM coupon_policies WHERE id = $1',
      [id],
    )
    const row = policy.rows[0]
    if (!row) throw new Error(`policy ${id} is not in PostgreSQL`)
    const coupons = await pool.query<{ user_id: string; request_id: string }>(
      'SELECT user_id, request_id FROM coupons WHERE policy_id = $1',
      [id],
    )
    const granted = new Map<string, number>()
    for (const coupon of coupons.rows) granted.set(coupon.user_id, (granted.get(coupon.user_id) ?? 0) + 1)
    const settled = await pool.query<{
      request_id: string
      status: string
      code: string | null
      coupon_id: string | null
    }>(
      `SELECT request_id, status, code, coupon_id FROM coupon_requests
       WHERE policy_id = $1 AND published_at IS NOT NULL`,
      [id],
    )
    const tag = `{c:${id}}`
    const [holders, pendingUsers, reservations] = await Promise.all([
      redis.hgetall(`${tag}:holders`),
      redis.hkeys(`${tag}:pending`),
      redis.hlen(`${tag}:outcomes`),
    ])
    const pending = pendingUsers.length
    const inPostgres = new Map(coupons.rows.map((r) => [r.user_id, r.request_id]))
    const onlyRedis = Object.entries(holders).filter(([user, request]) => inPostgres.get(user) !== request)
    const onlyPostgres = [...inPostgres].filter(([user, request]) => holders[user] !== request)
    return {
      total: row.total,
      recorded: row.recorded,
      granted,
      grantRequests: new Set(coupons.rows.map((r) => r.request_id)),
      perUserLimit: 1,
      settled: new Map(
        settled.rows.map((r) => [
          r.request_id,
          { ok: r.status === 'ISSUED', code: r.code, resultId: r.coupon_id },
        ]),
      ),
      redis: {
        agrees: onlyRedis.length === 0 && onlyPostgres.length === 0 && pending === 0 && reservations === 0,
        pendingUsers,
        agreesBesidesPending: onlyRedis.length === 0 && onlyPostgres.length === 0 && reservations === 0,
        detail:
          `holders ${Object.keys(holders).length} vs coupons ${coupons.rows.length} ` +
          `(${onlyRedis.length} only in Redis, ${onlyPostgres.length} only in PostgreSQL); ` +
          `pending ${pending}; open reservations ${reservations}`,
      },
    }
  },
}

const MAX_PER_USER = 2

export const timesaleFlow: FlowDriver = {
  name: 'timesale',
  // Two units per order: the unit accounting (sold, per-user units) is exercised, not just counts.
  unitsPerRequest: 2,
  apiPrefix: '/api/timesales',
  portVariable: 'TIMESALE_PORT',
  afterPersist: 'timesale.after-persist',
  async create(url, stock, headers) {
    const { start, end } = window()
    const response = await post<{ id: string }>(
      `${url}/api/timesales`,
      {
        productName: 'chaos product',
        originalPrice: 50_000,
        salePrice: 19_900,
        totalQuantity: stock,
        startAt: start,
        endAt: end,
        maxPerUser: MAX_PER_USER,
      },
      headers,
    )
    assert.equal(response.status, 201, JSON.stringify(response.body))
    return response.body.id
  },
  requestUrl: (url, id) => `${url}/api/timesales/${id}/orders?strategy=v3`,
  requestBody: (_id, userId) => ({ userId, quantity: 2 }),
  readMessage(value, id) {
    const body = JSON.parse(value) as {
      requestId: string
      timeSaleId: string
      status: string
      code: string | null
      orderId: string | null
    }
    if (String(body.timeSaleId) !== id) return undefined
    return {
      requestId: body.requestId,
      outcome: {
        ok: body.status === 'COMPLETED',
        code: body.code,
        resultId: body.orderId === null ? null : String(body.orderId),
      },
    }
  },
  settledSql: `SELECT count(*)::int AS n FROM timesale_requests
               WHERE time_sale_id = $1 AND request_id = ANY($2::uuid[]) AND published_at IS NOT NULL`,
  async stored(pool, redis, id) {
    const sale = await pool.query<{ total: number; recorded: number; max: number | null }>(
      `SELECT total_quantity AS total, sold_quantity AS recorded, max_per_user AS max
       FROM time_sales WHERE id = $1`,
      [id],
    )
    const row = sale.rows[0]
    if (!row) throw new Error(`time sale ${id} is not in PostgreSQL`)
    const orders = await pool.query<{ user_id: string; request_id: string; quantity: number }>(
      'SELECT user_id, request_id, quantity FROM timesale_orders WHERE time_sale_id = $1',
      [id],
    )
    const granted = new Map<string, number>()
    for (const order of orders.rows)
      granted.set(order.user_id, (granted.get(order.user_id) ?? 0) + order.quantity)
    const units = orders.rows.reduce((sum, order) => sum + order.quantity, 0)
    const settled = await pool.query<{
      request_id: string
      status: string
      code: string | null
      order_id: string | null
    }>(
      `SELECT request_id, status, code, order_id FROM timesale_requests
       WHERE time_sale_id = $1 AND published_at IS NOT NULL`,
      [id],
    )
    const view = await new TimeSaleStock(redis).inspect(id)
    const usersDiffer =
      [...granted].filter(([user, n]) => view.users[user] !== n).length +
      Object.keys(view.users).filter((user) => !granted.has(user)).length
    const agrees =
      view.sold === units &&
      view.reservations === orders.rows.length &&
      view.reservedUnits === units &&
      usersDiffer === 0 &&
      view.outcomes === 0
    return {
      total: row.total,
      recorded: row.recorded,
      granted,
      grantRequests: new Set(orders.rows.map((r) => r.request_id)),
      perUserLimit: row.max ?? Number.POSITIVE_INFINITY,
      settled: new Map(
        settled.rows.map((r) => [
          r.request_id,
          { ok: r.status === 'COMPLETED', code: r.code, resultId: r.order_id },
        ]),
      ),
      redis: {
        agrees,
        pendingUsers: [],
        agreesBesidesPending: agrees,
        detail:
          `sold ${view.sold} vs ${units} units; reservations ${view.reservations} vs ${orders.rows.length} orders ` +
          `(${view.reservedUnits} units); ${usersDiffer} users differ; open outcomes ${view.outcomes}; ` +
          `tickets ${view.tickets}, settled ${view.settled}, abandoned ${view.abandoned}`,
      },
    }
  },
}

/** The flows a run covers: `CHAOS_FLOWS=coupon,timesale` (default both). */
export const FLOWS: readonly FlowDriver[] = (process.env.CHAOS_FLOWS ?? 'coupon,timesale')
  .split(',')
  .map((name) => name.trim())
  .filter(Boolean)
  .map((name) => {
    if (name === 'coupon') return couponFlow
    if (name === 'timesale') return timesaleFlow
    throw new Error(`CHAOS_FLOWS: unknown flow "${name}" (coupon, timesale)`)
  })
