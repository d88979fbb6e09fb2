/**
 * The only module that reads `process.env`. Every setting is validated once, defaulted explicitly and
 * frozen; the rest of the code receives the slice it needs.
 */
import { z } from 'zod'
import {
  boolean,
  commaList,
  hostPortList,
  nonNegativeInt,
  optionalHostPortList,
  port,
  positiveInt,
  url,
} from './platform/env-kinds.ts'
import { type HttpConfig, httpConfig, httpEnv } from './platform/http-config.ts'
import { type ClientApiConfig, clientApiConfig, clientApiEnv } from './shared/client-api-config.ts'

/** Environment variables, their defaults and their constraints. Example values in comments. */
const schema = z.object({
  /** `info` | `debug` | `warn` | `error` | `silent` */
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  COUPON_PORT: port.default(3001),
  TIMESALE_PORT: port.default(3003),

  /** HTTP edge: bind address, limits, timeouts, admin token, rate limits, v2 lock, admission control. */
  ...httpEnv,

  /**
   * e.g. `localhost:9092` or `k1:9092,k2:9092,k3:9092`. Unset: `localhost:$LOCAL_KAFKA_PORT` (see
   * {@link localStackDefaults}).
   */
  KAFKA_BROKERS: hostPortList.default(['localhost:9092']),
  KAFKA_CLIENT_ID: z.string().min(1).default('promotion-system'),
  /** Consumer group of the coupon service. */
  KAFKA_GROUP_ID: z.string().min(1).default('coupon-service-group'),
  /** Consumer group of the time-sale service. */
  TIMESALE_KAFKA_GROUP_ID: z.string().min(1).default('timesale-service-group'),
  /** Prepended to every topic name; lets tests and tenants use their own topics. */
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'may only contain letters, digits, ".", "_" and "-"')
    .default(''),
  KAFKA_TOPIC_PARTITIONS: positiveInt.max(1000).default(6),
  KAFKA_REPLICATION_FACTOR: positiveInt.max(10).default(1),
  /** Largest batch one consumer hands to a handler. */
  CONSUMER_BATCH_SIZE: positiveInt.max(10_000).default(2_000),
  /**
   * Pause between two batches while a backlog drains, in ms; 0 = none. Leaves Redis, PostgreSQL and the
   * CPU to the accept path between batches: during a flood the lag grows, and it drains afterwards.
   */
  CONSUMER_BATCH_PAUSE_MS: nonNegativeInt.max(10_000).default(10),
  /** Attempts after the first one before a message goes to the DLQ. */
  CONSUMER_MAX_RETRIES: nonNegativeInt.max(10).default(3),
  /** First retry delay in ms; doubles each attempt. */
  CONSUMER_RETRY_BACKOFF_MS: nonNegativeInt.max(60_000).default(200),
  /**
   * How long the group waits for a silent consumer before giving its partitions to others, in ms.
   * The broker accepts 6000–1800000 by default.
   */
  CONSUMER_SESSION_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(1_800_000).default(10_000),
  /** How often a consumer process compares Redis with PostgreSQL and repairs drift, in ms; 0 = never. */
  RECONCILE_INTERVAL_MS: nonNegativeInt.max(86_400_000).default(60_000),
  /** Whether `coupon` / `timesale` processes run their Kafka consumer next to the API. */
  CONSUMER_ENABLED: boolean.default(true),

  /** e.g. `redis://127.0.0.1:6380`. Unset: `redis://127.0.0.1:$LOCAL_REDIS_PORT`. */
  REDIS_URL: url(['redis', 'rediss']).default('redis://127.0.0.1:6380'),
  /**
   * Redis Cluster seed nodes, e.g. `10.0.0.1:7000,10.0.0.2:7000`; when set, the services use Redis Cluster
   * and ignore REDIS_URL. Empty = one Redis node at REDIS_URL.
   */
  REDIS_CLUSTER_NODES: optionalHostPortList,
  /** Prepended to every Redis key; lets tests share one Redis. No `{`/`}`: keys carry hash tags. */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[^{}]*$/, 'must not contain "{" or "}" (Redis Cluster hash tags)')
    .default(''),

  /** e.g. `postgres://promotion:promotion@127.0.0.1:5433/promotion`. Unset: same on `$LOCAL_PG_PORT`. */
  DATABASE_URL: url(['postgres', 'postgresql']).default(
    'postgres://promotion:promotion@127.0.0.1:5433/promotion',
  ),
  /**
   * Where migrations run, e.g. `postgres://promotion:promotion@db:5432/promotion`: PostgreSQL itself,
   * when DATABASE_URL points at PgBouncer in transaction mode (the migration runner holds a session
   * advisory lock). Empty = DATABASE_URL.
   */
  MIGRATION_DATABASE_URL: url(['postgres', 'postgresql']).optional(),
  PG_POOL_MAX: positiveInt.max(500).default(20),

  /**
   * Test-only fault injection: comma-separated points at which the process kills itself with SIGKILL,
   * e.g. `coupon.after-reserve`. Empty in production.
   */
  FAULT_INJECTION: commaList,

  /** Result streams, Idempotency-Key, user JWT: see `src/shared/client-api-config.ts`. */
  ...clientApiEnv,
})

type Env = z.infer<typeof schema>

