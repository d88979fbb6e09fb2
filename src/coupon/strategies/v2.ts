import { randomUUID } from 'node:crypto'
import { AppError } from '../../errors.ts'
import type { IssueInput } from '../service.ts'
import type { Issued, StrategyDeps } from './deps.ts'
import { policyInWindow } from './window.ts'

/**
 * v2 — a per-policy Redis lock (unique token, expiry, bounded wait, compare-and-delete release); under it
 * the Redis check-and-take (one script) and the PostgreSQL write. A coupon the database refuses is given
 * back in Redis before the lock is released. No lock in time → 503 LOCK_TIMEOUT.
 */
export async function issueV2(deps: StrategyDeps, { policyId, userId }: IssueInput): Promise<Issued> {
  await policyInWindow(deps, policyId)
  const requestId = randomUUID()
  return deps.lock.withLock(`{c:${policyId}}:lock`, async () => {
    const [decision] = await deps.state.withState(policyId, () =>
      deps.stock.reserve(policyId, [{ requestId, userId }]),
    )
    if (decision !== 'ISSUED') {
      await deps.stock.settle(policyId, [requestId], [])
      throw new AppError(decision === 'SOLD_OUT' ? 'SOLD_OUT' : 'ALREADY_ISSUED')
    }
    try {
      const coupon = await deps.repository.issueOne({
        policyId,
        userId,
        requestId,
        strategy: 'v2',
        now: deps.now(),
        checkWindow: false,
      })
      await deps.stock.settle(policyId, [requestId], [])
      return {
        status: 'ISSUED',
        couponId: coupon.id,
        policyId,
        userId,
        issuedAt: coupon.issuedAt.toISOString(),
      }
    } catch (error) {
      await deps.stock.settle(policyId, [requestId], [{ requestId, userId }])
      throw error
    }
  })
}
