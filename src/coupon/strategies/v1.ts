import { randomUUID } from 'node:crypto'
import type { IssueInput } from '../types.ts'
import type { Issued, StrategyDeps } from './deps.ts'

/**
 * v1 — one PostgreSQL transaction: lock the policy row, check window, duplicate and stock, insert, count.
 * Afterwards Redis is told about the coupon so v3 sees it; if that fails, v3's database step still refuses
 * a coupon too many, and the next rebuild or reconciliation corrects Redis.
 */
export async function issueV1(deps: StrategyDeps, { policyId, userId }: IssueInput): Promise<Issued> {
  const coupon = await deps.repository.issueOne({
    policyId,
    userId,
    requestId: randomUUID(),
    strategy: 'v1',
    now: deps.now(),
    checkWindow: true,
  })
  await deps.stock.claim(policyId, userId, coupon.requestId).catch((error: unknown) => {
    deps.logger.warn({ err: error, policyId, userId }, 'could not record a v1 coupon in Redis')
  })
  return { status: 'ISSUED', couponId: coupon.id, policyId, userId, issuedAt: coupon.issuedAt.toISOString() }
}
