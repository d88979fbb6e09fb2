import { AppError } from '../../errors.ts'
import { requestMessage } from '../messages.ts'
import type { OrderInput, Queued, StrategyDeps } from './deps.ts'
import { orderableSale } from './window.ts'

export const QUEUED_MESSAGE = '주문 요청이 대기열에 등록되었습니다. 순차적으로 처리됩니다.'

/**
 * v3 — the accept path: cached sale, window and quantity; one Redis call that filters (the user's limit
 * already used, not enough units left), draws the queue ticket and writes the request's status-index
 * entry; publish to `timesale-order-requests` keyed by sale id, and answer QUEUED only once the broker
 * acknowledged the message. The consumer makes the decision. If the publish fails, one more call counts
 * the ticket as abandoned and drops the entry, and the client gets 503 `DEPENDENCY_UNAVAILABLE`.
 */
export async function orderV3(deps: StrategyDeps, input: OrderInput): Promise<Queued> {
  await orderableSale(deps, input)
  const { timeSaleId, userId, quantity } = input
  const requestId = deps.stock.newRequestId(timeSaleId)
  const acceptedAt = deps.now().getTime()
  const entry = deps.index.entry(requestId, { timeSaleId, userId, quantity, acceptedAt })
  // Refuses with LIMIT_EXCEEDED or SOLD_OUT.
  const { ticket, queuePosition } = await deps.state.withState(timeSaleId, () =>
    deps.stock.accept(timeSaleId, userId, quantity, entry),
  )
  try {
    await deps.producer.send(
      requestMessage(deps.topics, {
        requestId,
        timeSaleId,
        userId,
        quantity,
        ticket,
        queuePosition,
        acceptedAt,
      }),
    )
  } catch (error) {
    deps.logger.error({ err: error, timeSaleId, userId, requestId }, 'could not publish an order')
    await deps.stock.abandon(timeSaleId, entry.key).catch((cause: unknown) => {
      deps.logger.warn({ err: cause, timeSaleId, requestId }, 'could not abandon an unpublished order')
    })
    throw new AppError('DEPENDENCY_UNAVAILABLE', { cause: error })
  }
  return { status: 'QUEUED', message: QUEUED_MESSAGE, timeSaleId, userId, requestId, queuePosition }
}
