import type { ProcessorOptions } from '../pipeline/processor.ts'
import { type SettlementDeps, settlementProcessor } from '../pipeline/settlement.ts'
import type { FlowTopics } from '../platform/kafka.ts'
import { decodeRequest, outcomeMessage } from './messages.ts'
import type { CouponRepository } from './repository.ts'
import type { CouponState } from './state.ts'
import type { CouponStock } from './stock.ts'
import type { IssueRequest } from './types.ts'

export interface CouponConsumerDeps extends SettlementDeps {
  readonly repository: CouponRepository
  readonly stock: CouponStock
  readonly state: CouponState
  readonly topics: FlowTopics
}

/**
 * The coupon kind's steps of the v3 settlement sequence (src/pipeline/settlement.ts), policy by policy in
 * arrival order: reserve coupons in Redis (the state is rebuilt from PostgreSQL first if it was lost),
 * persist coupons and outcomes, settle the reservations, publish to `coupon-issue-success` / `-failures`.
 * Fault points: `coupon.after-reserve`, `coupon.after-persist`, `coupon.after-publish`.
 */
export function couponConsumer(
  deps: CouponConsumerDeps,
): Pick<ProcessorOptions<IssueRequest>, 'decode' | 'process'> {
  return {
    decode: decodeRequest,
    process: settlementProcessor(
      {
        flow: 'coupon',
        promotionOf: (request) => request.policyId,
        reserve: (policyId, requests) =>
          deps.state.withState(policyId, () => deps.stock.reserve(policyId, requests)),
        persist: (policyId, requests, decisions) =>
          deps.repository.requests.persistBatch(policyId, requests, decisions),
        settle: async (policyId, requestIds, persisted) => {
          await deps.stock.settle(policyId, requestIds, persisted.refused)
        },
        outcomeMessage: (outcome) => outcomeMessage(deps.topics, outcome),
        markPublished: (requestIds) => deps.repository.requests.markPublished(requestIds),
      },
      deps,
    ),
  }
}
