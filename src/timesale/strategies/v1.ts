import { randomUUID } from 'node:crypto'
import type { Completed, OrderInput, StrategyDeps } from './deps.ts'

/**
 * v1 — one PostgreSQL transaction: lock the sale row, check window and the user's limit, take the units
 * with a guarded update, insert the order. Afterwards Redis is told about the order so v3 counts it; if
 * that fails, v3's database step still refuses units too many, and the next rebuild corrects Redis.
 */
export async function orderV1(deps: StrategyDeps, input: OrderInput): Promise<Completed> {
  const order = await deps.repository.placeOrder({
    ...input,
    requestId: randomUUID(),
    strategy: 'v1',
    now: deps.now(),
    checkWindow: true,
  })
  await deps.stock.claim(input.timeSaleId, order).catch((error: unknown) => {
    deps.logger.warn(
      { err: error, timeSaleId: input.timeSaleId, orderId: order.id },
      'could not record a v1 order in Redis',
    )
  })
  return {
    status: 'COMPLETED',
    orderId: order.id,
    timeSaleId: order.timeSaleId,
    userId: order.userId,
    quantity: order.quantity,
    totalPrice: order.totalPrice,
  }
}
