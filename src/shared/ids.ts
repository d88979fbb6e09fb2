/**
 * Identifiers at the edge. Each id is normalised once, by its schema, before it reaches a lookup, a Redis
 * key or a Kafka message:
 * - integer ids (policy, time sale): canonical decimal only — a leading zero, `+`, a sign, white space or a
 *   fraction is refused with 400; a JSON number is turned into its decimal string;
 * - request ids: UUIDs in any letter case, turned into lower case (RFC 9562).
 * User ids follow their own rule (`user-id.ts`), in the same spirit: one spelling behind the edge.
 */
import { z } from 'zod'
import { MAX_NUMERIC_ID, normalizeIntegerId, normalizeUuid } from '../platform/schema-keywords.ts'
import { type JsonSchema, requestSchema } from './contracts/json-schema.ts'

const INTEGER_ID_PATTERN = '^[1-9][0-9]{0,17}$'
const INTEGER_ID = new RegExp(INTEGER_ID_PATTERN)

/** A positive integer id given as a JSON string (`"1"`) or number (`1`); read back as the string `"1"`. */
export const integerIdField = z
  .union([z.string().regex(INTEGER_ID), z.int().min(1).max(MAX_NUMERIC_ID)])
  .meta({
    'x-normalize': 'id',
    description: 'Positive integer, as a string or a number; no leading zero, sign or white space',
  })
  .transform((value) => String(value))

/** {@link integerIdField} as a JSON schema. */
export const idSchema: JsonSchema = requestSchema(integerIdField)

/** An integer id in a path (or a list of them): digits only, no leading zero. */
export const idParamField = z
  .string()
  .regex(INTEGER_ID)
  .meta({ description: 'Positive integer; no leading zero, sign or white space' })

/** Path parameters of a route under one promotion: `/:id`. */
export const idParams = z.object({ id: idParamField })

/** {@link idParamField} as a JSON schema. */
export const idParamSchema: JsonSchema = requestSchema(idParamField)

const UUID_PATTERN = '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$'
const UUID = new RegExp(UUID_PATTERN)

/** A request id: a UUID in any letter case, read back in lower case. */
export const requestIdField = z
  .string()
  .regex(UUID)
  .meta({
    format: 'uuid',
    'x-normalize': 'uuid',
    description: 'UUID (8-4-4-4-12 hex digits), any letter case',
  })
  .transform(normalizeUuid)

/** Path parameters of a request's routes: `/:requestId`. */
export const requestIdParams = z.object({ requestId: requestIdField })

/** {@link requestIdField} as a JSON schema. */
export const requestIdSchema: JsonSchema = requestSchema(requestIdField)

/** The lower-case request id of `value`, or `undefined` when it is not a UUID (for non-HTTP edges, e.g. Kafka). */
export function requestIdOf(value: unknown): string | undefined {
  return typeof value === 'string' && UUID.test(value) ? normalizeUuid(value) : undefined
}

/**
 * The canonical decimal string of an integer id (a canonical string, or a JSON number as {@link idSchema}
 * takes it), or `undefined` for any other spelling (for non-HTTP edges: Kafka messages, the command line).
 */
export function integerIdOf(value: unknown): string | undefined {
  const text = normalizeIntegerId(value)
  return typeof text === 'string' && INTEGER_ID.test(text) ? text : undefined
}
