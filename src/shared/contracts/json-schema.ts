/**
 * One zod definition per contract; this module turns it into the JSON schemas the HTTP server uses. A
 * request part (body, query string, path parameters) is validated by Ajv with the `x-` keywords of
 * `platform/schema-keywords.ts` (they travel in `.meta()`), and an answer is serialised by its response
 * schema; both show in the OpenAPI document as they are. The TypeScript types are the definitions'
 * `z.input` / `z.output`, and the Kafka decoders parse with the same definitions (`message.ts`).
 */
import { z } from 'zod'

/** A JSON schema object (draft-07, as Fastify's Ajv and the OpenAPI document read it). */
export type JsonSchema = Record<string, unknown>

/**
 * A nullable schema of one type, which zod writes `anyOf: [s, { type: 'null' }]` when `s` has constraints,
 * becomes `s` with `type: [t, 'null']`: the form the routes had before the zod contracts, so that a wrong
 * value gets one validation error naming the field (`must be integer,null`), not three (type, null, anyOf).
 */
function mergeNullable(jsonSchema: JsonSchema): void {
  const { anyOf } = jsonSchema
  if (!Array.isArray(anyOf) || anyOf.length !== 2) return
  const isNull = (s: JsonSchema) => s.type === 'null' && Object.keys(s).length === 1
  const other = (anyOf as JsonSchema[]).find((s) => !isNull(s))
  if (!other || !(anyOf as JsonSchema[]).some(isNull) || typeof other.type !== 'string') return
  delete jsonSchema.anyOf
  Object.assign(jsonSchema, other, { type: [other.type, 'null'] })
}

/**
 * Three touches to zod's draft-07 output: `z.int()` states JavaScript's safe range, which an answer's count
 * needs no bound for in the document; a nullable schema of one type is one schema ({@link mergeNullable});
 * and a nullable enum lists `null` among its values, as JSON Schema requires for `null` to pass the `enum`.
 */
function touchUp({ jsonSchema }: { jsonSchema: JsonSchema }): void {
  mergeNullable(jsonSchema)
  if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER && jsonSchema.maximum === Number.MAX_SAFE_INTEGER) {
    delete jsonSchema.minimum
    delete jsonSchema.maximum
  }
  const { type, enum: values } = jsonSchema
  if (Array.isArray(type) && type.includes('null') && Array.isArray(values) && !values.includes(null)) {
    jsonSchema.enum = [...values, null]
  }
}

function convert(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, target: 'draft-7', override: touchUp }) as JsonSchema
  const { $schema: _, ...rest } = json
  return rest
}

/**
 * The schema Ajv validates a request part with: what a client may send (the input side; a transform such
 * as an id's normalisation is the `x-normalize` keyword there and zod's own transform in `z.output`).
 */
export function requestSchema(schema: z.ZodType): JsonSchema {
  return convert(schema, 'input')
}

function withoutRequired(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutRequired)
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'required')
      .map(([key, inner]) => [key, withoutRequired(inner)]),
  )
}

/**
 * The schema an answer is serialised with (the output side). It states each field's type and order — the
 * order is the answer's key order — not its presence: the serialiser would fail an answer that lacks a
 * field marked required, so `required` is left out.
 */
export function responseSchema(schema: z.ZodType): JsonSchema {
  return withoutRequired(convert(schema, 'output')) as JsonSchema
}

/** An RFC 3339 date-time in an answer or a message, as `Date.toISOString` writes it. */
export const dateTime = z.string().meta({ format: 'date-time' })
