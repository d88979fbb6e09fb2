/**
 * Input rules that JSON Schema cannot state exactly, as pure checks and as Ajv keywords registered on every
 * HTTP server (see `createHttpServer`). A value that passes them is storable as sent: PostgreSQL keeps it
 * without rounding or refusing it, and JavaScript reads it without an Invalid Date.
 *
 * Keywords (they appear as-is in the OpenAPI document, as `x-` extensions):
 * - `x-instant: true` — an RFC 3339 date-time of a real instant ({@link parseInstant});
 * - `x-decimals: n` — a number with at most `n` decimal places ({@link decimalPlaces});
 * - `x-normalize: 'uuid' | 'id' | 'user'` — rewrites the value in place once it is read: a UUID to lower
 *   case, an integer id given as a JSON number to its decimal string, a user id to its one spelling
 *   (`shared/user-id.ts`). Every lookup, Redis key, Kafka message and `Idempotency-Key` fingerprint then
 *   sees one spelling of an id.
 */

import { normalizeUserId, USER_ID_MAX_INTEGER } from '../shared/user-id.ts'

/**
 * The accepted profile of RFC 3339 `date-time`: four-digit year, `T` (or `t`), seconds 00–59 (a leap second
 * `23:59:60` is refused: JavaScript and PostgreSQL cannot represent it), 1–9 fraction digits, `Z` (or `z`)
 * or a `±hh:mm` offset.
 */
export const INSTANT_PATTERN =
  '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])[Tt]([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d{1,9})?([Zz]|[+-]([01]\\d|2[0-3]):[0-5]\\d)$'

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/

/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the instants `toISOString` writes as RFC 3339. */
const FIRST_INSTANT = -62_167_219_200_000
const LAST_INSTANT = 253_402_300_799_999

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
  return [4, 6, 9, 11].includes(month) ? 30 : 31
}

/**
 * Parses an RFC 3339 date-time in the profile of {@link INSTANT_PATTERN} into the instant it names, or
 * `undefined` when it names none: a leap second, a day the month does not have, or an instant outside the
 * years 0000–9999 in UTC (so that every answer's `toISOString()` is RFC 3339 again). Fraction digits past
 * the millisecond are dropped (the API keeps milliseconds).
 */
export function parseInstant(text: string): Date | undefined {
  const match = INSTANT.exec(text)
  if (!match) return undefined
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined
  if (hour > 23 || minute > 59 || second > 59) return undefined
  const millis = Number((match[7] ?? '').padEnd(3, '0').slice(0, 3))
  let offsetMinutes = 0
  if (match[8]) {
    const offsetHour = Number(match[9])
    const offsetMinute = Number(match[10])
    if (offsetHour > 23 || offsetMinute > 59) return undefined
    offsetMinutes = (match[8] === '-' ? -1 : 1) * (offsetHour * 60 + offsetMinute)
  }
  // setUTCFullYear, unlike Date.UTC, does not read years 0–99 as 1900–1999.
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(hour, minute, second, millis)
  const time = date.getTime() - offsetMinutes * 60_000
  return time >= FIRST_INSTANT && time <= LAST_INSTANT ? new Date(time) : undefined
}

/**
 * How many decimal places a number has as JSON writes it (`12.345` → 3, `1e-7` → 7, `100` → 0): the digits
 * a client sent, not the binary approximation, so `19.99` has 2.
 */
export function decimalPlaces(value: number): number {
  const [mantissa = '', exponent = '0'] = String(Math.abs(value)).split('e')
  const fraction = mantissa.split('.')[1]?.length ?? 0
  return Math.max(0, fraction - Number(exponent))
}

/** A UUID in its canonical lower-case spelling (RFC 9562 §4: input is case-insensitive). */
export function normalizeUuid(value: string): string {
  return value.toLowerCase()
}

/** The largest integer id accepted as a JSON number (exact in a double, and in PostgreSQL's `bigint`). */
export const MAX_NUMERIC_ID = 999_999_999_999_999

/**
 * An integer id given as a JSON number in 1..{@link MAX_NUMERIC_ID}, as the decimal string every lookup
 * uses; anything else as is (the schema judges it).
 */
export function normalizeIntegerId(value: unknown): unknown {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_NUMERIC_ID
    ? String(value)
    : value
}

interface KeywordError {
  keyword: string
  message: string
  params: Record<string, unknown>
}
interface DataContext {
  parentData: Record<string | number, unknown>
  parentDataProperty: string | number
}
type KeywordValidate = ((
  schema: unknown,
  data: unknown,
  parentSchema?: unknown,
  context?: DataContext,
) => boolean) & { errors?: KeywordError[] }

/** The part of Ajv's API this module uses. */
interface AjvLike {
  addKeyword(definition: {
    keyword: string
    schemaType?: string
    modifying?: boolean
    errors?: boolean
    validate: KeywordValidate
  }): unknown
}

function failing(keyword: string, message: string, check: (schema: never, data: unknown) => boolean) {
  const validate: KeywordValidate = (schema, data) => {
    const ok = check(schema as never, data)
    validate.errors = ok ? [] : [{ keyword, message, params: {} }]
    return ok
  }
  return validate
}

/**
 * A user id as its one spelling (`normalizeUserId`): a string, or an integer in 1..`USER_ID_MAX_INTEGER`;
 * anything else as is (the schema judges it).
 */
function normalizeUserIdValue(value: unknown): unknown {
  if (typeof value === 'string') return normalizeUserId(value)
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= USER_ID_MAX_INTEGER
    ? normalizeUserId(value as number)
    : value
}

const NORMALIZERS: Record<string, (value: unknown) => unknown> = {
  uuid: (value) => (typeof value === 'string' ? normalizeUuid(value) : value),
  id: normalizeIntegerId,
  user: normalizeUserIdValue,
}

/** Registers `x-instant`, `x-decimals` and `x-normalize` on an Ajv instance (a Fastify `ajv.plugins` entry). */
export function schemaKeywords(ajv: AjvLike): AjvLike {
  ajv.addKeyword({
    keyword: 'x-instant',
    schemaType: 'boolean',
    validate: failing(
      'x-instant',
      'must be an RFC 3339 date-time of a real instant (no leap second, years 0000-9999)',
      (on: boolean, data) => !on || typeof data !== 'string' || parseInstant(data) !== undefined,
    ),
  })
  ajv.addKeyword({
    keyword: 'x-decimals',
    schemaType: 'number',
    validate: failing(
      'x-decimals',
      'has more decimal places than are stored',
      (places: number, data) => typeof data !== 'number' || decimalPlaces(data) <= places,
    ),
  })
  ajv.addKeyword({
    keyword: 'x-normalize',
    schemaType: 'string',
    modifying: true,
    errors: false,
    validate: (kind, data, _parentSchema, context) => {
      const normalize = NORMALIZERS[kind as string]
      if (normalize && context && context.parentData !== undefined) {
        context.parentData[context.parentDataProperty] = normalize(data)
      }
      return true
    },
  })
  return ajv
}
