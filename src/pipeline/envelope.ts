/**
 * The envelope every request message carries. Glossary:
 * - request: one accepted v3 call (a coupon issue or an order), identified by `requestId` (UUID);
 * - outcome: the terminal result of a request, published once to the success or the failures topic;
 * - dead letter: a message that could not be processed after its retries, kept on the DLQ topic with
 *   its provenance until replayed.
 */
import { AppError } from '../errors.ts'
import { requestIdOf } from '../shared/ids.ts'
import { isUserId, normalizeUserId } from '../shared/user-id.ts'

export const SCHEMA_VERSION = 1

/** Header names written by this system. */
export const HEADERS = {
  schemaVersion: 'schema-version',
  requestId: 'request-id',
  contentType: 'content-type',
  dlqError: 'dlq-error',
  dlqErrorCode: 'dlq-error-code',
  dlqAttempts: 'dlq-attempts',
  dlqSourceTopic: 'dlq-source-topic',
  dlqSourcePartition: 'dlq-source-partition',
  dlqSourceOffset: 'dlq-source-offset',
  dlqFailedAt: 'dlq-failed-at',
  replayedFrom: 'replayed-from',
} as const

/**
 * Thrown by a decoder: the message can never be processed, so it goes to the DLQ without retries. Code
 * `MALFORMED_MESSAGE` (not retryable); the message says what is wrong with the record, in English, as it
 * is read by operators (DLQ headers), never by end users.
 */
export class MalformedMessageError extends AppError {
  constructor(problem: string) {
    super('MALFORMED_MESSAGE', { message: problem })
  }
}

/**
 * Parses a JSON message value and checks the envelope fields (`v`, `requestId`). Domain fields are checked
 * by the caller (a message's zod definition, `shared/contracts/message.ts`). Throws {@link MalformedMessageError}.
 */
export function parseEnvelope(
  value: Buffer | undefined,
): Record<string, unknown> & { v: number; requestId: string } {
  if (!value || value.length === 0) throw new MalformedMessageError('empty message value')
  let body: unknown
  try {
    body = JSON.parse(value.toString('utf8'))
  } catch {
    throw new MalformedMessageError('message value is not JSON')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new MalformedMessageError('message value is not a JSON object')
  }
  const record = body as Record<string, unknown>
  if (record.v !== SCHEMA_VERSION)
    throw new MalformedMessageError(`unsupported schema version ${String(record.v)}`)
  const requestId = requestIdOf(record.requestId)
  if (!requestId) throw new MalformedMessageError('requestId is missing or not a UUID')
  // A message is an edge too: its request id is read in the one spelling the API uses.
  record.requestId = requestId
  return record as Record<string, unknown> & { v: number; requestId: string }
}

/** Reads a user id (see `shared/user-id.ts`) from a decoded message field, normalised. */
export function userIdField(record: Record<string, unknown>, field: string): string {
  const value = record[field]
  const text = typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? String(value) : value
  if (typeof text !== 'string' || !isUserId(text)) {
    throw new MalformedMessageError(`${field} is missing or not a user id`)
  }
  return normalizeUserId(text)
}

/**
 * The request id a message stands for, best effort, for dead letters and their replay: the `request-id`
 * header when it is a UUID, otherwise the `requestId` of a JSON object value (a message dead-lettered as
 * malformed often still carries one), lower-cased like every request id; `null` when neither has one.
 */
export function requestIdOfMessage(
  headers: Readonly<Record<string, string>>,
  value: string | undefined,
): string | null {
  const fromHeader = requestIdOf(headers[HEADERS.requestId])
  if (fromHeader) return fromHeader
  if (!value) return null
  try {
    const body: unknown = JSON.parse(value)
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return null
    return requestIdOf((body as Record<string, unknown>).requestId) ?? null
  } catch {
    return null
  }
}

/** The headers of a request message this system writes. */
export function headersFor(requestId: string): Record<string, string> {
  return {
    [HEADERS.schemaVersion]: String(SCHEMA_VERSION),
    [HEADERS.requestId]: requestId,
    [HEADERS.contentType]: 'application/json',
  }
}
