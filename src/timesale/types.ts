/**
 * Time-sale domain. Glossary:
 * - time sale: `totalQuantity` units of one product at `salePrice`, orderable inside [startAt, endAt);
 *   `maxPerUser`, when set, caps the units one user may buy in the sale (over any number of orders);
 * - order: units bought by one request; `COMPLETED` is the only state an order row has;
 * - reservation: in Redis, the units a request took (ordered, or reserved by the v3 consumer and about to
 *   be written); `sold` is the sum of reservations and `users` the per-user sums;
 * - ticket: the sale's acceptance counter (1, 2, 3, …) a v3 request draws when accepted — the queue order;
 * - settled watermark: how many of the sale's v3 requests have a recorded outcome;
 * - queue position: ticket − settled watermark (− tickets abandoned when Kafka refused the message):
 *   the number of the sale's requests accepted and not yet settled, up to and including this one.
 */
import type { z } from 'zod'
import type { MessageFields } from '../shared/contracts/message.ts'
import type { Strategy } from '../shared/strategy.ts'
import type { failureCode, orderRequested, orderSettled } from './contracts.ts'

export interface TimeSale {
  readonly id: string
  readonly productName: string
  readonly originalPrice: number
  readonly salePrice: number
  readonly totalQuantity: number
  /** Most units one user may buy in this sale; null = no limit. */
  readonly maxPerUser: number | null
  readonly startAt: Date
  readonly endAt: Date
  readonly createdAt: Date
}

export interface TimeSaleWithCounts extends TimeSale {
  readonly soldQuantity: number
  readonly remainingQuantity: number
}

export type NewTimeSale = Omit<TimeSale, 'id' | 'createdAt'>

export interface Order {
  readonly id: string
  readonly timeSaleId: string
  readonly userId: string
  readonly quantity: number
  readonly unitPrice: number
  readonly totalPrice: number
  readonly requestId: string
  readonly strategy: Strategy
  readonly status: 'COMPLETED'
  readonly createdAt: Date
}

/** A v3 request as it travels on `timesale-order-requests` (`acceptedAt`: ms since epoch). */
export type OrderRequest = MessageFields<typeof orderRequested>

/** Why an order was refused: a business outcome, never retried. */
export type FailureCode = z.output<typeof failureCode>

/** What the Redis reservation decided for a request. */
export type Decision = 'COMPLETED' | FailureCode

/**
 * The terminal result of a v3 request, as stored in PostgreSQL and published on the outcome topics (all
 * but `queuePosition`, the place the client was told, which the outcome message leaves out).
 */
export type Outcome = MessageFields<typeof orderSettled> & { readonly queuePosition: number }

/** What the status endpoint knows of a queued v3 request before PostgreSQL has its outcome. */
export interface QueuedRequest {
  readonly timeSaleId: string
  readonly userId: string
  readonly quantity: number
  readonly ticket: number
  /** ms since epoch */
  readonly acceptedAt: number
}
