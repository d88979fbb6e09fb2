/**
 * The shape of a sale's Redis state: its key names (one hash tag per sale), and the records the stock
 * operations (`stock.ts`) take and give.
 */
import { randomUUID } from 'node:crypto'
import { memoize } from '../shared/memoize.ts'
import { slotOfTag } from '../shared/slot-ids.ts'

/**
 * How long a sale's Redis state outlives its window, for requests accepted just before the end. If one
 * arrives later still, the state is rebuilt from PostgreSQL like any lost state.
 */
export const STATE_AFTER_END_MS = 24 * 3600 * 1000

/**
 * All keys of a sale share the `{t:<id>}` hash tag, so its scripts work on Redis Cluster; `slot` is that
 * tag's hash slot. Remembered per sale: the accept path needs them on every request.
 */
export const keys = memoize((saleId: string) => {
  const tag = `{t:${saleId}}`
  return {
    slot: slotOfTag(`t:${saleId}`),
    meta: `${tag}:meta`,
    reservations: `${tag}:reservations`,
    sold: `${tag}:sold`,
    users: `${tag}:users`,
    outcomes: `${tag}:outcomes`,
    ticket: `${tag}:ticket`,
    settled: `${tag}:settled`,
    abandoned: `${tag}:abandoned`,
    build: () => {
      const token = randomUUID()
      return { reservations: `${tag}:reservations:build:${token}`, users: `${tag}:users:build:${token}` }
    },
  }
})

/** The lock key of v2, in the sale's hash slot. */
export function lockKey(saleId: string): string {
  return `{t:${saleId}}:lock`
}

/** An accepted order's place: its ticket (acceptance order) and its queue position when accepted. */
export interface Ticket {
  readonly ticket: number
  readonly queuePosition: number
}

/** One order request as the reservation script sees it. */
export interface Reservable {
  readonly requestId: string
  readonly userId: string
  readonly quantity: number
}

/** The state PostgreSQL holds for a sale, from which Redis is rebuilt. */
export interface SaleSnapshot {
  readonly totalQuantity: number
  /** When the sale's window ends: its Redis state is forgotten a day later. */
  readonly endAt: Date
  readonly maxPerUser: number | null
  /** Every order: requestId, userId, quantity. */
  readonly orders: ReadonlyArray<Reservable>
  readonly settledRequests: number
  /**
   * When the sale was created: Redis state stamped with another instant belongs to an earlier sale that
   * had the same id (PostgreSQL reset or restored while Redis kept its data) and is replaced.
   */
  readonly createdAt: Date
}

/** What Redis holds for a sale, for checks and the admin view. */
export interface StockView {
  readonly sold: number
  readonly reservations: number
  readonly reservedUnits: number
  readonly users: Readonly<Record<string, number>>
  readonly outcomes: number
  readonly tickets: number
  readonly settled: number
  readonly abandoned: number
}

/** The queue position of the request that drew `ticket` when `base` tickets left the queue (at least 1). */
export function positionOf(ticket: number, base: number): number {
  return Math.max(1, ticket - base)
}
