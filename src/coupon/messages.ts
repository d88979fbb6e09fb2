import {
  HEADERS,
  headersFor,
  idField,
  MalformedMessageError,
  parseEnvelope,
  SCHEMA_VERSION,
  userIdField,
} from '../pipeline/envelope.ts'
import type { FlowTopics, OutgoingMessage } from '../platform/kafka.ts'
import type { RawMessage } from '../platform/kafka-consumer.ts'
import type { IssueRequest, Outcome } from './types.ts'

/** The message published to `coupon-issue-requests`, keyed by policy id (one promotion, one partition). */
export function requestMessage(topics: FlowTopics, request: IssueRequest): OutgoingMessage {
  return {
    topic: topics.requests,
    key: request.policyId,
    value: JSON.stringify({ v: SCHEMA_VERSION, type: 'coupon.issue.requested', ...request }),
    headers: headersFor(request.requestId),
  }
}

export function decodeRequest(raw: RawMessage): IssueRequest {
  const body = parseEnvelope(raw.value)
  const acceptedAt = body.acceptedAt
  if (typeof acceptedAt !== 'number' || !Number.isFinite(acceptedAt) || acceptedAt <= 0) {
    throw new MalformedMessageError('acceptedAt is missing or not a timestamp')
  }
  return {
    requestId: body.requestId,
    policyId: idField(body, 'policyId'),
    userId: userIdField(body, 'userId'),
    acceptedAt,
  }
}

/** The outcome of a request on `coupon-issue-success` or `coupon-issue-failures`. */
export function outcomeMessage(topics: FlowTopics, outcome: Outcome): OutgoingMessage {
  return {
    topic: outcome.status === 'ISSUED' ? topics.success : topics.failures,
    key: outcome.policyId,
    value: JSON.stringify({
      v: SCHEMA_VERSION,
      type: outcome.status === 'ISSUED' ? 'coupon.issue.succeeded' : 'coupon.issue.failed',
      requestId: outcome.requestId,
      policyId: outcome.policyId,
      userId: outcome.userId,
      status: outcome.status,
      code: outcome.code,
      couponId: outcome.couponId,
      acceptedAt: outcome.acceptedAt.toISOString(),
      settledAt: outcome.settledAt.toISOString(),
    }),
    headers: { ...headersFor(outcome.requestId), [HEADERS.contentType]: 'application/json' },
  }
}
