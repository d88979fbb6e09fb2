import type { BatchingProducer, FlowTopics } from '../../platform/kafka.ts'
import type { RedisLock } from '../../platform/lock.ts'
import type { Logger } from '../../platform/logger.ts'
import type { ReadThroughCache } from '../../shared/read-through-cache.ts'
import type { RequestIndex } from '../../shared/request-index.ts'
import type { CouponRepository } from '../repository.ts'
import type { CouponState } from '../state.ts'
import type { CouponStock } from '../stock.ts'
import type { PendingRequest, Policy } from '../types.ts'

/** What the issue strategies may touch. */
export interface StrategyDeps {
  readonly repository: CouponRepository
  readonly stock: CouponStock
  readonly state: CouponState
  readonly policies: ReadThroughCache<Policy>
  readonly index: RequestIndex<PendingRequest>
  readonly lock: RedisLock
  readonly producer: BatchingProducer
  readonly topics: FlowTopics
  readonly logger: Logger
  readonly now: () => Date
}

/** The synchronous strategies' answer. */
export interface Issued {
  readonly status: 'ISSUED'
  readonly couponId: string
  readonly policyId: string
  readonly userId: string
  readonly issuedAt: string
}

/** The asynchronous strategy's answer (the seed's JSON plus `requestId`). */
export interface Pending {
  readonly status: 'PENDING'
  readonly message: string
  readonly policyId: string
  readonly userId: string
  readonly requestId: string
}
