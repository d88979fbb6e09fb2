import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError } from '../errors.ts'

/**
 * A run of characters in a body that may be a number literal a double cannot hold exactly: 16 or more
 * digits and dots from a digit on (more than 15 significant digits), or an exponent of three digits (out
 * of a double's range). Bodies without one take the plain parser; a false alarm (a long digit string
 * inside a JSON string) only costs the precise check.
 */
const SUSPICIOUS_NUMBER = /\d[\d.]{15}|\d[eE][+-]?\d{3}/

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/

/**
 * A decimal literal in a canonical form, `[-]<digits>e<exponent>` with no leading or trailing zeros in the
 * digits (`0` for zero, of either sign), so two spellings of the same value compare equal:
 * `100.0`, `1e2` and `100` all give `1e2`. `undefined` when the text is not a decimal (e.g. `Infinity`).
 */
function canonicalDecimal(text: string): string | undefined {
  const match = DECIMAL.exec(text)
  if (!match) return undefined
  const [, sign, whole = '', fraction = '', exponent = '0'] = match
  let digits = (whole + fraction).replace(/^0+/, '')
  let power = Number(exponent) - fraction.length
  if (digits === '') return '0'
  const trimmed = digits.replace(/0+$/, '')
  power += digits.length - trimmed.length
  digits = trimmed
  return `${sign}${digits}e${power}`
}

/**
 * Whether a JSON number literal (`source`, as written by the client) is exactly the double it parsed to
 * (`value`): its decimal value equals the shortest decimal form of the double. `100.0000000000000001`
 * (parses to 100) and `1e400` (parses to Infinity) are not.
 */
function isExactNumber(source: string, value: number): boolean {
  const written = canonicalDecimal(source)
  return written !== undefined && written === canonicalDecimal(String(value))
}

/** The body's keys whose number literal is not exactly representable (Node ≥ 21's reviver `source`). */
function inexactFields(body: string): string[] {
  const fields: string[] = []
  JSON.parse(body, (key: string, value: unknown, context?: { source?: string }) => {
    if (typeof value === 'number' && context?.source !== undefined && !isExactNumber(context.source, value)) {
      fields.push(key)
    }
    return value
  })
  return fields
}

/**
 * Replaces the JSON body parser of `app` with one that refuses, with 400 `VALIDATION_FAILED` naming the
 * fields, any number literal that a double would silently round (docs/validation.md: values are never
 * rounded). Parsing itself stays Fastify's default parser (prototype-poisoning protection, `INVALID_JSON`
 * on malformed bodies); the precise check runs only on bodies that contain a suspicious number-like run.
 */
export function registerJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    (
      request: FastifyRequest,
      body: string | Buffer,
      done: (error: Error | null, value?: unknown) => void,
    ) => {
      parse(request, body as string, (error: Error | null, value?: unknown) => {
        if (error) return done(error)
        const text = typeof body === 'string' ? body : body.toString('utf8')
        if (!SUSPICIOUS_NUMBER.test(text)) return done(null, value)
        const fields = inexactFields(text)
        if (fields.length === 0) return done(null, value)
        done(
          new AppError('VALIDATION_FAILED', {
            message: `요청 값이 올바르지 않습니다: ${[...new Set(fields)].join(', ')}`,
            details: fields.map((field) => ({
              field,
              rule: 'precision',
              message: 'number has more precision than a double holds; it would be rounded',
            })),
          }),
        )
      })
    },
  )
}
