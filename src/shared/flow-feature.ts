/**
 * A flow's descriptor (`Feature`, runtime.ts) from what its domain really supplies: the wiring of its own
 * objects, its service, its routes and its consumer steps. The rest is the same for every flow and written
 * here once: the shared objects each flow gets (logger, lock, producer, fault points, settlement signal),
 * the state warm-up before traffic, the write metrics, the admin endpoints and the dashboard.
 */

import type { PromotionSummary } from '../dashboard/overview.ts'
import { registerDashboard } from '../dashboard/routes.ts'
import type { ProcessorOptions } from '../pipeline/processor.ts'
import { Faults } from '../platform/faults.ts'
import type { FastifyInstance } from '../platform/http.ts'
import type { BatchingProducer, FlowTopics } from '../platform/kafka.ts'
import { RedisLock } from '../platform/lock.ts'
import type { Logger } from '../platform/logger.ts'
import { type Feature, oncePerRuntime, type Runtime } from '../runtime.ts'
import type { AdminDeps } from './admin-routes.ts'
import type { FlowRouteDeps } from './flow-routes.ts'
import type { Reconciler } from './reconciler.ts'
import { SettlementSignal } from './settlement-feed.ts'
import { WriteMetrics } from './write-metrics.ts'

/** The objects every flow's wiring starts from, built once per runtime. */
export interface FlowBasics {
  /** The runtime's logger with `flow` set. */
  readonly logger: Logger
  readonly lock: RedisLock
  readonly producer: BatchingProducer
  readonly topics: FlowTopics
  readonly now: () => Date
  /** FAULT_INJECTION points (chaos tests). */
  readonly faults: Faults
  /** Tells open result streams on every API instance which requests settled. */
  readonly settled: SettlementSignal
}

/** What a flow's wiring must hold besides its own objects. */
export interface FlowWiring extends FlowBasics {
  /** The Redis state rebuilt from PostgreSQL before traffic. */
  readonly state: { warmUp(): Promise<{ active: number; built: number }> }
  readonly reconciler: Reconciler
}

/** What a flow's routes get: the shared route settings and its admin endpoints' dependencies. */
export type FlowRouteContext = Omit<FlowRouteDeps, 'tag'> & { readonly admin: AdminDeps }

/** What a domain supplies to become a flow. */
export interface FlowDefinition<T, D extends FlowWiring, S>
  extends Omit<Feature<T>, 'prepare' | 'routes' | 'consumer' | 'reconciler'> {
  /** Path prefix of its API (`/api/coupons`): admin endpoints, dashboard. */
  readonly apiPrefix: string
  /** Its own objects, from the shared ones. */
  readonly wire: (runtime: Runtime, basics: FlowBasics) => D
  readonly service: (deps: D) => S & { summaries(limit: number): Promise<PromotionSummary[]> }
  /** Registers its routes (and result streams). */
  readonly routes: (app: FastifyInstance, service: S, deps: D, context: FlowRouteContext) => void
  /** Its consumer steps. */
  readonly consumer: (deps: D) => Pick<ProcessorOptions<T>, 'decode' | 'process'>
}

/** The descriptor of the flow `definition` describes. */
export function flowFeature<T, D extends FlowWiring, S>(definition: FlowDefinition<T, D, S>): Feature<T> {
  const { name, apiPrefix } = definition
  const deps = oncePerRuntime((runtime, topics) => {
    const logger = runtime.logger.child({ flow: name })
    return definition.wire(runtime, {
      logger,
      lock: new RedisLock(runtime.redis, runtime.config.http.lock),
      producer: runtime.producer,
      topics,
      now: () => new Date(),
      faults: new Faults(runtime.config.faultInjection, logger),
      settled: new SettlementSignal(runtime.redis, runtime.config.redis.keyPrefix, name, logger),
    })
  })
  return {
    name,
    title: definition.title,
    topics: definition.topics,
    portVariable: definition.portVariable,
    port: definition.port,
    groupId: definition.groupId,
    prepare: async (runtime, { topics }) => {
      const { state, logger } = deps(runtime, topics)
      const { active, built } = await state.warmUp()
      logger.info({ active, rebuilt: built }, 'state ready')
    },
    routes: (app, runtime, { topics, lag }) => {
      const d = deps(runtime, topics)
      const service = definition.service(d)
      const requests = new WriteMetrics(runtime.registry, name)
      const { adminToken, rateLimit } = runtime.config.http
      definition.routes(app, service, d, {
        requests,
        adminToken,
        rateLimits: rateLimit,
        admin: {
          dlq: { kafka: runtime.config.kafka, topics, pool: runtime.pool, producer: runtime.producer },
          lag,
          reconciler: d.reconciler,
          overview: {
            flow: name,
            registry: runtime.registry,
            requests,
            promotions: (limit) => service.summaries(limit),
          },
        },
      })
      return registerDashboard(app, { flow: name, apiPrefix, adminToken })
    },
    consumer: (runtime, { topics }) => definition.consumer(deps(runtime, topics)),
    reconciler: (runtime, { topics }) => deps(runtime, topics).reconciler,
  }
}
