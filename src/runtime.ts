import { hostname } from 'node:os'
import type { Config } from './config.ts'
import { createBatchHandler, type ProcessorOptions } from './pipeline/processor.ts'
import { createHttpServer, type FastifyInstance } from './platform/http.ts'
import {
  BatchingProducer,
  createProducer,
  ensureTopics,
  type FlowTopics,
  pingKafka,
  prefixTopics,
} from './platform/kafka.ts'
import { BatchConsumer, type RawMessage } from './platform/kafka-consumer.ts'
import { LagMonitor, registerConsumerMetrics } from './platform/lag-metrics.ts'
import { Lifecycle } from './platform/lifecycle.ts'
import { createLogger, type Logger } from './platform/logger.ts'
import { Counter, createRegistry, type Registry } from './platform/metrics.ts'
import { createPool, migrate, type Pool } from './platform/postgres.ts'
import { createRedis, type Redis } from './platform/redis.ts'
import { registerClientApi } from './shared/client-api.ts'
import type { Reconciler } from './shared/reconciler.ts'

/** The shared clients of one service process. Features receive it and take what they use. */
export interface Runtime {
  readonly config: Config
  readonly logger: Logger
  readonly registry: Registry
  readonly pool: Pool
  readonly redis: Redis
  readonly producer: BatchingProducer
  readonly lifecycle: Lifecycle
}

/**
 * Connects to PostgreSQL (and applies migrations), Redis and Kafka (and creates the topics), so that a
 * process that starts is a process that can work. Resources close in reverse order on shutdown.
 * `instance` names this process among the instances of the service in logs and metrics (the `instance`
 * field and label); by default host name and pid.
 */
export async function createRuntime(
  config: Config,
  name: string,
  instance = `${hostname()}-${process.pid}`,
): Promise<Runtime> {
  const logger = createLogger({ level: config.logLevel, name, instance })
  const lifecycle = new Lifecycle(logger)
  const registry = createRegistry(name, instance)

  await migrate(config.postgres.migrationUrl, logger)
  const pool = createPool(config.postgres, logger)
  lifecycle.add('postgres', () => pool.end())

  const redis = createRedis(config.redis, name, logger)
  lifecycle.add('redis', () => redis.quit())

  // Imported here, not at the top: the flows' modules import this one (a static import would be a cycle).
  const { allTopics } = await import('./flows.ts')
  await ensureTopics(config.kafka, allTopics(config.kafka.topicPrefix), logger)
  const producer = new BatchingProducer(() => createProducer(config.kafka, `${name}-producer`), {
    timeoutMs: 15_000,
  })
  lifecycle.add('kafka producer', () => producer.close())

  return { config, logger, registry, pool, redis, producer, lifecycle }
}

/** What a feature gets besides the runtime: its topics and the lag monitor of its consumer group. */
export interface FeatureContext {
  readonly topics: FlowTopics
  readonly lag: LagMonitor
}

/**
 * A flow's descriptor (one kind of promotion plugged into the pipeline): its name, topics, port and
 * consumer group, its HTTP routes and, for v3, the consumer steps of its request topic and its
 * reconciler. Each domain exports one; src/flows.ts lists them.
 */
export interface Feature<T = unknown> {
  /** The flow's name: the CLI command that serves it, `--flow`/`--service` values, log and metric label. */
  readonly name: string
  readonly title: string
  /** Topic names without KAFKA_TOPIC_PREFIX (SPEC §3). */
  readonly topics: FlowTopics
  /** The environment variable of the HTTP port (for `--help`). */
  readonly portVariable: string
  readonly port: (config: Config) => number
  readonly groupId: (config: Config) => string
  /** Prepares state before traffic, e.g. rebuilding Redis from PostgreSQL. */
  readonly prepare?: (runtime: Runtime, context: FeatureContext) => Promise<void>
  readonly routes: (app: FastifyInstance, runtime: Runtime, context: FeatureContext) => void | Promise<void>
  readonly consumer?: (
    runtime: Runtime,
    context: FeatureContext,
  ) => Pick<ProcessorOptions<T>, 'decode' | 'process'>
  readonly reconciler?: (runtime: Runtime, context: FeatureContext) => Reconciler
}

export interface StartedFeature {
  readonly app: FastifyInstance | undefined
  readonly consumer: BatchConsumer | undefined
  readonly url: string | undefined
}

export interface StartOptions {
  /** Serve HTTP (default true). */
  readonly http?: boolean
  /** Run the consumer (default: `config.consumer.enabled`). */
  readonly consume?: boolean
  /** Port override; 0 picks a free one (tests). */
  readonly port?: number
  readonly instanceId?: string
}

/**
 * Memoizes a feature's wiring per runtime, so its routes, consumer and reconciler share one set of objects
 * (one cache, one state loader) within a process.
 */
