/**
 * Kafka messages from their zod definitions. A message's definition is a `z.object` whose first two fields
 * are the envelope — `v` ({@link schemaVersion}) and `type` — followed by its fields in the order they are
 * written: the topic format is a public contract, so the bytes of a message follow the definition, not
 * the caller's object.
 */
import { z } from 'zod'
import { headersFor, MalformedMessageError, parseEnvelope, SCHEMA_VERSION } from '../../pipeline/envelope.ts'
import type { FlowTopics, OutgoingMessage } from '../../platform/kafka.ts'
import type { RawMessage } from '../../platform/kafka-consumer.ts'
import { integerIdField } from '../ids.ts'
import { userIdField } from '../user-id.ts'

/** The `v` field of every message: the schema version this system writes and reads. */
export const schemaVersion = z.literal(SCHEMA_VERSION)

/** A date-time field of a message, written by `Date.toISOString` and read back as a `Date`. */
export const instantText = z.iso.datetime().transform((text) => new Date(text))

/** A message definition: the envelope and the message's fields. */
export type MessageSchema = z.ZodObject<{ v: typeof schemaVersion; type: z.ZodType<string> } & z.ZodRawShape>

/** What a message carries besides its envelope (`v`, `type`), as read. */
export type MessageFields<S extends MessageSchema> = Omit<z.output<S>, 'v' | 'type'>

/**
 * The JSON value of a message: the schema version, then `fields` in the definition's order (a field the
 * definition lacks is not written). Not validated again: the caller's type is the definition's input type.
 */
export function encodeMessage<S extends MessageSchema>(schema: S, fields: Omit<z.input<S>, 'v'>): string {
  const source: Record<string, unknown> = { ...fields, v: SCHEMA_VERSION }
  const ordered: Record<string, unknown> = {}
  for (const key of Object.keys(schema.shape)) {
    if (source[key] !== undefined) ordered[key] = source[key]
  }
  return JSON.stringify(ordered)
}

/** What a message field must be, as a dead letter's `dlq-error` says it (see {@link messageField}). */
const problems = z.registry<{ problem: string }>()

/**
 * `schema`, registered as a message field whose wrong or missing value a dead letter names in one sentence,
 * `<field> <problem>` (`policyId is missing or not a positive integer id`): the wording of the `dlq-error`
 * header that operators and their tools know, instead of zod's messages (`Invalid input`, a union's
 * branches, a regex). Returns `schema` itself.
 */
export function messageField<T extends z.ZodType>(schema: T, problem: string): T {
  problems.add(schema, { problem })
  return schema
}

// The ids every message carries; `requestId` is checked with the envelope (`parseEnvelope`).
messageField(integerIdField, 'is missing or not a positive integer id')
messageField(userIdField, 'is missing or not a user id')

/**
 * The fields a zod error names, for an operator, each once in the definition's order: the field's
 * registered sentence, else zod's message (`type: Invalid input: expected "coupon.issue.requested"`).
 */
function problemOf(schema: MessageSchema, error: z.ZodError): string {
  const named = new Map<string, string>()
  for (const issue of error.issues) {
    const field = issue.path.length > 0 ? String(issue.path[0]) : 'message'
    if (named.has(field)) continue
    const definition: z.core.$ZodType | undefined = schema.shape[field]
    const problem = definition ? problems.get(definition)?.problem : undefined
    named.set(field, problem ? `${field} ${problem}` : `${issue.path.join('.') || field}: ${issue.message}`)
  }
  return [...named.values()].join('; ')
}

/**
 * Reads a message value: the envelope (JSON object, `v`, a UUID `requestId`), then the definition, which
 * also normalises ids as the HTTP edge does. Returns the fields without the envelope.
 * @throws MalformedMessageError (`MALFORMED_MESSAGE`, not retryable) naming each field that is wrong.
 */
export function decodeMessage<S extends MessageSchema>(
  schema: S,
  raw: Pick<RawMessage, 'value'>,
): MessageFields<S> {
  const parsed = schema.safeParse(parseEnvelope(raw.value))
  if (!parsed.success) throw new MalformedMessageError(problemOf(schema, parsed.error))
  const { v: _, type: __, ...fields } = parsed.data as z.output<S>
  return fields as MessageFields<S>
}

/** A flow's request and outcome messages, from their definitions. */
export interface FlowMessages<R extends MessageSchema, O extends MessageSchema> {
  /** The request message on the requests topic, keyed by promotion id (one promotion, one partition). */
  requestMessage(topics: FlowTopics, request: MessageFields<R>): OutgoingMessage
  /** Reads a request message. @throws MalformedMessageError naming the wrong fields. */
  decodeRequest(raw: Pick<RawMessage, 'value'>): MessageFields<R>
  /** The outcome message on the success or the failures topic, keyed by promotion id. */
  outcomeMessage(topics: FlowTopics, outcome: MessageFields<O>): OutgoingMessage
  /** Reads an outcome message (for the topics' readers and tests). @throws MalformedMessageError */
  decodeOutcome(raw: Pick<RawMessage, 'value'>): MessageFields<O>
}

/**
 * The messages of a flow. `request`'s `type` is a literal; `outcome`'s `type` and `status` are enums that
 * list the success first (`['coupon.issue.succeeded', 'coupon.issue.failed']`, `['ISSUED', 'FAILED']`):
 * an outcome whose status is the first goes to the success topic with the first type. `key` names the
 * field holding the promotion id, the key of every message of the flow. Dates are written as ISO strings.
 */
export function flowMessages<R extends MessageSchema, O extends MessageSchema>(
  request: R,
  outcome: O,
  key: keyof MessageFields<R> & keyof MessageFields<O> & string,
): FlowMessages<R, O> {
  const requestType = (request.shape.type as z.ZodLiteral<string>).value
  const [succeeded, failed] = (outcome.shape.type as z.ZodEnum).options as [string, string]
  const [success] = (outcome.shape.status as z.ZodEnum).options as [string]
  return {
    requestMessage: (topics, fields) => {
      const record = fields as Record<string, unknown>
      return {
        topic: topics.requests,
        key: String(record[key]),
        value: encodeMessage(request, { ...record, type: requestType } as unknown as Omit<z.input<R>, 'v'>),
        headers: headersFor(String(record.requestId)),
      }
    },
    decodeRequest: (raw) => decodeMessage(request, raw),
    outcomeMessage: (topics, fields) => {
      const record: Record<string, unknown> = {}
      for (const [name, value] of Object.entries(fields)) {
        record[name] = value instanceof Date ? value.toISOString() : value
      }
      const ok = record.status === success
      return {
        topic: ok ? topics.success : topics.failures,
        key: String(record[key]),
        value: encodeMessage(outcome, { ...record, type: ok ? succeeded : failed } as unknown as Omit<
          z.input<O>,
          'v'
        >),
        headers: headersFor(String(record.requestId)),
      }
    },
    decodeOutcome: (raw) => decodeMessage(outcome, raw),
  }
}
