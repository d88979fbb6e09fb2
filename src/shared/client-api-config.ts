/**
 * Settings of the client-facing extras of the HTTP API: result streams (SSE), `Idempotency-Key` and the
 * optional user JWT. Only schemas and their mapping live here; `src/config.ts` reads the environment.
 */
import { z } from 'zod'
import type { JwtAuthConfig } from '../platform/auth.ts'
import { nonNegativeInt, positiveInt } from '../platform/env-kinds.ts'

/** Environment variables of the client API, merged into the schema of `src/config.ts`. */
export const clientApiEnv = {
  /** Open result streams (SSE) one process serves at once; beyond → 503 TOO_MANY_STREAMS. */
  SSE_MAX_CONNECTIONS: positiveInt.max(100_000).default(1_000),
  /** Interval of the comment line that keeps an idle stream (and proxies) alive, in ms. */
  SSE_HEARTBEAT_MS: positiveInt.min(100).max(300_000).default(15_000),
  /** How often an open stream re-checks its request even without a pub/sub signal, in ms. */
  SSE_POLL_MS: positiveInt.min(50).max(60_000).default(2_000),
  /** Longest life of one stream, in ms; the client reconnects with `Last-Event-ID` to go on. */
  SSE_MAX_DURATION_MS: positiveInt.min(1_000).max(86_400_000).default(600_000),
  /** How long an `Idempotency-Key` answer is kept and replayed, in ms (default 24 h). */
  IDEMPOTENCY_RETENTION_MS: positiveInt
    .min(1_000)
    .max(30 * 86_400_000)
    .default(86_400_000),
  /** How long a retry waits for the answer of the same key still in flight before 409, in ms; 0 = not at all. */
  IDEMPOTENCY_WAIT_MS: nonNegativeInt.max(60_000).default(3_000),
  /** Shared secret (HS256/384/512, at least 32 characters) that user JWTs are signed with; empty = auth off. */
  AUTH_JWT_SECRET: z.string().default(''),
  /** Path of a PEM public key (SPKI) that user JWTs are verified with; empty = not used. */
  AUTH_JWT_PUBLIC_KEY_FILE: z.string().default(''),
  /** Path of a JWKS file (`{"keys":[…]}`) that user JWTs are verified with; empty = not used. */
  AUTH_JWT_JWKS_FILE: z.string().default(''),
  /** Accepted signature algorithms, e.g. `RS256,ES256`; empty = HS256 with a secret, RS256 with a key file. */
  AUTH_JWT_ALGORITHMS: z.string().default(''),
  /** Required `iss` claim; empty = not checked. */
  AUTH_JWT_ISSUER: z.string().default(''),
  /** Required `aud` claim; empty = not checked. */
  AUTH_JWT_AUDIENCE: z.string().default(''),
  /** Clock skew tolerated on `exp`, `nbf` and `iat` (a token issued later than now + skew is refused), in s. */
  AUTH_JWT_CLOCK_TOLERANCE_S: nonNegativeInt.max(3_600).default(5),
}

/** JWS algorithms a user token may be signed with (never `none`). */
const ALGORITHMS = new Set([
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
])

type ClientApiEnv = { [K in keyof typeof clientApiEnv]: z.infer<(typeof clientApiEnv)[K]> }

export interface ClientApiConfig {
  readonly events: {
    readonly maxConnections: number
    readonly heartbeatMs: number
    readonly pollMs: number
    readonly maxDurationMs: number
  }
  readonly idempotency: { readonly retentionMs: number; readonly waitMs: number }
  readonly auth: JwtAuthConfig | undefined
}

/** Maps the validated variables; returns problems (variable: message) instead of throwing. */
export function clientApiConfig(e: ClientApiEnv): { config: ClientApiConfig; problems: string[] } {
  const problems: string[] = []
  const sources = [
    e.AUTH_JWT_SECRET && ({ kind: 'secret', secret: e.AUTH_JWT_SECRET } as const),
    e.AUTH_JWT_PUBLIC_KEY_FILE && ({ kind: 'publicKeyFile', path: e.AUTH_JWT_PUBLIC_KEY_FILE } as const),
    e.AUTH_JWT_JWKS_FILE && ({ kind: 'jwksFile', path: e.AUTH_JWT_JWKS_FILE } as const),
  ].filter((source) => typeof source === 'object')
  if (sources.length > 1) {
    problems.push('AUTH_JWT_*: set only one of AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY_FILE, AUTH_JWT_JWKS_FILE')
  }
  if (e.AUTH_JWT_SECRET && e.AUTH_JWT_SECRET.length < 32) {
    problems.push('AUTH_JWT_SECRET: must be at least 32 characters')
  }
  const key = sources[0]
  const named = e.AUTH_JWT_ALGORITHMS.split(',')
    .map((algorithm) => algorithm.trim())
    .filter(Boolean)
  const algorithms = named.length > 0 ? named : key?.kind === 'secret' ? ['HS256'] : ['RS256']
  const unknown = algorithms.filter((algorithm) => !ALGORITHMS.has(algorithm))
  if (unknown.length > 0) problems.push(`AUTH_JWT_ALGORITHMS: unknown ${unknown.join(', ')}`)
  if (key && algorithms.some((algorithm) => algorithm.startsWith('HS') !== (key.kind === 'secret'))) {
    problems.push('AUTH_JWT_ALGORITHMS: HS* algorithms go with AUTH_JWT_SECRET only, others with a key file')
  }
  return {
    problems,
    config: {
      events: {
        maxConnections: e.SSE_MAX_CONNECTIONS,
        heartbeatMs: e.SSE_HEARTBEAT_MS,
        pollMs: e.SSE_POLL_MS,
        maxDurationMs: e.SSE_MAX_DURATION_MS,
      },
      idempotency: { retentionMs: e.IDEMPOTENCY_RETENTION_MS, waitMs: e.IDEMPOTENCY_WAIT_MS },
      auth: key
        ? {
            key,
            algorithms,
            issuer: e.AUTH_JWT_ISSUER,
            audience: e.AUTH_JWT_AUDIENCE,
            clockToleranceS: e.AUTH_JWT_CLOCK_TOLERANCE_S,
          }
        : undefined,
    },
  }
}
