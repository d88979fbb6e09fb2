/**
 * User ids (SPEC §2 "Identity"): opaque to this system, chosen by the caller's user store.
 *
 * The rule, in one place (schemas, the Kafka decoders, the migration's CHECK and the docs follow it):
 * - a user id is 1–64 characters of `A–Z a–z 0–9 . _ : @ -` — numbers, UUIDs, `user:42`, `kim@example.com`;
 *   nothing else (no spaces, `/`, `%`, `+`, `|`, non-ASCII or control characters), so it is safe in a URL
 *   path, a Redis hash field, a log line and a Kafka message as it is;
 * - an id of dots only (`.`, `..`, `...`) is refused: the WHATWG URL standard resolves `.` and `..` (also
 *   spelled `%2E`) as dot segments, so every browser and `fetch` would send `/users/..` as `/`, and the
 *   user could never read their own list (the rest of the set survives a path segment as it is);
 * - a JSON integer is the same user as its decimal string: `1001` and `"1001"` are one user. An id of digits
 *   only is therefore an integer and is written without leading zeros: `"01001"` and `"0"` are refused (400)
 *   rather than becoming a second user beside `1001`;
 * - an id shaped like a UUID (8-4-4-4-12 hex digits) is case-insensitive, as UUIDs are (RFC 9562): it is
 *   lower-cased once, here, so `"3F2504E0-…"` and `"3f2504e0-…"` are one user. Every other id is compared
 *   exactly as sent (`Kim` and `kim` are two users).
 *
 * Ids are normalised once at the HTTP edge (by validation: `x-normalize: 'user'`, {@link normalizeUserId});
 * everything behind it (Redis keys and hash fields, Kafka messages, PostgreSQL `text` columns, answers,
 * `Idempotency-Key` fingerprints) carries the normalised string.
 */

import { z } from 'zod'

/** Longest user id, in characters. */
export const USER_ID_MAX_LENGTH = 64

/** The accepted strings, as a JSON-schema / JavaScript pattern (no flags needed). */
export const USER_ID_PATTERN = '^(?!0[0-9]*$)(?!\\.+$)[A-Za-z0-9._:@-]{1,64}$'

/** Largest user id accepted as a JSON number: larger integers lose digits in any JSON parser. */
export const USER_ID_MAX_INTEGER = Number.MAX_SAFE_INTEGER

const USER_ID = new RegExp(USER_ID_PATTERN)
const UUID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/

const DESCRIPTION =
  'Opaque user id: 1–64 characters of A–Z a–z 0–9 . _ : @ -, not dots only (a URL path cannot carry "." ' +
  'or ".."), or a positive integer (1001 and "1001" are one user; digits only means no leading zeros). UUIDs are case-insensitive (answered in lower case); ' +
  'other ids are compared exactly.'

const userIdString = z.string().min(1).max(USER_ID_MAX_LENGTH).regex(USER_ID)

/**
 * Body field: a user id as a string (`"1001"`, a UUID, `"kim@example.com"`) or a positive integer.
 * Validation rewrites it to its one spelling (`x-normalize: 'user'`, {@link normalizeUserId}), so hooks
 * that run before the handler (the `Idempotency-Key` fingerprint) see what the handler sees.
 */
export const userIdField = z
  .union([userIdString, z.int().min(1).max(USER_ID_MAX_INTEGER)])
  .meta({
    description: DESCRIPTION,
    examples: ['1001', '3f2504e0-4f89-41d3-9a0c-0305e82c3301', 'kim@example.com'],
    'x-normalize': 'user',
  })
  .transform(normalizeUserId)

/** Path parameter (`/users/:userId`): the string form only (a path is text), normalised as above. */
export const userIdParamField = userIdString
  .meta({ description: DESCRIPTION, examples: ['1001'], 'x-normalize': 'user' })
  .transform(normalizeUserId)

/** Path parameters of a user's routes: `/users/:userId`. */
export const userIdParams = z.object({ userId: userIdParamField })

/** Whether `text` is a valid user id string (not necessarily normalised). */
export function isUserId(text: string): boolean {
  return USER_ID.test(text)
}

/** Whether a JSON value is a user id as a body takes it ({@link userIdField}): a valid string or integer. */
export function isUserIdValue(value: unknown): value is string | number {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1 && value <= USER_ID_MAX_INTEGER
  return typeof value === 'string' && isUserId(value)
}

/**
 * The one form of a user id that validation accepted: integers as decimal strings, UUIDs in lower case,
 * anything else unchanged. Callers validate first (schemas, {@link isUserId}); this does not.
 */
export function normalizeUserId(value: string | number): string {
  const text = String(value)
  return text.length === 36 && UUID.test(text) ? text.toLowerCase() : text
}
