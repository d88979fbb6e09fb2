import { headersFor } from '../pipeline/envelope.ts'
import type { FlowTopics, OutgoingMessage } from '../platform/kafka.ts'
import type { RawMessage } from '../platform/kafka-consumer.ts'
import { decodeMessage, encodeMessage } from '../shared/contracts/message.ts'
import { issueRequested, issueSettled } from './contracts.ts'
import type { IssueRequest, Outcome } from './types.ts'

/** The message published to `coupon-issue-requests`, keyed by policy id (one promotion, one partition). */
export function requestMessage(topics: FlowTopics, request: IssueRequest): OutgoingMessage {
  return {
    topic: topics.requests,
    key: request.policyId,
    value: encodeMessage(issueRequested, { type: 'coupon.issue.requested', ...request }),
    headers: headersFor(request.requestId),
  }
}

/** Reads a request message. @throws MalformedMessageError naming the wrong fields. */
export function decodeRequest(raw: RawMessage): IssueRequest {
  return decodeMessage(issueRequested, raw)
}

/** The outcome of a request on `coupon-issue-success` or `coupon-issue-failures`. */
export function outcomeMessage(topics: FlowTopics, outcome: Outcome): OutgoingMessage {
  const issued = outcome.status === 'ISSUED'
  return {
    topic: issued ? topics.success : topics.failures,
    key: outcome.policyId,
    value: encodeMessage(issueSettled, {
      type: issued ? 'coupon.issue.succeeded' : 'coupon.issue.failed',
      ...outcome,
      acceptedAt: outcome.acceptedAt.toISOString(),
      settledAt: outcome.settledAt.toISOString(),
    }),
    headers: headersFor(outcome.requestId),
  }
}

/** Reads an outcome message (for the topics' readers and tests). @throws MalformedMessageError */
export function decodeOutcome(raw: Pick<RawMessage, 'value'>): Outcome {
  return decodeMessage(issueSettled, raw)
}
