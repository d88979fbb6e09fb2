import type { Runtime } from '../runtime.ts'
import { type FlowBasics, flowFeature } from '../shared/flow-feature.ts'
import { ReadThroughCache } from '../shared/read-through-cache.ts'
import { RequestIndex } from '../shared/request-index.ts'
import { timesaleConsumer } from './consumer.ts'
import { TimeSaleReconciler } from './reconcile.ts'
import { TimeSaleRepository } from './repository.ts'
import { registerTimeSaleEventRoutes, timesaleRequestSource } from './request-events.ts'
import { RequestRepository } from './request-repository.ts'
import { registerTimeSaleRoutes } from './routes.ts'
import { TimeSaleService } from './service.ts'
import { createTimeSaleState } from './state.ts'
import { TimeSaleStock } from './stock.ts'
import type { OrderRequest, QueuedRequest } from './types.ts'

/** The time-sale domain's objects (the strategies', the consumer's and the reconciler's dependencies). */
function wire({ pool, redis }: Runtime, basics: FlowBasics) {
  const repository = new TimeSaleRepository(pool)
  const stock = new TimeSaleStock(redis)
  return {
    ...basics,
    repository,
    requests: new RequestRepository(pool),
    stock,
    index: new RequestIndex<QueuedRequest>(redis, 't'),
    state: createTimeSaleState(repository, stock, basics.logger),
    reconciler: new TimeSaleReconciler(repository, stock, basics.logger),
    sales: new ReadThroughCache((id) => repository.findSale(id)),
  }
}

/** The time-sale service (port 3003): flash-sale orders. */
export const timesaleFeature = flowFeature<OrderRequest, ReturnType<typeof wire>, TimeSaleService>({
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
  apiPrefix: '/api/timesales',
  wire,
  service: (deps) => new TimeSaleService(deps),
  routes: (app, service, deps, context) => {
    registerTimeSaleEventRoutes(app, timesaleRequestSource(service, deps.index, deps.stock))
    registerTimeSaleRoutes(app, { service, ...context })
  },
  consumer: timesaleConsumer,
})
