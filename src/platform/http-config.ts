/**
 * Settings of the HTTP edge of every service: bind address, body limit, timeouts, the admin token, rate
 * limits, the v2 lock and admission control. Only the schema fragment and its mapping live here;
 * `src/config.ts` reads the environment.
 */
import { z } from 'zod'
import { nonNegativeInt, positiveInt } from './env-kinds.ts'

/** Environment variables of the HTTP edge, merged into the schema of `src/config.ts`. */
export const httpEnv = {
  /** Address the HTTP servers bind to, e.g. `0.0.0.0`. */
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Largest accepted request body in bytes, e.g. `16384`. */
  HTTP_BODY_LIMIT: positiveInt.max(10 * 1024 * 1024).default(16_384),
  /** How long a client may take to send a request's headers before 408 and the connection is closed, in ms. */
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  /** How long a client may take to send a whole request (headers and body), in ms; at least the headers timeout. */
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** How long an idle keep-alive connection stays open between requests, in ms. */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: positiveInt.max(600_000).default(5_000),
  /** Issue/order requests one user (or IP, see RATE_LIMIT_BY) may send per window, all instances together; 0 = off. */
  RATE_LIMIT_MAX: nonNegativeInt.default(0),
  /** What a rate-limit budget belongs to: `user` (the body's userId) or `ip`. */
  RATE_LIMIT_BY: z.enum(['user', 'ip']).default('user'),
  /** The rate-limit window in ms, e.g. `1000`. */
  RATE_LIMIT_WINDOW_MS: positiveInt.max(3_600_000).default(1_000),
  /** v2: how long a request waits for its promotion's lock before 503 LOCK_TIMEOUT, in ms. */
  LOCK_WAIT_MS: positiveInt.max(60_000).default(10_000),
  /** v2: how long a lock lives if its holder dies, in ms. */
  LOCK_TTL_MS: positiveInt.max(60_000).default(5_000),
  /**
   * Admission control of write endpoints (503 OVERLOADED + Retry-After, nothing changed). Each limit 0 = off.
   * Mean event-loop delay over one sample interval, in ms, e.g. `30`.
   */
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: nonNegativeInt.max(60_000).default(30),
  /** Write requests being answered at once in this process (counted once their body is read), e.g. `1000`. */
  OVERLOAD_MAX_IN_FLIGHT: nonNegativeInt.max(1_000_000).default(1_000),
  /** Messages handed to the Kafka producer and not yet acknowledged by the broker, e.g. `5000`. */
  OVERLOAD_MAX_PRODUCER_BACKLOG: nonNegativeInt.max(10_000_000).default(5_000),
  /** V8 heap in use, in MiB, e.g. `1536`. */
  OVERLOAD_MAX_HEAP_MB: nonNegativeInt.max(1_048_576).default(1_536),
  /** How often event-loop delay, heap and producer backlog are sampled, in ms (at least 50: the delay monitor ticks every 10 ms). */
  OVERLOAD_SAMPLE_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(100),
  /** `Retry-After` of a shed request, in seconds. */
  OVERLOAD_RETRY_AFTER_S: positiveInt.max(3_600).default(1),
  /**
   * Token required by admin endpoints (promotion creation, DLQ replay, reconciliation, dashboard data);
   * empty = only loopback clients may use them.
   */
  ADMIN_TOKEN: z.string().default(''),
}

type HttpEnv = { [K in keyof typeof httpEnv]: z.infer<(typeof httpEnv)[K]> }

/** Limits past which a write endpoint sheds the request (503 `OVERLOADED`); 0 turns a limit off. */
export interface OverloadConfig {
  readonly maxEventLoopDelayMs: number
  readonly maxInFlight: number
  readonly maxProducerBacklog: number
  readonly maxHeapBytes: number
  readonly sampleIntervalMs: number
  readonly retryAfterSeconds: number
}

/** How long a client may take to send a request, and how long an idle keep-alive connection lives, in ms. */
export interface HttpTimeouts {
  readonly headersMs: number
  readonly requestMs: number
  readonly keepAliveMs: number
}

export interface HttpConfig {
  readonly host: string
  readonly bodyLimit: number
  readonly timeouts: HttpTimeouts
  readonly adminToken: string
  readonly rateLimit: { readonly max: number; readonly by: 'user' | 'ip'; readonly windowMs: number }
  readonly lock: { readonly waitMs: number; readonly ttlMs: number }
  readonly overload: OverloadConfig
}

/** Maps the validated variables; returns problems (variable: message) instead of throwing. */
export function httpConfig(e: HttpEnv): { config: HttpConfig; problems: string[] } {
  const problems =
    e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS
      ? ['HTTP_HEADERS_TIMEOUT_MS: must not be above HTTP_REQUEST_TIMEOUT_MS']
      : []
  return {
    problems,
    config: {
      host: e.HOST,
      bodyLimit: e.HTTP_BODY_LIMIT,
      timeouts: {
        headersMs: e.HTTP_HEADERS_TIMEOUT_MS,
        requestMs: e.HTTP_REQUEST_TIMEOUT_MS,
        keepAliveMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      },
      adminToken: e.ADMIN_TOKEN,
      rateLimit: { max: e.RATE_LIMIT_MAX, by: e.RATE_LIMIT_BY, windowMs: e.RATE_LIMIT_WINDOW_MS },
      lock: { waitMs: e.LOCK_WAIT_MS, ttlMs: e.LOCK_TTL_MS },
      overload: {
        maxEventLoopDelayMs: e.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS,
        maxInFlight: e.OVERLOAD_MAX_IN_FLIGHT,
        maxProducerBacklog: e.OVERLOAD_MAX_PRODUCER_BACKLOG,
        maxHeapBytes: e.OVERLOAD_MAX_HEAP_MB * 1024 * 1024,
        sampleIntervalMs: e.OVERLOAD_SAMPLE_INTERVAL_MS,
        retryAfterSeconds: e.OVERLOAD_RETRY_AFTER_S,
      },
    },
  }
}
