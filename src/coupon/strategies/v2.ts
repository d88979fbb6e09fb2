import { randomUUID } from 'node:crypto'
import { AppError } from '../../errors.ts'
import { lockKey } from '../stock.ts'
import type { IssueInput } from '../types.ts'
import type { Issued, StrategyDeps } from './deps.ts'
import { policyInWindow } from './window.ts'

/**
 * v2 — a per-policy Redis lock (unique token, expiry, bounded wait, compare-and-delete release); under it
 * the Redis check-and-take (one script) and the PostgreSQL write. A coupon the database refuses is given
 * back in Redis before the lock is released. No lock in time → 503 LOCK_TIMEOUT.
 *
 * Before queueing for the lock, a read-only filter refuses what cannot succeed (sold out, already issued).
 * It never grants anything, so it cannot oversell; it spares the lock the bulk of a burst that arrives after
 * the stock is gone, which would otherwise wait its turn only to hear SOLD_OUT.
 */
export async function issueV2(deps: StrategyDeps, { policyId, userId }: IssueInput): Promise<Issued> {
  await policyInWindow(deps, policyId)
  const requestId = randomUUID()
  // Refuses with ALREADY_ISSUED or SOLD_OUT; a request of the user still pending in v3 is no reason to.
  await deps.state.withState(policyId, () => deps.stock.precheck(policyId, userId))
  return deps.lock.withLock(lockKey(policyId), async () => {
    const [decision] = await deps.state.withState(policyId, () =>
      deps.stock.reserve(policyId, [{ requestId, userId }], { record: false }),
    )
    if (decision !== 'ISSUED') throw new AppError(decision === 'SOLD_OUT' ? 'SOLD_OUT' : 'ALREADY_ISSUED')
    try {
      const coupon = await deps.repository.issueOne({
        policyId,
        userId,
        requestId,
        strategy: 'v2',
        now: deps.now(),
        checkWindow: false,
      })
      return {
        status: 'ISSUED',
        couponId: coupon.id,
        policyId,
        userId,
        issuedAt: coupon.issuedAt.toISOString(),
      }
    } catch (error) {
      await deps.stock.settle(policyId, [], [{ requestId, userId }])
      throw error
    }
  })
}
