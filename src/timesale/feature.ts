import { registerDashboard } from '../dashboard/routes.ts'
import { Faults } from '../platform/faults.ts'
import type { FlowTopics } from '../platform/kafka.ts'
import { RedisLock } from '../platform/lock.ts'
import { type Feature, oncePerRuntime, type Runtime } from '../runtime.ts'
import { ReadThroughCache } from '../shared/read-through-cache.ts'
import { RequestIndex } from '../shared/request-index.ts'
import { SettlementSignal } from '../shared/settlement-feed.ts'
import { WriteMetrics } from '../shared/write-metrics.ts'
import { timesaleConsumer } from './consumer.ts'
import { TimeSaleReconciler } from './reconcile.ts'
import { TimeSaleRepository } from './repository.ts'
import { registerTimeSaleEventRoutes, timesaleRequestSource } from './request-events.ts'
import { RequestRepository } from './request-repository.ts'
import { registerTimeSaleRoutes } from './routes.ts'
import { TimeSaleService, type TimeSaleServiceDeps } from './service.ts'
import { createTimeSaleState } from './state.ts'
import { TimeSaleStock } from './stock.ts'
import type { OrderRequest, QueuedRequest } from './types.ts'

/** Builds the time-sale domain's objects once per runtime. */
function wire(
  runtime: Runtime,
  topics: FlowTopics,
): TimeSaleServiceDeps & { faults: Faults; reconciler: TimeSaleReconciler; settled: SettlementSignal } {
  const logger = runtime.logger.child({ flow: 'timesale' })
  const repository = new TimeSaleRepository(runtime.pool)
  const stock = new TimeSaleStock(runtime.redis)
  return {
    repository,
    requests: new RequestRepository(runtime.pool),
    stock,
    index: new RequestIndex<QueuedRequest>(runtime.redis, 't'),
    state: createTimeSaleState(repository, stock, logger),
    reconciler: new TimeSaleReconciler(repository, stock, logger),
    sales: new ReadThroughCache((id) => repository.findSale(id)),
    lock: new RedisLock(runtime.redis, runtime.config.http.lock),
    producer: runtime.producer,
    topics,
    logger,
    now: () => new Date(),
    faults: new Faults(runtime.config.faultInjection, logger),
    settled: new SettlementSignal(runtime.redis, runtime.config.redis.keyPrefix, 'timesale', logger),
  }
}

const deps = oncePerRuntime(wire)

/** The time-sale service (port 3003): flash-sale orders. */
export const timesaleFeature: Feature<OrderRequest> = {
  name: 'timesale',
  title: 'Time-sale service',
  topics: {
    requests: 'timesale-order-requests',
    success: 'timesale-order-success',
    failures: 'timesale-order-failures',
    dlq: 'timesale-order-dlq',
  },
  portVariable: 'TIMESALE_PORT',
  port: (config) => config.timesale.port,
  groupId: (config) => config.timesale.groupId,
  prepare: async (runtime, { topics }) => {
    const { state, logger } = deps(runtime, topics)
    const { active, built } = await state.warmUp()
    logger.info({ active, rebuilt: built }, 'time-sale state ready')
  },
  routes: (app, runtime, { topics, lag }) => {
    const d = deps(runtime, topics)
    const service = new TimeSaleService(d)
    const requests = new WriteMetrics(runtime.registry, 'timesale')
    registerTimeSaleEventRoutes(app, timesaleRequestSource(service, d.index, d.stock))
    registerTimeSaleRoutes(app, {
      service,
      requests,
      adminToken: runtime.config.http.adminToken,
      rateLimits: runtime.config.http.rateLimit,
      admin: {
        dlq: { kafka: runtime.config.kafka, topics, pool: runtime.pool, producer: runtime.producer },
        lag,
        reconciler: d.reconciler,
        overview: {
          flow: 'timesale',
          registry: runtime.registry,
          requests,
          promotions: (limit) => service.summaries(limit),
        },
      },
    })
    return registerDashboard(app, {
      flow: 'timesale',
      apiPrefix: '/api/timesales',
      adminToken: runtime.config.http.adminToken,
    })
  },
  consumer: (runtime, { topics }) => timesaleConsumer(deps(runtime, topics)),
  reconciler: (runtime, { topics }) => deps(runtime, topics).reconciler,
}
