import { headersFor } from '../pipeline/envelope.ts'
import type { FlowTopics, OutgoingMessage } from '../platform/kafka.ts'
import type { RawMessage } from '../platform/kafka-consumer.ts'
import { decodeMessage, encodeMessage, type MessageFields } from '../shared/contracts/message.ts'
import { orderRequested, orderSettled } from './contracts.ts'
import type { OrderRequest, Outcome } from './types.ts'

/** The message published to `timesale-order-requests`, keyed by sale id (one sale, one partition). */
export function requestMessage(topics: FlowTopics, request: OrderRequest): OutgoingMessage {
  return {
    topic: topics.requests,
    key: request.timeSaleId,
    value: encodeMessage(orderRequested, { type: 'timesale.order.requested', ...request }),
    headers: headersFor(request.requestId),
  }
}

/** Reads a request message. @throws MalformedMessageError naming the wrong fields. */
export function decodeRequest(raw: RawMessage): OrderRequest {
  return decodeMessage(orderRequested, raw)
}

/** The outcome of a request on `timesale-order-success` or `timesale-order-failures`. */
export function outcomeMessage(topics: FlowTopics, outcome: Outcome): OutgoingMessage {
  const completed = outcome.status === 'COMPLETED'
  return {
    topic: completed ? topics.success : topics.failures,
    key: outcome.timeSaleId,
    value: encodeMessage(orderSettled, {
      type: completed ? 'timesale.order.completed' : 'timesale.order.failed',
      ...outcome,
      acceptedAt: outcome.acceptedAt.toISOString(),
      settledAt: outcome.settledAt.toISOString(),
    }),
    headers: headersFor(outcome.requestId),
  }
}

/** Reads an outcome message (for the topics' readers and tests). @throws MalformedMessageError */
export function decodeOutcome(raw: Pick<RawMessage, 'value'>): MessageFields<typeof orderSettled> {
  return decodeMessage(orderSettled, raw)
}
