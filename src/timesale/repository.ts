import { AppError } from '../errors.ts'
import { type Pool, withTransaction } from '../platform/postgres.ts'
import { queryPage } from '../shared/page-query.ts'
import type { Page, PageRequest } from '../shared/paging.ts'
import type { Strategy } from '../shared/strategy.ts'
import type { SaleSnapshot } from './stock-model.ts'
import type { NewTimeSale, Order, TimeSaleWithCounts } from './types.ts'

// Each value aliased to its field name: a row is the domain object as it is.
const SALE_COLUMNS = `id, product_name AS "productName", original_price AS "originalPrice",
  sale_price AS "salePrice", total_quantity AS "totalQuantity", sold_quantity AS "soldQuantity",
  total_quantity - sold_quantity AS "remainingQuantity", max_per_user AS "maxPerUser", start_at AS "startAt",
  end_at AS "endAt", created_at AS "createdAt"`

const ORDER_COLUMNS = `o.id, o.time_sale_id AS "timeSaleId", o.user_id AS "userId", o.quantity,
  o.unit_price AS "unitPrice", o.total_price AS "totalPrice", o.request_id AS "requestId", o.strategy, o.status,
  o.created_at AS "createdAt"`

export interface PlaceOrder {
  readonly timeSaleId: string
  readonly userId: string
  readonly quantity: number
  readonly requestId: string
  readonly strategy: Strategy
  readonly now: Date
  /** v1 checks the window in the transaction; v2 checked it before taking its lock. */
  readonly checkWindow: boolean
}

/** SQL of time sales and their orders. Every write that changes stock runs under the sale's row lock. */
export class TimeSaleRepository {
  readonly #pool: Pool

  constructor(pool: Pool) {
    this.#pool = pool
  }

  async insertSale(sale: NewTimeSale): Promise<TimeSaleWithCounts> {
    const { rows } = await this.#pool.query<TimeSaleWithCounts>(
      `INSERT INTO time_sales (product_name, original_price, sale_price, total_quantity, max_per_user, start_at, end_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${SALE_COLUMNS}`,
      [
        sale.productName,
        sale.originalPrice,
        sale.salePrice,
        sale.totalQuantity,
        sale.maxPerUser,
        sale.startAt,
        sale.endAt,
      ],
    )
    return rows[0] as TimeSaleWithCounts
  }

  async findSale(id: string): Promise<TimeSaleWithCounts | undefined> {
    const { rows } = await this.#pool.query<TimeSaleWithCounts>(
      `SELECT ${SALE_COLUMNS} FROM time_sales WHERE id = $1`,
      [id],
    )
    return rows[0]
  }

  /** A page of the sales, newest first, and how many there are. */
  listSales(page: PageRequest): Promise<Page<TimeSaleWithCounts>> {
    return queryPage(
      this.#pool,
      { columns: SALE_COLUMNS, from: 'FROM time_sales', orderBy: 'id DESC' },
      [],
      page,
    )
  }

  /** Ids of sales whose window has not ended (their Redis state is warmed at start). */
  async activeSaleIds(now: Date): Promise<string[]> {
    const { rows } = await this.#pool.query<{ id: string }>('SELECT id FROM time_sales WHERE end_at > $1', [
      now,
    ])
    return rows.map((row) => row.id)
  }

  async snapshot(saleId: string): Promise<SaleSnapshot | undefined> {
    const sale = await this.#pool.query<{
      total_quantity: number
      max_per_user: number | null
      settled_requests: string
      end_at: Date
      created_at: Date
    }>(
      'SELECT total_quantity, max_per_user, settled_requests, end_at, created_at FROM time_sales WHERE id = $1',
      [saleId],
    )
    const row = sale.rows[0]
    if (!row) return undefined
    const { rows } = await this.#pool.query<{ request_id: string; user_id: string; quantity: number }>(
      'SELECT request_id, user_id, quantity FROM timesale_orders WHERE time_sale_id = $1',
      [saleId],
    )
    return {
      totalQuantity: row.total_quantity,
      endAt: row.end_at,
      maxPerUser: row.max_per_user,
      settledRequests: Number(row.settled_requests),
      orders: rows.map((r) => ({ requestId: r.request_id, userId: r.user_id, quantity: r.quantity })),
      createdAt: row.created_at,
    }
  }

  /**
   * Places one order in one transaction (v1, and the database step of v2): locks the sale row, checks the
   * window (when `checkWindow`) and the user's limit against the user's orders, takes the units with a
   * guarded update and inserts the order. Throws TIMESALE_NOT_FOUND, NOT_IN_PERIOD, LIMIT_EXCEEDED or
   * SOLD_OUT.
   */
  placeOrder(input: PlaceOrder): Promise<Order> {
    return withTransaction(this.#pool, async (client) => {
      const { rows } = await client.query<TimeSaleWithCounts>(
        `SELECT ${SALE_COLUMNS} FROM time_sales WHERE id = $1 FOR UPDATE`,
        [input.timeSaleId],
      )
      const sale = rows[0]
      if (!sale) throw new AppError('TIMESALE_NOT_FOUND')
      if (input.checkWindow && (input.now < sale.startAt || input.now >= sale.endAt)) {
        throw new AppError('NOT_IN_PERIOD')
      }
      if (sale.maxPerUser !== null) {
        const mine = await client.query<{ units: number }>(
          `SELECT coalesce(sum(quantity), 0)::int AS units FROM timesale_orders
           WHERE time_sale_id = $1 AND user_id = $2`,
          [input.timeSaleId, input.userId],
        )
        if ((mine.rows[0]?.units ?? 0) + input.quantity > sale.maxPerUser) {
          throw new AppError('LIMIT_EXCEEDED')
        }
      }
      const taken = await client.query(
        `UPDATE time_sales SET sold_quantity = sold_quantity + $2
         WHERE id = $1 AND sold_quantity + $2 <= total_quantity`,
        [input.timeSaleId, input.quantity],
      )
      if (taken.rowCount === 0) throw new AppError('SOLD_OUT')
      const inserted = await client.query<Order>(
        `INSERT INTO timesale_orders AS o (time_sale_id, user_id, quantity, unit_price, total_price, request_id, strategy)
         SELECT s.id, $2, $3::int, s.sale_price, s.sale_price * $3::int, $4, $5 FROM time_sales s WHERE s.id = $1
         RETURNING ${ORDER_COLUMNS}`,
        [input.timeSaleId, input.userId, input.quantity, input.requestId, input.strategy],
      )
      return inserted.rows[0] as Order
    })
  }

  /** A page of the user's orders, newest first, and how many the user has. */
  ordersOfUser(userId: string, page: PageRequest): Promise<Page<Order & { productName: string }>> {
    return queryPage(
      this.#pool,
      {
        columns: `${ORDER_COLUMNS}, s.product_name AS "productName"`,
        from: 'FROM timesale_orders o JOIN time_sales s ON s.id = o.time_sale_id WHERE o.user_id = $1',
        orderBy: 'o.id DESC',
      },
      [userId],
      page,
    )
  }
}
