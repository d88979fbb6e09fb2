import { randomUUID } from 'node:crypto'
import { AppError } from '../../errors.ts'
import { requestMessage } from '../messages.ts'
import type { OrderInput, Queued, StrategyDeps } from './deps.ts'
import { orderableSale } from './window.ts'

export const QUEUED_MESSAGE = '주문 요청이 대기열에 등록되었습니다. 순차적으로 처리됩니다.'

/**
 * v3 — the accept path: cached sale, window and quantity; a Redis filter that also draws the queue
 * ticket (the user's limit already used, not enough units left); publish to `timesale-order-requests`
 * keyed by sale id, and answer QUEUED only once the broker acknowledged the message. The consumer makes
 * the decision.
 */
export async function orderV3(deps: StrategyDeps, input: OrderInput): Promise<Queued> {
  await orderableSale(deps, input)
  const { timeSaleId, userId, quantity } = input
  // Refuses with LIMIT_EXCEEDED or SOLD_OUT.
  const { ticket, queuePosition } = await deps.state.withState(timeSaleId, () =>
    deps.stock.accept(timeSaleId, userId, quantity),
  )
  const requestId = randomUUID()
  const acceptedAt = deps.now().getTime()
  const [published, indexed] = await Promise.allSettled([
    deps.producer.send(
      requestMessage(deps.topics, {
        requestId,
        timeSaleId,
        userId,
        quantity,
        ticket,
        queuePosition,
        acceptedAt,
      }),
    ),
    deps.index.add(requestId, { timeSaleId, userId, quantity, ticket, acceptedAt }),
  ])
  if (published.status === 'rejected') {
    deps.logger.error({ err: published.reason, timeSaleId, userId, requestId }, 'could not publish an order')
    await deps.stock.abandonTicket(timeSaleId).catch(() => {})
    throw new AppError('DEPENDENCY_UNAVAILABLE', { cause: published.reason })
  }
  // The request is queued either way; without its index the status endpoint knows it once it settled.
  if (indexed.status === 'rejected') {
    deps.logger.warn({ err: indexed.reason, timeSaleId, requestId }, 'could not index a queued order')
  }
  return { status: 'QUEUED', message: QUEUED_MESSAGE, timeSaleId, userId, requestId, queuePosition }
}
