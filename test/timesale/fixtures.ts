import assert from 'node:assert/strict'
import type { Runtime } from '../../src/runtime.ts'
import { TimeSaleStock } from '../../src/timesale/stock.ts'
import type { StockView } from '../../src/timesale/stock-model.ts'
import { post } from '../helpers/http.ts'
import { eventually } from '../helpers/stack.ts'

export interface SaleOptions {
  readonly total: number
  readonly maxPerUser?: number | null
  /** Window start relative to now, in ms (negative = already open). */
  readonly startsInMs?: number
  readonly endsInMs?: number
  readonly salePrice?: number
}

export function saleBody({
  total,
  maxPerUser = null,
  startsInMs = -60_000,
  endsInMs = 600_000,
  salePrice = 19_900,
}: SaleOptions) {
  return {
    productName: `test product ${total}`,
    originalPrice: 50_000,
    salePrice,
    totalQuantity: total,
    startAt: new Date(Date.now() + startsInMs).toISOString(),
    endAt: new Date(Date.now() + endsInMs).toISOString(),
    ...(maxPerUser === null ? {} : { maxPerUser }),
  }
}

export async function createSale(url: string, options: SaleOptions): Promise<string> {
  const response = await post<{ id: string }>(`${url}/api/timesales`, saleBody(options))
  assert.equal(response.status, 201, JSON.stringify(response.body))
  return response.body.id
}

/** Distinct user ids unique to one test run. */
export function userIds(count: number, base = Math.floor(Math.random() * 1e9) * 1000): string[] {
  return Array.from({ length: count }, (_, index) => String(base + index + 1))
}

export const orderUrl = (url: string, saleId: string, strategy: string) =>
  `${url}/api/timesales/${saleId}/orders?strategy=${strategy}`

export interface SaleState {
  readonly total: number
  readonly maxPerUser: number | null
  readonly soldColumn: number
  readonly orders: number
  readonly orderUnits: number
  /** userId → units ordered, from PostgreSQL. */
  readonly perUser: ReadonlyMap<string, number>
  readonly redis: StockView
}

export async function saleState(runtime: Runtime, saleId: string): Promise<SaleState> {
  const sale = await runtime.pool.query<{ total: number; sold: number; max: number | null }>(
    'SELECT total_quantity AS total, sold_quantity AS sold, max_per_user AS max FROM time_sales WHERE id = $1',
    [saleId],
  )
  const row = sale.rows[0]
  assert.ok(row, `time sale ${saleId} exists`)
  const orders = await runtime.pool.query<{ user_id: string; units: number; orders: number }>(
    `SELECT user_id, sum(quantity)::int AS units, count(*)::int AS orders FROM timesale_orders
     WHERE time_sale_id = $1 GROUP BY user_id`,
    [saleId],
  )
  return {
    total: row.total,
    maxPerUser: row.max,
    soldColumn: row.sold,
    orders: orders.rows.reduce((sum, r) => sum + r.orders, 0),
    orderUnits: orders.rows.reduce((sum, r) => sum + r.units, 0),
    perUser: new Map(orders.rows.map((r) => [r.user_id, r.units])),
    redis: await new TimeSaleStock(runtime.redis).inspect(saleId),
  }
}

/** SPEC §4 for one sale once processing settled: no oversell, limits kept, Redis = PostgreSQL. */
export function assertConsistent(state: SaleState): void {
  assert.ok(state.orderUnits <= state.total, `oversell: ${state.orderUnits} > ${state.total}`)
  assert.equal(state.soldColumn, state.orderUnits, 'sold_quantity matches the order rows')
  if (state.maxPerUser !== null) {
    for (const [userId, units] of state.perUser) {
      assert.ok(units <= state.maxPerUser, `user ${userId} bought ${units} > ${state.maxPerUser}`)
    }
  }
  assert.equal(state.redis.sold, state.orderUnits, 'Redis sold matches PostgreSQL')
  assert.equal(state.redis.reservations, state.orders, 'one Redis reservation per order')
  assert.equal(state.redis.reservedUnits, state.orderUnits, 'Redis reservations hold the ordered units')
  assert.deepEqual(
    new Map(Object.entries(state.redis.users)),
    new Map(state.perUser),
    'Redis per-user units match PostgreSQL',
  )
  assert.equal(state.redis.outcomes, 0, 'no reservation left unsettled')
}

/** Waits until PostgreSQL has a published outcome for `count` v3 requests of the sale. */
export async function waitSettled(runtime: Runtime, saleId: string, count: number, timeoutMs = 60_000) {
  return eventually(
    async () => {
      const { rows } = await runtime.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM timesale_requests
         WHERE time_sale_id = $1 AND published_at IS NOT NULL`,
        [saleId],
      )
      return (rows[0]?.n ?? 0) >= count ? true : undefined
    },
    timeoutMs,
    `${count} settled requests of time sale ${saleId}`,
  )
}

/** Outcome counts of the sale's v3 requests in PostgreSQL, e.g. `{ 'COMPLETED': 100, 'FAILED:SOLD_OUT': 3 }`. */
export async function outcomeCounts(runtime: Runtime, saleId: string): Promise<Record<string, number>> {
  const { rows } = await runtime.pool.query<{ status: string; code: string | null; n: number }>(
    `SELECT status, code, count(*)::int AS n FROM timesale_requests WHERE time_sale_id = $1 GROUP BY 1, 2`,
    [saleId],
  )
  return Object.fromEntries(rows.map((row) => [row.code ? `${row.status}:${row.code}` : row.status, row.n]))
}
