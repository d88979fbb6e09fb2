import { AppError } from '../../errors.ts'
import { requestMessage } from '../messages.ts'
import type { IssueInput } from '../types.ts'
import type { Pending, StrategyDeps } from './deps.ts'
import { policyInWindow } from './window.ts'

export const PENDING_MESSAGE = '쿠폰 발급 요청이 접수되었습니다. 잠시 후 확인해주세요.'

/**
 * v3 — the accept path: cached policy and window; one Redis call that filters (already issued, already
 * pending, sold out), marks the user pending and writes the request's status-index entry; publish to
 * `coupon-issue-requests` keyed by policy id, and answer PENDING only once the broker acknowledged the
 * message. The consumer makes the decision. If the publish fails, one more call withdraws the mark and
 * the entry, and the client gets 503 `DEPENDENCY_UNAVAILABLE`.
 */
export async function issueV3(deps: StrategyDeps, { policyId, userId }: IssueInput): Promise<Pending> {
  await policyInWindow(deps, policyId)
  const requestId = deps.stock.newRequestId(policyId)
  const acceptedAt = deps.now().getTime()
  const entry = deps.index.entry(requestId, { policyId, userId, acceptedAt })
  // Refuses with ALREADY_ISSUED (also for a request still pending) or SOLD_OUT.
  await deps.state.withState(policyId, () =>
    deps.stock.accept(policyId, userId, requestId, acceptedAt, entry),
  )
  try {
    await deps.producer.send(requestMessage(deps.topics, { requestId, policyId, userId, acceptedAt }))
  } catch (error) {
    deps.logger.error({ err: error, policyId, userId, requestId }, 'could not publish a coupon request')
    await deps.stock.withdraw(policyId, userId, requestId, entry.key).catch((cause: unknown) => {
      deps.logger.warn(
        { err: cause, policyId, requestId },
        'could not withdraw an unpublished coupon request',
      )
    })
    throw new AppError('DEPENDENCY_UNAVAILABLE', { cause: error })
  }
  return { status: 'PENDING', message: PENDING_MESSAGE, policyId, userId, requestId }
}
