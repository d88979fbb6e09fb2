import type { ProcessorOptions } from '../pipeline/processor.ts'
import { type SettlementDeps, settlementConsumer } from '../pipeline/settlement.ts'
import { decodeRequest, outcomeMessage } from './messages.ts'
import type { StrategyDeps } from './strategies/deps.ts'
import type { IssueRequest } from './types.ts'

/**
 * The coupon kind's part of the v3 settlement sequence (src/pipeline/settlement.ts), policy by policy in
 * arrival order: reserve coupons in Redis, persist coupons and outcomes, settle the reservations, publish
 * to `coupon-issue-success` / `-failures`. Fault points: `coupon.after-reserve`, `coupon.after-persist`,
 * `coupon.after-publish`.
 */
export function couponConsumer(
  deps: SettlementDeps & Pick<StrategyDeps, 'repository' | 'stock' | 'state'>,
): Pick<ProcessorOptions<IssueRequest>, 'decode' | 'process'> {
  const { stock } = deps
  return settlementConsumer(
    {
      flow: 'coupon',
      decode: decodeRequest,
      promotionOf: (request) => request.policyId,
      state: deps.state,
      stock,
      requests: deps.repository.requests,
      settle: (policyId, requestIds, { refused }) => stock.settle(policyId, requestIds, refused),
      outcomeMessage,
    },
    deps,
  )
}
