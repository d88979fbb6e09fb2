import type { Logger } from '../platform/logger.ts'
import { RebuildableState } from '../shared/rebuildable-state.ts'
import type { CouponRepository } from './repository.ts'
import type { CouponStock, PolicySnapshot } from './stock.ts'

export type CouponState = RebuildableState<PolicySnapshot>

/**
 * A policy's Redis state, rebuilt from PostgreSQL when the policy is created, at start, and whenever a
 * script reports it missing (Redis restarted empty).
 */
export function createCouponState(
  repository: CouponRepository,
  stock: CouponStock,
  logger: Logger,
): CouponState {
  return new RebuildableState<PolicySnapshot>({
    kind: 'coupon policy',
    notFound: 'POLICY_NOT_FOUND',
    snapshot: (id) => repository.snapshot(id),
    hasState: (id) => stock.hasState(id),
    install: (id, snapshot, created) => stock.install(id, snapshot, created ? 'created' : 'keep'),
    activeIds: (now) => repository.activePolicyIds(now),
    logger,
  })
}
