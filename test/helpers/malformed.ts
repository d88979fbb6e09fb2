/**
 * fast-check arbitraries of malformed input, by field kind. Every value an arbitrary yields is invalid for its
 * kind under the documented rules (docs/validation.md), so a property can require a 4xx for each of them.
 */
import fc from 'fast-check'

const CONTROL = [
  '\u0000',
  '\u0001',
  '\u0007',
  '\b',
  '\u000b',
  '\f',
  '\u000e',
  '\u001b',
  '\u001f',
  '\u007f',
  '\u0085',
  '\u009f',
]
const BLANK = [' ', '\t', '\n', '\r', '\u00a0', '\u2003', '\u3000']

/** A JSON value of the wrong type for any scalar field. */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
)

/** Text with a control character somewhere. */
export const controlText = fc
  .tuple(fc.string({ maxLength: 8 }), fc.constantFrom(...CONTROL), fc.string({ maxLength: 8 }))
  .map(([before, control, after]) => before + control + after)

/** Empty or white space only. */
export const blankText = fc.array(fc.constantFrom(...BLANK), { maxLength: 6 }).map((chars) => chars.join(''))

/** Bad values of a free-text field of at most `maxLength` characters. */
export function malformedText(maxLength: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    controlText,
    blankText,
    fc.constantFrom('\ud800', 'a\udfffb', 'x'.repeat(maxLength + 1)),
    fc.integer(),
    wrongType,
  )
}

/** Date-times that name no instant, or are not date-times at all. */
export const malformedInstant: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    '2027-12-31T23:59:60Z',
    '2027-02-29T00:00:00Z',
    '2027-13-01T00:00:00Z',
    '2027-12-31T24:00:00Z',
    '2027-12-31T10:00:00',
    '2027-12-31',
    '2027-12-31 10:00:00Z',
    '2027-12-31T10:00:00+09',
    '2027-12-31T10:00:00+0900',
    '0000-01-01T00:00:00+00:01',
    '9999-12-31T23:59:59-00:01',
    '+010000-01-01T00:00:00Z',
    '-000001-01-01T00:00:00Z',
    'tomorrow',
    '',
  ),
  // A real instant written with a leap second, or with a day its month lacks.
  fc
    .date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2099-12-31T00:00:00Z'),
      noInvalidDate: true,
    })
    .chain((date) =>
      fc.constantFrom(
        date.toISOString().replace(/T\d\d:\d\d:\d\d/, 'T23:59:60'),
        date.toISOString().replace(/-\d\d-\d\dT/, '-02-30T'),
        date.toString(),
      ),
    ),
  fc.integer(),
  wrongType,
)

/** Amounts with more decimals than `numeric(12,2)` keeps, not above 0, too large, or not numbers. */
export const malformedMoney: fc.Arbitrary<unknown> = fc.oneof(
  fc
    .tuple(
      fc.integer({ min: 0, max: 99_999_999 }),
      fc.integer({ min: 1, max: 999 }).filter((n) => n % 10 !== 0),
    )
    .map(([units, thousandths]) => Number(`${units}.${String(thousandths).padStart(3, '0')}`)),
  fc.constantFrom(0, -1, -0.01, 1e-9, 1e21, 1e308, 10_000_000_000),
  fc.integer({ min: 1, max: 1_000 }).map(String),
  wrongType,
)

/** Bad values of a positive integer field with the given maximum. */
export function malformedCount(max: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.integer({ min: -1_000_000, max: 0 }),
    fc
      .double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true })
      .filter((n) => !Number.isInteger(n)),
    fc.constantFrom(max + 1, 1e21, 2 ** 63),
    fc.integer({ min: 1, max: 100 }).map(String),
    wrongType,
  )
}

/** Integer ids spelled any way but the canonical one (leading zero, sign, white space), or no id at all. */
export const malformedId: fc.Arbitrary<unknown> = fc.oneof(
  fc
    .integer({ min: 1, max: 1e9 })
    .chain((n) =>
      fc.constantFrom(
        `0${n}`,
        `+${n}`,
        ` ${n}`,
        `${n} `,
        `${n}\n`,
        `${n}.0`,
        `${n}e0`,
        `-${n}`,
        `0x${n.toString(16)}`,
      ),
    ),
  fc.constantFrom('0', '', '9'.repeat(19), 0, -1, 1.5, 1e16, 2 ** 63),
  fc.uuid(),
  controlText,
  wrongType,
)

/** User ids no rule accepts (neither a positive integer nor a safe opaque id): white space, controls, types. */
export const malformedUserId: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: 1, max: 1e9 }).chain((n) => fc.constantFrom(`+${n}`, ` ${n}`, `${n} `, `${n}\t`)),
  fc.constantFrom('', '9'.repeat(65), 1.5, -2.5),
  controlText,
  blankText,
  wrongType,
)

/** UUIDs in spellings the API does not take (URN, braces, no hyphens, padded), and non-UUIDs. */
export const malformedRequestId: fc.Arbitrary<unknown> = fc.oneof(
  fc
    .uuid()
    .chain((id) =>
      fc.constantFrom(`urn:uuid:${id}`, `{${id}}`, id.replaceAll('-', ''), ` ${id}`, `${id}\n`, id.slice(1)),
    ),
  controlText,
  fc.integer(),
  wrongType,
)

/** A JSON body that is not an object. */
export const nonObjectBody: fc.Arbitrary<unknown> = fc.oneof(
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.string({ maxLength: 10 }),
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
)

/**
 * Bodies that differ from a valid `base` in one way: one field malformed, one required field missing, an
 * unknown field added, or not an object at all.
 */
export function malformedBodies(
  base: Record<string, unknown>,
  fields: Record<string, fc.Arbitrary<unknown>>,
  required: readonly string[],
): fc.Arbitrary<unknown> {
  const variants: Array<fc.Arbitrary<unknown>> = [
    fc
      .constantFrom(...Object.keys(fields))
      .chain((field) =>
        (fields[field] as fc.Arbitrary<unknown>).map((value) => ({ ...base, [field]: value })),
      ),
    fc
      .string({ minLength: 1, maxLength: 8 })
      .filter((key) => !(key in base))
      .map((key) => ({ ...base, [key]: 1 })),
    nonObjectBody,
  ]
  if (required.length > 0) {
    variants.push(
      fc
        .constantFrom(...required)
        .map((field) => Object.fromEntries(Object.entries(base).filter(([k]) => k !== field))),
    )
  }
  return fc.oneof(...variants)
}
