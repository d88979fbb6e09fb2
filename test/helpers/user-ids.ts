import { randomUUID } from 'node:crypto'
import { uniqueSuffix } from './stack.ts'

/**
 * Opaque user ids of every accepted shape, unique to one call: `[name, id as sent, id as answered]`.
 * The UUID is sent in upper case and answered in lower case (UUIDs are case-insensitive).
 */
export function opaqueUserIds(): Array<[string, string, string]> {
  const suffix = uniqueSuffix()
  const uuid = randomUUID()
  const longest = `k${suffix}`.padEnd(64, 'x')
  return [
    ['UUID in upper case', uuid.toUpperCase(), uuid],
    ['email-like', `kim.minsu_${suffix}@example.com`, `kim.minsu_${suffix}@example.com`],
    ['namespaced', `shop:42:user-${suffix}`, `shop:42:user-${suffix}`],
    ['64 characters', longest, longest],
  ]
}

/** User ids that must be refused with 400 VALIDATION_FAILED wherever a user id is taken. */
export const BAD_USER_IDS: ReadonlyArray<[string, unknown]> = [
  ['65 characters', 'k'.repeat(65)],
  ['empty', ''],
  ['space', 'kim minsu'],
  ['surrounding whitespace', ' 1001 '],
  ['slash', 'a/b'],
  ['percent', 'a%b'],
  ['plus', 'kim+promo@example.com'],
  ['pipe (the Redis value separator)', 'a|1'],
  ['non-ASCII', '김민수'],
  ['NUL character', 'a\u0000b'],
  ['tab', 'a\tb'],
  ['leading zero', '01001'],
  ['zero', '0'],
  // A URL path cannot carry them: WHATWG URL clients resolve `.` and `..` as dot segments.
  ['one dot', '.'],
  ['two dots', '..'],
  ['dots only', '...'],
  ['integer zero', 0],
  ['negative integer', -5],
  ['fraction', 1.5],
  ['integer beyond 2^53', 2 ** 53],
  ['boolean', true],
  ['object', { id: 1 }],
  ['null', null],
]

/** Path segments (already URL-encoded) that must be refused with 400 in `/users/:userId`. */
export const BAD_USER_ID_PATHS: readonly string[] = [
  'k'.repeat(65),
  'a%20b',
  'a%2Fb',
  'a%00b',
  'a%7C1',
  '%ED%95%9C',
  '01001',
  '0',
  // Dots only (`.` and `..` themselves never arrive through fetch: see test/shared/url-ids.test.ts).
  '...',
  '.'.repeat(64),
]
