import type { Pool } from '../platform/postgres.ts'
import type { Page, PageRequest } from './paging.ts'

/** The parts of a listing query; the columns alias each value to its field name, so a row is an item. */
export interface PageQuerySql {
  /** The select list, e.g. `id, title, created_at AS "createdAt"`. */
  readonly columns: string
  /** The FROM clause with its joins and WHERE, e.g. `FROM coupons c WHERE c.user_id = $1`. */
  readonly from: string
  /** The ORDER BY expression of the page, e.g. `c.id DESC`. */
  readonly orderBy: string
}

/**
 * One page of a query's rows and how many rows it has in all: the page and the count run side by side.
 * `params` are the FROM clause's parameters ($1…); the limit and offset follow them.
 */
export async function queryPage<T>(
  pool: Pool,
  sql: PageQuerySql,
  params: readonly unknown[],
  { limit, offset }: PageRequest,
): Promise<Page<T>> {
  const next = params.length + 1
  const [page, count] = await Promise.all([
    pool.query<T & object>(
      `SELECT ${sql.columns} ${sql.from} ORDER BY ${sql.orderBy} LIMIT $${next} OFFSET $${next + 1}`,
      [...params, limit, offset],
    ),
    pool.query<{ n: number }>(`SELECT count(*)::int AS n ${sql.from}`, [...params]),
  ])
  return { items: page.rows, total: count.rows[0]?.n ?? 0 }
}
