import { randomUUID } from 'node:crypto'
import { AppError } from '../../errors.ts'
import { requestMessage } from '../messages.ts'
import type { IssueInput } from '../types.ts'
import type { Pending, StrategyDeps } from './deps.ts'
import { policyInWindow } from './window.ts'

export const PENDING_MESSAGE = '쿠폰 발급 요청이 접수되었습니다. 잠시 후 확인해주세요.'

/**
 * v3 — the accept path: cached policy and window, a Redis filter (already issued, already pending, sold
 * out), publish to `coupon-issue-requests` keyed by policy id, and answer PENDING only once the broker
 * acknowledged the message. The consumer makes the decision.
 */
export async function issueV3(deps: StrategyDeps, { policyId, userId }: IssueInput): Promise<Pending> {
  await policyInWindow(deps, policyId)
  const requestId = randomUUID()
  const acceptedAt = deps.now().getTime()
  // Refuses with ALREADY_ISSUED (also for a request still pending) or SOLD_OUT.
  await deps.state.withState(policyId, () =>
    deps.stock.accept(policyId, userId, requestId, { now: acceptedAt }),
  )
  // The index (for the status endpoint) and the publish go out together; only the publish decides the
  // answer: once Kafka has the request it will be processed, so it is accepted even if indexing failed.
  const [indexed, published] = await Promise.allSettled([
    deps.index.add(requestId, { policyId, userId, acceptedAt }),
    deps.producer.send(requestMessage(deps.topics, { requestId, policyId, userId, acceptedAt })),
  ])
  if (published.status === 'rejected') {
    deps.logger.error(
      { err: published.reason, policyId, userId, requestId },
      'could not publish a coupon request',
    )
    await Promise.allSettled([
      deps.stock.unmarkPending(policyId, userId, requestId),
      deps.index.forget([requestId]),
    ])
    throw new AppError('DEPENDENCY_UNAVAILABLE', { cause: published.reason })
  }
  if (indexed.status === 'rejected') {
    deps.logger.warn(
      { err: indexed.reason, requestId },
      'accepted a coupon request without its status index entry',
    )
  }
  return { status: 'PENDING', message: PENDING_MESSAGE, policyId, userId, requestId }
}
