import type { BatchingProducer, FlowTopics } from '../../platform/kafka.ts'
import type { RedisLock } from '../../platform/lock.ts'
import type { Logger } from '../../platform/logger.ts'
import type { ReadThroughCache } from '../../shared/read-through-cache.ts'
import type { RequestIndex } from '../../shared/request-index.ts'
import type { TimeSaleRepository } from '../repository.ts'
import type { TimeSaleState } from '../state.ts'
import type { TimeSaleStock } from '../stock.ts'
import type { QueuedRequest, TimeSale } from '../types.ts'

/** What the order strategies may touch. */
export interface StrategyDeps {
  readonly repository: TimeSaleRepository
  readonly stock: TimeSaleStock
  readonly index: RequestIndex<QueuedRequest>
  readonly state: TimeSaleState
  readonly sales: ReadThroughCache<TimeSale>
  readonly lock: RedisLock
  readonly producer: BatchingProducer
  readonly topics: FlowTopics
  readonly logger: Logger
  readonly now: () => Date
}

export interface OrderInput {
  readonly timeSaleId: string
  readonly userId: string
  /** Units, at least 1. */
  readonly quantity: number
}

/** The synchronous strategies' answer. */
export interface Completed {
  readonly status: 'COMPLETED'
  readonly orderId: string
  readonly timeSaleId: string
  readonly userId: string
  readonly quantity: number
  readonly totalPrice: number
}

/** The asynchronous strategy's answer (the seed's JSON plus `requestId`, with a numeric position). */
export interface Queued {
  readonly status: 'QUEUED'
  readonly message: string
  readonly timeSaleId: string
  readonly userId: string
  readonly requestId: string
  readonly queuePosition: number
}
