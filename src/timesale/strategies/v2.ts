import { randomUUID } from 'node:crypto'
import { AppError } from '../../errors.ts'
import { lockKey } from '../stock-model.ts'
import type { Completed, OrderInput, StrategyDeps } from './deps.ts'
import { orderableSale } from './window.ts'

/**
 * v2 — a per-sale Redis lock (unique token, expiry, bounded wait, compare-and-delete release); under it
 * the Redis decision on stock and the user's limit (one script) and the PostgreSQL write. Units the
 * database refuses are given back in Redis before the lock is released. No lock in time → 503
 * LOCK_TIMEOUT.
 *
 * Before queueing for the lock, the accept filter refuses what cannot succeed (sold out, limit used): it
 * only ever refuses, never grants, so it cannot oversell, and it spares the lock the bulk of a burst
 * that arrives after the stock is gone — otherwise every one of them would wait its turn just to hear
 * SOLD_OUT, and the lock's bounded wait would turn some of them into 503s.
 */
export async function orderV2(deps: StrategyDeps, input: OrderInput): Promise<Completed> {
  await orderableSale(deps, input)
  const { timeSaleId, userId, quantity } = input
  // Refuses with LIMIT_EXCEEDED or SOLD_OUT.
  await deps.state.withState(timeSaleId, () => deps.stock.precheck(timeSaleId, userId, quantity))
  const requestId = randomUUID()
  return deps.lock.withLock(lockKey(timeSaleId), async () => {
    const [decision] = await deps.state.withState(timeSaleId, () =>
      deps.stock.reserve(timeSaleId, [{ requestId, userId, quantity }]),
    )
    if (decision !== 'COMPLETED') {
      await deps.stock.settle(timeSaleId, [requestId], [])
      throw new AppError(decision ?? 'SOLD_OUT')
    }
    try {
      const order = await deps.repository.placeOrder({
        ...input,
        requestId,
        strategy: 'v2',
        now: deps.now(),
        checkWindow: false,
      })
      await deps.stock.settle(timeSaleId, [requestId], [])
      return {
        status: 'COMPLETED',
        orderId: order.id,
        timeSaleId: order.timeSaleId,
        userId: order.userId,
        quantity: order.quantity,
        totalPrice: order.totalPrice,
      }
    } catch (error) {
      await deps.stock.settle(timeSaleId, [requestId], [requestId])
      throw error
    }
  })
}
