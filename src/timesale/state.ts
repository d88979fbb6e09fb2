import type { Logger } from '../platform/logger.ts'
import { RebuildableState } from '../shared/rebuildable-state.ts'
import type { TimeSaleRepository } from './repository.ts'
import type { TimeSaleStock } from './stock.ts'
import type { SaleSnapshot } from './stock-model.ts'

export type TimeSaleState = RebuildableState<SaleSnapshot>

/**
 * A sale's Redis state, rebuilt from PostgreSQL when the sale is created, at start, and whenever a script
 * reports it missing (Redis restarted empty).
 */
export function createTimeSaleState(
  repository: TimeSaleRepository,
  stock: TimeSaleStock,
  logger: Logger,
): TimeSaleState {
  return new RebuildableState<SaleSnapshot>({
    kind: 'time sale',
    notFound: 'TIMESALE_NOT_FOUND',
    snapshot: (id) => repository.snapshot(id),
    hasState: (id) => stock.hasState(id),
    install: (id, snapshot, created) => stock.install(id, snapshot, created ? 'created' : 'keep'),
    activeIds: (now) => repository.activeSaleIds(now),
    logger,
  })
}
