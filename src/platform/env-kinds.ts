/**
 * The kinds of value environment variables hold, as zod schemas that coerce the variable's text: every
 * settings module (src/config.ts and its fragments) builds its schema from these, so a port or a list of
 * `host:port` means the same everywhere.
 */
import { z } from 'zod'

/** A TCP port, 1–65535. */
export const port = z.coerce.number().int().min(1).max(65_535)
/** An integer ≥ 1. */
export const positiveInt = z.coerce.number().int().min(1)
/** An integer ≥ 0 (0 usually means "off"). */
export const nonNegativeInt = z.coerce.number().int().min(0)

/** `true`/`false`, `1`/`0` or `yes`/`no`. */
export const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes')

/** A URL with one of `protocols`, e.g. `url(['redis', 'rediss'])`. */
export const url = (protocols: string[]) =>
  z
    .string()
    .url()
    .refine((value) => protocols.some((protocol) => value.startsWith(`${protocol}://`)), {
      message: `must start with ${protocols.map((protocol) => `${protocol}://`).join(' or ')}`,
    })

const HOST_PORT = /^[^\s:]+:\d{1,5}$/

/** A non-empty comma-separated list of `host:port` (spaces around commas ignored), e.g. Kafka brokers. */
export const hostPortList = z
  .string()
  .min(1)
  .transform((value) => value.split(',').map((node) => node.trim()))
  .refine((nodes) => nodes.every((node) => HOST_PORT.test(node)), {
    message: 'must be a comma-separated list of host:port',
  })

/** A comma-separated list; empty (the default) means none, blank entries are dropped, spaces trimmed. */
export const commaList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  )

/** Like {@link hostPortList}, but empty (the default) means none. */
export const optionalHostPortList = commaList.refine((nodes) => nodes.every((node) => HOST_PORT.test(node)), {
  message: 'must be a comma-separated list of host:port',
})