/**
 * Ports of the local stack (`infra/lib.sh`, docs/infra.md "Isolated stacks"). When set, they decide the
 * defaults of KAFKA_BROKERS, REDIS_URL and DATABASE_URL, so every entry point (services, CLI, bench,
 * tests) reaches the same stack; an explicit URL still wins.
 */
const localPorts = z.object({
  LOCAL_KAFKA_PORT: port.optional(),
  LOCAL_REDIS_PORT: port.optional(),
  LOCAL_PG_PORT: port.optional(),
})

/**
 * The connection defaults that follow from `LOCAL_KAFKA_PORT`, `LOCAL_REDIS_PORT` and `LOCAL_PG_PORT`
 * (each only when its port is set). Empty strings count as unset. Throws {@link ConfigError} on a bad port.
 */
function localStackDefaults(
  env: Record<string, string | undefined>,
): Partial<Record<'KAFKA_BROKERS' | 'REDIS_URL' | 'DATABASE_URL', string>> {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  )
  const parsed = localPorts.safeParse(present)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`)
  }
  const { LOCAL_KAFKA_PORT: kafka, LOCAL_REDIS_PORT: redis, LOCAL_PG_PORT: pg } = parsed.data
  return {
    ...(kafka === undefined ? {} : { KAFKA_BROKERS: `localhost:${kafka}` }),
    ...(redis === undefined ? {} : { REDIS_URL: `redis://127.0.0.1:${redis}` }),
    ...(pg === undefined ? {} : { DATABASE_URL: `postgres://promotion:promotion@127.0.0.1:${pg}/promotion` }),
  }
}

export interface KafkaConfig {
  readonly brokers: readonly string[]
  readonly clientId: string
  readonly topicPrefix: string
  readonly partitions: number
  readonly replicationFactor: number
}

export interface ConsumerConfig {
  readonly enabled: boolean
  readonly batchSize: number
  readonly batchPauseMs: number
  readonly maxRetries: number
  readonly retryBackoffMs: number
  readonly sessionTimeoutMs: number
}

export interface Config {
  readonly logLevel: Env['LOG_LEVEL']
  readonly http: HttpConfig
  readonly coupon: { readonly port: number; readonly groupId: string }
  readonly timesale: { readonly port: number; readonly groupId: string }
  readonly kafka: KafkaConfig
  readonly consumer: ConsumerConfig
  readonly redis: {
    readonly url: string
    readonly keyPrefix: string
    readonly clusterNodes: readonly string[]
  }
  readonly postgres: { readonly url: string; readonly migrationUrl: string; readonly poolMax: number }
  readonly faultInjection: readonly string[]
  readonly reconcileIntervalMs: number
  /** Result streams (SSE), Idempotency-Key and the optional user JWT. */
  readonly clientApi: ClientApiConfig
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}

/**
 * Validates an environment (by default `process.env`) and returns the frozen configuration.
 * Empty strings count as unset. Throws {@link ConfigError} naming every invalid variable.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  )
  const parsed = schema.safeParse({ ...localStackDefaults(env), ...present })
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`)
  }
  const e = parsed.data
  const http = httpConfig(e)
  const clientApi = clientApiConfig(e)
  const problems = [...http.problems, ...clientApi.problems]
  if (problems.length > 0) throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`)
  return deepFreeze({
    logLevel: e.LOG_LEVEL,
    http: http.config,
    coupon: { port: e.COUPON_PORT, groupId: e.KAFKA_GROUP_ID },
    timesale: { port: e.TIMESALE_PORT, groupId: e.TIMESALE_KAFKA_GROUP_ID },
    kafka: {
      brokers: e.KAFKA_BROKERS,
      clientId: e.KAFKA_CLIENT_ID,
      topicPrefix: e.KAFKA_TOPIC_PREFIX,
      partitions: e.KAFKA_TOPIC_PARTITIONS,
      replicationFactor: e.KAFKA_REPLICATION_FACTOR,
    },
    consumer: {
      enabled: e.CONSUMER_ENABLED,
      batchSize: e.CONSUMER_BATCH_SIZE,
      batchPauseMs: e.CONSUMER_BATCH_PAUSE_MS,
      maxRetries: e.CONSUMER_MAX_RETRIES,
      retryBackoffMs: e.CONSUMER_RETRY_BACKOFF_MS,
      sessionTimeoutMs: e.CONSUMER_SESSION_TIMEOUT_MS,
    },
    redis: { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX, clusterNodes: e.REDIS_CLUSTER_NODES },
    postgres: {
      url: e.DATABASE_URL,
      migrationUrl: e.MIGRATION_DATABASE_URL ?? e.DATABASE_URL,
      poolMax: e.PG_POOL_MAX,
    },
    faultInjection: e.FAULT_INJECTION,
    reconcileIntervalMs: e.RECONCILE_INTERVAL_MS,
    clientApi: clientApi.config,
  })
}

/**
 * Names and defaults of the variables, for `--help` and the README. The connection defaults follow the
 * `LOCAL_*_PORT` variables of `env` (see {@link localStackDefaults}).
 */
export function describeEnv(
  env: Record<string, string | undefined> = process.env,
): Array<{ name: string; default: string }> {
  const defaults: Record<string, unknown> = schema.parse(localStackDefaults(env))
  // Every variable, including those without a default of their own (listed as empty).
  return Object.keys(schema.shape).map((name) => {
    const value = defaults[name] ?? ''
    return { name, default: Array.isArray(value) ? value.join(',') : String(value) }
  })
}
