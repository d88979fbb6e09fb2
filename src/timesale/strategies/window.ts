import { AppError } from '../../errors.ts'
import type { TimeSale } from '../types.ts'
import type { OrderInput, StrategyDeps } from './deps.ts'

/**
 * The cached sale, checked for the order: TIMESALE_NOT_FOUND, NOT_IN_PERIOD outside [startAt, endAt),
 * LIMIT_EXCEEDED when one order asks for more than a user may ever buy.
 */
export async function orderableSale(deps: StrategyDeps, input: OrderInput): Promise<TimeSale> {
  const sale = await deps.sales.get(input.timeSaleId)
  if (!sale) throw new AppError('TIMESALE_NOT_FOUND')
  const now = deps.now()
  if (now < sale.startAt || now >= sale.endAt) throw new AppError('NOT_IN_PERIOD')
  if (sale.maxPerUser !== null && input.quantity > sale.maxPerUser) throw new AppError('LIMIT_EXCEEDED')
  return sale
}
