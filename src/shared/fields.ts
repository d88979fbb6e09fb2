/**
 * Schema fragments (zod) for the field kinds of both services' inputs: each kind's rule is written once here
 * and shows in the OpenAPI document. The rules are those of docs/validation.md.
 */

import { z } from 'zod'
import { AppError } from '../errors.ts'
import { decimalPlaces, INSTANT_PATTERN, parseInstant } from '../platform/schema-keywords.ts'
import { type JsonSchema, requestSchema } from './contracts/json-schema.ts'

/**
 * Free text (titles, product names): no control characters other than tab, line feed and carriage return
 * (PostgreSQL refuses NUL; the others are never meant), no unpaired UTF-16 surrogate (it could not be stored
 * as sent), and at least one character that is not white space.
 */
export const TEXT_PATTERN =
  '^(?=[\\s\\S]*\\S)[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF]*$'

/** A free-text field of 1 to `maxLength` characters (Unicode code points, as PostgreSQL's `char_length`). */
export function textField(maxLength: number) {
  return z
    .string()
    .min(1)
    .max(maxLength)
    .regex(new RegExp(TEXT_PATTERN, 'u'))
    .meta({
      description: `1–${maxLength} characters; not only white space; no control characters except tab, LF, CR`,
    })
}

/** {@link textField} as a JSON schema. */
export function textSchema(maxLength: number): JsonSchema {
  return requestSchema(textField(maxLength))
}

/**
 * A date-time input: RFC 3339 (`2027-12-31T23:59:59Z`, `2027-12-31T23:59:59.5+09:00`), an instant in the
 * years 0000–9999; a leap second (`23:59:60`) is refused; fraction digits past the millisecond are dropped.
 * Ajv checks the instant with `x-instant`, zod with the same {@link parseInstant}.
 */
export const instantField = z
  .string()
  .regex(new RegExp(INSTANT_PATTERN))
  .refine((text) => parseInstant(text) !== undefined, 'not a valid instant')
  .meta({
    format: 'date-time',
    'x-instant': true,
    description:
      'RFC 3339 date-time with a time zone (Z or ±hh:mm); years 0000–9999; no leap second (23:59:60); kept to the millisecond',
  })

/** {@link instantField} as a JSON schema. */
export const instantSchema: JsonSchema = requestSchema(instantField)

/**
 * An amount of money or a percentage stored as `numeric(12,2)`: greater than 0, at most `max`, and with no
 * more decimal places than the column keeps (`12.345` is refused, never rounded; `x-decimals` for Ajv).
 */
export function decimalField(max: number, scale = 2) {
  return z
    .number()
    .positive()
    .max(max)
    .refine((value) => decimalPlaces(value) <= scale, 'has more decimal places than are stored')
    .meta({
      'x-decimals': scale,
      description: `> 0, ≤ ${max}, at most ${scale} decimal places (more are refused, never rounded)`,
    })
}

/** {@link decimalField} as a JSON schema. */
export function decimalSchema(max: number, scale = 2): JsonSchema {
  return requestSchema(decimalField(max, scale))
}

/** The largest amount `numeric(12,2)` holds. */
export const MAX_MONEY = 9_999_999_999.99

/**
 * The instant of a date-time that passed {@link instantField}. Throws `VALIDATION_FAILED` naming `field`
 * should a caller skip the schema.
 */
export function instantOf(field: string, text: string): Date {
  const instant = parseInstant(text)
  if (!instant) {
    throw new AppError('VALIDATION_FAILED', {
      message: `요청 값이 올바르지 않습니다: ${field}`,
      details: [{ field, rule: 'x-instant', message: 'not a valid instant' }],
    })
  }
  return instant
}
