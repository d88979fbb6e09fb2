/**
 * The time-sale service under test (SPEC §2): sales, `POST /api/timesales/:id/orders?strategy=` with one
 * unit per order, and its data in PostgreSQL (`time_sales`, `timesale_orders`, `timesale_requests`) and
 * Redis (`{t:<id>}:*`). Every bench sale has `maxPerUser: 1`, so a repeated user exercises the limit.
 */

import { RequestIndex } from '../../src/shared/request-index.ts'
import { postJson, promotionWindow, routeExists, settleQueries, unlinkAll } from './admin.ts'
import {
  agreementCheck,
  asyncLostCheck,
  fifoCheck,
  type OutcomeRow,
  oversellCheck,
  perUserCheck,
  syncLostCheck,
  undersellCheck,
  winners,
} from './checks.ts'
import type { TargetDeps } from './coupon.ts'
import type { Check, RunFacts, ServiceTarget, Strategy } from './types.ts'

const MAX_PER_USER = 1

export function timesaleTarget({ origin, adminToken, pool, redis }: TargetDeps): ServiceTarget {
  const k = (id: string) => ({
    sold: `{t:${id}}:sold`,
    reservations: `{t:${id}}:reservations`,
    outcomes: `{t:${id}}:outcomes`,
    settled: `{t:${id}}:settled`,
    ticket: `{t:${id}}:ticket`,
    abandoned: `{t:${id}}:abandoned`,
  })

  async function outcomeRows(id: string): Promise<Map<string, OutcomeRow>> {
    const { rows } = await pool.query<{
      request_id: string
      status: string
      code: string | null
      p: boolean
    }>(
      `SELECT request_id, status, code, published_at IS NOT NULL AS p
       FROM timesale_requests WHERE time_sale_id = $1`,
      [id],
    )
    return new Map(
      rows.map((r) => [
        r.request_id,
        { won: r.status === 'COMPLETED', soldOut: r.code === 'SOLD_OUT', published: r.p },
      ]),
    )
  }

  /** The queue order the server recorded: a COMPLETED ticket after the first SOLD_OUT one is out of order. */
  async function ticketCheck(id: string): Promise<Check> {
    // Two plain queries: a join with the aggregate is planned as a nested loop (O(n²)) when the table's
    // statistics have not caught up with a freshly filled sale.
    const first = await pool.query<{ t: string | null }>(
      `SELECT min(ticket) AS t FROM timesale_requests WHERE time_sale_id = $1 AND code = 'SOLD_OUT'`,
      [id],
    )
    const firstLoss = first.rows[0]?.t
    if (firstLoss === null || firstLoss === undefined) {
      return { name: 'FIFO (tickets)', ok: null, detail: 'no request refused for lack of stock' }
    }
    const { rows } = await pool.query<{ late: number }>(
      `SELECT count(*)::int AS late FROM timesale_requests
       WHERE time_sale_id = $1 AND status = 'COMPLETED' AND ticket > $2`,
      [id, firstLoss],
    )
    const late = rows[0]?.late ?? 0
    return {
      name: 'FIFO (tickets)',
      ok: late === 0,
      detail: `${late} orders completed with a later ticket than the first SOLD_OUT (ticket ${firstLoss})`,
    }
  }

  return {
    service: 'timesale',
    origin,
    availability: () => routeExists(`${origin}/api/timesales`),

    async createPromotion(stock, label, openForMs) {
      const { start, end } = promotionWindow(openForMs)
      const sale = await postJson<{ id: string }>(
        `${origin}/api/timesales`,
        {
          productName: `bench ${label}`.slice(0, 200),
          originalPrice: 50_000,
          salePrice: 29_900,
          totalQuantity: stock,
          startAt: start,
          endAt: end,
          maxPerUser: MAX_PER_USER,
        },
        adminToken,
      )
      return String(sale.id)
    },

    template(strategy: Strategy, id: string) {
      return {
        origin,
        path: `/api/timesales/${id}/orders?strategy=${strategy}`,
        bodyPrefix: '{"userId":"',
        bodySuffix: '","quantity":1}',
        successStatus: strategy === 'v3' ? 202 : 201,
      }
    },

    async backlog(id) {
      const keys = k(id)
      const [[ticket, abandoned, settled], outcomes] = await Promise.all([
        redis.mget(keys.ticket, keys.abandoned, keys.settled),
        redis.hlen(keys.outcomes),
      ])
      return Math.max(0, Number(ticket ?? 0) - Number(abandoned ?? 0) - Number(settled ?? 0)) + outcomes
    },

    ...settleQueries(pool, 'timesale_requests', 'time_sale_id'),

    async check(id, facts: RunFacts): Promise<Check[]> {
      const { rows } = await pool.query<{
        total: number
        counter: number
        settled: string
        taken: number
        over: number
      }>(
        `SELECT s.total_quantity AS total, s.sold_quantity AS counter, s.settled_requests AS settled,
                (SELECT coalesce(sum(quantity), 0)::int FROM timesale_orders WHERE time_sale_id = s.id) AS taken,
                (SELECT count(*)::int FROM (SELECT 1 FROM timesale_orders WHERE time_sale_id = s.id
                   GROUP BY user_id HAVING sum(quantity) > $2) o) AS over
         FROM time_sales s WHERE s.id = $1`,
        [id, MAX_PER_USER],
      )
      const db = rows[0]
      if (!db) throw new Error(`time sale ${id} not found`)
      const keys = k(id)
      const [sold, reservations, outcomes, settled] = await Promise.all([
        redis.get(keys.sold),
        redis.hlen(keys.reservations),
        redis.hlen(keys.outcomes),
        redis.get(keys.settled),
      ])
      const byId = facts.strategy === 'v3' ? await outcomeRows(id) : new Map<string, OutcomeRow>()
      const checks: Check[] = [
        oversellCheck(db.taken, db.total, db.counter),
        perUserCheck(db.over, winners(facts.strategy, facts.successes, byId), MAX_PER_USER),
        undersellCheck(db.taken, db.total, facts.distinctUsers),
      ]
      if (facts.strategy === 'v3') {
        checks.push(asyncLostCheck(facts.successes.ids, byId))
        checks.push(fifoCheck(facts.successes.ids, facts.successes.sentAt, facts.successes.answeredAt, byId))
        checks.push(await ticketCheck(id))
      } else {
        const users = await pool.query<{ user_id: string }>(
          'SELECT user_id FROM timesale_orders WHERE time_sale_id = $1',
          [id],
        )
        checks.push(
          syncLostCheck(
            Array.from(facts.successes.userIds, String),
            new Set(users.rows.map((r) => r.user_id)),
            facts.failures,
          ),
        )
      }
      const leftovers: Record<string, number> = {
        'reservations≠orders': reservations - db.taken,
        outcomes,
      }
      if (facts.strategy === 'v3') leftovers['settled watermark'] = Number(settled ?? 0) - Number(db.settled)
      checks.push(agreementCheck(Number(sold ?? 0), db.taken, leftovers))
      return checks
    },

    async dropRequestIndex(requestIds) {
      const index = new RequestIndex(redis, 't')
      await unlinkAll(
        redis,
        requestIds.map((r) => index.keyOf(r)),
      )
    },

    async dropPromotionState(id) {
      const names = ['meta', 'reservations', 'sold', 'users', 'outcomes', 'ticket', 'settled', 'abandoned']
      await unlinkAll(
        redis,
        names.map((n) => `{t:${id}}:${n}`),
      )
    },

    async close() {},
  }
}
