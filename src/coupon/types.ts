/**
 * Coupon domain. Glossary:
 * - policy: a coupon drop — `totalQuantity` coupons, issuable between `startTime` and `endTime`;
 * - coupon: one issued coupon; at most one per (policy, user);
 * - holder: in Redis, the request that holds a user's coupon of a policy (issued, or reserved by the v3
 *   consumer and about to be written); the number of holders is the number of coupons taken;
 * - pending: a user's v3 request accepted but not decided yet (answers ALREADY_ISSUED to a second try).
 */
import type { z } from 'zod'
import type { MessageFields } from '../shared/contracts/message.ts'
import type { Strategy } from '../shared/strategy.ts'
import type { discountType, issueRequested, issueSettled } from './contracts.ts'

export type DiscountType = z.output<typeof discountType>

export interface Policy {
  readonly id: string
  readonly title: string
  readonly totalQuantity: number
  readonly startTime: Date
  readonly endTime: Date
  readonly discountType: DiscountType
  readonly discountValue: number
  readonly createdAt: Date
}

export interface PolicyWithCounts extends Policy {
  readonly issuedQuantity: number
  readonly remainingQuantity: number
}

export interface NewPolicy {
  readonly title: string
  readonly totalQuantity: number
  readonly startTime: Date
  readonly endTime: Date
  readonly discountType: DiscountType
  readonly discountValue: number
}

/** One issue call of any strategy: which policy, for which user. */
export interface IssueInput {
  readonly policyId: string
  readonly userId: string
}

export interface Coupon {
  readonly id: string
  readonly policyId: string
  readonly userId: string
  readonly requestId: string
  readonly strategy: Strategy
  readonly issuedAt: Date
}

/** A v3 request as it travels on `coupon-issue-requests` (`acceptedAt`: ms since epoch). */
export type IssueRequest = MessageFields<typeof issueRequested>

/** What the status endpoint knows of a v3 request before PostgreSQL has its outcome. */
export interface PendingRequest {
  readonly policyId: string
  readonly userId: string
  /** ms since epoch */
  readonly acceptedAt: number
}

/** What the Redis reservation decided for a request. */
export type Decision = 'ISSUED' | 'ALREADY_ISSUED' | 'SOLD_OUT'

/** The terminal result of a v3 request, as stored in PostgreSQL and published on the outcome topics. */
export type Outcome = MessageFields<typeof issueSettled>
