import {
  headersFor,
  idField,
  MalformedMessageError,
  parseEnvelope,
  SCHEMA_VERSION,
  userIdField,
} from '../pipeline/envelope.ts'
import type { FlowTopics, OutgoingMessage } from '../platform/kafka.ts'
import type { RawMessage } from '../platform/kafka-consumer.ts'
import type { OrderRequest, Outcome } from './types.ts'

/** Largest quantity one order may ask for (the HTTP schema's bound, checked again on the way in). */
export const MAX_ORDER_QUANTITY = 10_000

/** The message published to `timesale-order-requests`, keyed by sale id (one sale, one partition). */
export function requestMessage(topics: FlowTopics, request: OrderRequest): OutgoingMessage {
  return {
    topic: topics.requests,
    key: request.timeSaleId,
    value: JSON.stringify({ v: SCHEMA_VERSION, type: 'timesale.order.requested', ...request }),
    headers: headersFor(request.requestId),
  }
}

function positiveInteger(record: Record<string, unknown>, field: string, max = Number.MAX_SAFE_INTEGER) {
  const value = record[field]
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new MalformedMessageError(`${field} is missing or not a positive integer`)
  }
  return value
}

export function decodeRequest(raw: RawMessage): OrderRequest {
  const body = parseEnvelope(raw.value)
  return {
    requestId: body.requestId,
    timeSaleId: idField(body, 'timeSaleId'),
    userId: userIdField(body, 'userId'),
    quantity: positiveInteger(body, 'quantity', MAX_ORDER_QUANTITY),
    ticket: positiveInteger(body, 'ticket'),
    queuePosition: positiveInteger(body, 'queuePosition'),
    acceptedAt: positiveInteger(body, 'acceptedAt'),
  }
}

/** The outcome of a request on `timesale-order-success` or `timesale-order-failures`. */
export function outcomeMessage(topics: FlowTopics, outcome: Outcome): OutgoingMessage {
  const completed = outcome.status === 'COMPLETED'
  return {
    topic: completed ? topics.success : topics.failures,
    key: outcome.timeSaleId,
    value: JSON.stringify({
      v: SCHEMA_VERSION,
      type: completed ? 'timesale.order.completed' : 'timesale.order.failed',
      requestId: outcome.requestId,
      timeSaleId: outcome.timeSaleId,
      userId: outcome.userId,
      quantity: outcome.quantity,
      status: outcome.status,
      code: outcome.code,
      orderId: outcome.orderId,
      totalPrice: outcome.totalPrice,
      ticket: outcome.ticket,
      acceptedAt: outcome.acceptedAt.toISOString(),
      settledAt: outcome.settledAt.toISOString(),
    }),
    headers: headersFor(outcome.requestId),
  }
}