export function oncePerRuntime<T>(build: (runtime: Runtime, topics: FlowTopics) => T) {
  const built = new WeakMap<Runtime, T>()
  return (runtime: Runtime, topics: FlowTopics): T => {
    let value = built.get(runtime)
    if (value === undefined) {
      value = build(runtime, topics)
      built.set(runtime, value)
    }
    return value
  }
}

/** The topics and lag monitor of a feature under a configuration. */
export function featureContext<T>(config: Config, feature: Feature<T>): FeatureContext {
  const topics = prefixTopics(feature.topics, config.kafka.topicPrefix)
  return { topics, lag: new LagMonitor(config.kafka, feature.groupId(config), [topics.requests]) }
}

/**
 * Periodically compares Redis with PostgreSQL and repairs drift (a Redis that lost writes, a v1 claim that
 * never reached Redis). Runs next to the consumer; several processes doing it at once is safe.
 */
function scheduleReconciliation(runtime: Runtime, flow: string, reconciler: Reconciler): void {
  const drifted = new Counter({
    name: `${flow}_reconcile_drift_total`,
    help: `Promotions of the ${flow} flow whose Redis state drifted from PostgreSQL and was repaired`,
    registers: [runtime.registry],
  })
  let busy = false
  const timer = setInterval(() => {
    if (busy) return
    busy = true
    reconciler
      .reconcileAll(true)
      .then((reports) => drifted.inc(reports.filter((report) => report.drifted).length))
      .catch((error: unknown) => runtime.logger.warn({ err: error, flow }, 'reconciliation failed'))
      .finally(() => {
        busy = false
      })
  }, runtime.config.reconcileIntervalMs)
  timer.unref()
  runtime.lifecycle.add(`${flow} reconciliation`, async () => clearInterval(timer))
}

/** Starts a feature's HTTP server and/or consumer on a runtime. */
export async function startFeature<T>(
  runtime: Runtime,
  feature: Feature<T>,
  options: StartOptions = {},
): Promise<StartedFeature> {
  const { config, logger, lifecycle } = runtime
  const context = featureContext(config, feature)
  const { topics } = context
  const groupId = feature.groupId(config)
  await feature.prepare?.(runtime, context)

  let consumer: BatchConsumer | undefined
  if ((options.consume ?? config.consumer.enabled) && feature.consumer) {
    const work = feature.consumer(runtime, context)
    consumer = new BatchConsumer({
      kafka: config.kafka,
      groupId,
      topics: [topics.requests],
      batchSize: config.consumer.batchSize,
      pauseMs: config.consumer.batchPauseMs,
      sessionTimeoutMs: config.consumer.sessionTimeoutMs,
      logger: logger.child({ component: 'consumer', flow: feature.name }),
      ...(options.instanceId ? { instanceId: options.instanceId } : {}),
      handle: createBatchHandler<T>({
        flow: feature.name,
        topics,
        ...work,
        producer: runtime.producer,
        retry: config.consumer,
        logger: logger.child({ component: 'pipeline', flow: feature.name }),
        registry: runtime.registry,
      }) as (batch: readonly RawMessage[]) => Promise<void>,
    })
    await consumer.start()
    const started = consumer
    lifecycle.add(`${feature.name} consumer`, () => started.close())
  }

  const running = consumer
  registerConsumerMetrics(runtime.registry, context.lag, groupId, () => running?.stats)
  if (running && feature.reconciler && config.reconcileIntervalMs > 0) {
    scheduleReconciliation(runtime, feature.name, feature.reconciler(runtime, context))
  }

  let app: FastifyInstance | undefined
  let url: string | undefined
  if (options.http ?? true) {
    app = await createHttpServer(
      {
        name: feature.name,
        title: feature.title,
        bodyLimit: config.http.bodyLimit,
        timeouts: config.http.timeouts,
        logger,
        registry: runtime.registry,
        rateLimitStore: runtime.redis,
        admission: {
          limits: config.http.overload,
          producerBacklog: () => runtime.producer.unacknowledged,
        },
        readiness: {
          postgres: async () => {
            await runtime.pool.query('SELECT 1')
          },
          redis: async () => {
            await runtime.redis.ping()
          },
          kafka: () => pingKafka(config.kafka),
        },
      },
      async (instance) => {
        await registerClientApi(instance, runtime, feature.name)
        await feature.routes(instance, runtime, context)
      },
    )
    url = await app.listen({ host: config.http.host, port: options.port ?? feature.port(config) })
    const server = app
    lifecycle.add(`${feature.name} http`, () => server.close())
    logger.info({ url, docs: `${url}/docs` }, `${feature.name} service listening`)
    if (!config.http.adminToken) {
      logger.warn(
        'ADMIN_TOKEN is not set: admin endpoints (promotion creation, DLQ, reconciliation) and the dashboard accept loopback clients only; set it to reach them from elsewhere',
      )
    }
  }
  return { app, consumer, url }
}
