import { registerDashboard } from '../dashboard/routes.ts'
import { Faults } from '../platform/faults.ts'
import type { FlowTopics } from '../platform/kafka.ts'
import { RedisLock } from '../platform/lock.ts'
import { type Feature, type FeatureContext, oncePerRuntime, type Runtime } from '../runtime.ts'
import { ReadThroughCache } from '../shared/read-through-cache.ts'
import { RequestIndex } from '../shared/request-index.ts'
import { SettlementSignal } from '../shared/settlement-feed.ts'
import { WriteMetrics } from '../shared/write-metrics.ts'
import { couponConsumer } from './consumer.ts'
import { CouponReconciler } from './reconcile.ts'
import { CouponRepository } from './repository.ts'
import { couponRequestSource, registerCouponEventRoutes } from './request-events.ts'
import { registerCouponRoutes } from './routes.ts'
import { CouponService } from './service.ts'
import { createCouponState } from './state.ts'
import { CouponStock } from './stock.ts'
import type { StrategyDeps } from './strategies/deps.ts'
import type { IssueRequest, PendingRequest } from './types.ts'

/** Builds the coupon domain's objects once per runtime. */
function wire(
  runtime: Runtime,
  topics: FlowTopics,
): StrategyDeps & { faults: Faults; reconciler: CouponReconciler; settled: SettlementSignal } {
  const logger = runtime.logger.child({ flow: 'coupon' })
  const repository = new CouponRepository(runtime.pool)
  const stock = new CouponStock(runtime.redis)
  const lock = new RedisLock(runtime.redis, runtime.config.http.lock)
  return {
    reconciler: new CouponReconciler(repository, stock, lock, logger),
    repository,
    stock,
    state: createCouponState(repository, stock, logger),
    policies: new ReadThroughCache((id) => repository.findPolicy(id)),
    index: new RequestIndex<PendingRequest>(runtime.redis, 'c'),
    lock,
    producer: runtime.producer,
    topics,
    logger,
    now: () => new Date(),
    faults: new Faults(runtime.config.faultInjection, logger),
    settled: new SettlementSignal(runtime.redis, runtime.config.redis.keyPrefix, 'coupon', logger),
  }
}

const deps = oncePerRuntime(wire)

/** The coupon service (port 3001): first-come coupon issuance. */
export const couponFeature: Feature<IssueRequest> = {
  name: 'coupon',
  title: 'Coupon service',
  topics: {
    requests: 'coupon-issue-requests',
    success: 'coupon-issue-success',
    failures: 'coupon-issue-failures',
    dlq: 'coupon-issue-dlq',
  },
  portVariable: 'COUPON_PORT',
  port: (config) => config.coupon.port,
  groupId: (config) => config.coupon.groupId,
  prepare: async (runtime, { topics }) => {
    const { state, logger } = deps(runtime, topics)
    const { active, built } = await state.warmUp()
    logger.info({ active, rebuilt: built }, 'coupon state ready')
  },
  routes: (app, runtime, context: FeatureContext) => {
    const d = deps(runtime, context.topics)
    const service = new CouponService(d)
    const requests = new WriteMetrics(runtime.registry, 'coupon')
    registerCouponEventRoutes(app, couponRequestSource(service, d.index))
    registerCouponRoutes(app, {
      service,
      requests,
      adminToken: runtime.config.http.adminToken,
      rateLimits: runtime.config.http.rateLimit,
      admin: {
        dlq: {
          kafka: runtime.config.kafka,
          topics: context.topics,
          pool: runtime.pool,
          producer: runtime.producer,
        },
        lag: context.lag,
        reconciler: d.reconciler,
        overview: {
          flow: 'coupon',
          registry: runtime.registry,
          requests,
          promotions: (limit) => service.summaries(limit),
        },
      },
    })
    return registerDashboard(app, {
      flow: 'coupon',
      apiPrefix: '/api/coupons',
      adminToken: runtime.config.http.adminToken,
    })
  },
  consumer: (runtime, { topics }) => couponConsumer(deps(runtime, topics)),
  reconciler: (runtime, { topics }) => deps(runtime, topics).reconciler,
}
