import type { Runtime } from '../runtime.ts'
import { type FlowBasics, flowFeature } from '../shared/flow-feature.ts'
import { ReadThroughCache } from '../shared/read-through-cache.ts'
import { RequestIndex } from '../shared/request-index.ts'
import { couponConsumer } from './consumer.ts'
import { CouponReconciler } from './reconcile.ts'
import { CouponRepository } from './repository.ts'
import { couponRequestSource, registerCouponEventRoutes } from './request-events.ts'
import { registerCouponRoutes } from './routes.ts'
import { CouponService } from './service.ts'
import { createCouponState } from './state.ts'
import { CouponStock } from './stock.ts'
import type { IssueRequest, PendingRequest } from './types.ts'

/** The coupon domain's objects (the strategies', the consumer's and the reconciler's dependencies). */
function wire({ pool, redis }: Runtime, basics: FlowBasics) {
  const repository = new CouponRepository(pool)
  const stock = new CouponStock(redis)
  return {
    ...basics,
    repository,
    stock,
    reconciler: new CouponReconciler(repository, stock, basics.lock, basics.logger),
    state: createCouponState(repository, stock, basics.logger),
    policies: new ReadThroughCache((id) => repository.findPolicy(id)),
    index: new RequestIndex<PendingRequest>(redis, 'c'),
  }
}

/** The coupon service (port 3001): first-come coupon issuance. */
export const couponFeature = flowFeature<IssueRequest, ReturnType<typeof wire>, CouponService>({
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
  apiPrefix: '/api/coupons',
  wire,
  service: (deps) => new CouponService(deps),
  routes: (app, service, deps, context) => {
    registerCouponEventRoutes(app, couponRequestSource(service, deps.index))
    registerCouponRoutes(app, { service, ...context })
  },
  consumer: couponConsumer,
})
