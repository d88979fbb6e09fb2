/**
 * Kafka messages from their zod definitions. A message's definition is a `z.object` whose first two fields
 * are the envelope — `v` ({@link schemaVersion}) and `type` — followed by its fields in the order they are
 * written: the topic format is a public contract, so the bytes of a message follow the definition, not
 * the caller's object.
 */
import { z } from 'zod'
import { MalformedMessageError, parseEnvelope, SCHEMA_VERSION } from '../../pipeline/envelope.ts'
import type { RawMessage } from '../../platform/kafka-consumer.ts'

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

/** The fields a zod error names, for an operator: `policyId: Invalid input; userId: …`. */
function problemOf(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'message'}: ${issue.message}`)
    .join('; ')
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
  if (!parsed.success) throw new MalformedMessageError(problemOf(parsed.error))
  const { v: _, type: __, ...fields } = parsed.data as z.output<S>
  return fields as MessageFields<S>
}
