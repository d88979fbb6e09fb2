/**
 * Coupon domain. Glossary:
 * - policy: a coupon drop — `totalQuantity` coupons, issuable between `startTime` and `endTime`;
 * - coupon: one issued coupon; at most one per (policy, user);
 * - holder: in Redis, the request that holds a user's coupon of a policy (issued, or reserved by the v3
 *   consumer and about to be written); the number of holders is the number of coupons taken;
 * - pending: a user's v3 request accepted but not decided yet (answers ALREADY_ISSUED to a second try).
 */
import type { Strategy } from '../shared/strategy.ts'

export type DiscountType = 'FIXED' | 'PERCENTAGE'

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

/** A v3 request as it travels on `coupon-issue-requests`. */
export interface IssueRequest {
  readonly requestId: string
  readonly policyId: string
  readonly userId: string
  /** When the API accepted it (ms since epoch). */
  readonly acceptedAt: number
}

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
export interface Outcome {
  readonly requestId: string
  readonly policyId: string
  readonly userId: string
  readonly status: 'ISSUED' | 'FAILED'
  readonly code: 'ALREADY_ISSUED' | 'SOLD_OUT' | null
  readonly couponId: string | null
  readonly acceptedAt: Date
  readonly settledAt: Date
}
