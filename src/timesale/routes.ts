import { z } from 'zod'
import { ERRORS } from '../errors.ts'
import type { FastifyInstance } from '../platform/http.ts'
import { type AdminDeps, registerAdminRoutes } from '../shared/admin-routes.ts'
import { instantOf } from '../shared/fields.ts'
import { type FlowRouteDeps, FlowRoutes } from '../shared/flow-routes.ts'
import { idParams, requestIdParams } from '../shared/ids.ts'
import { userIdParams } from '../shared/user-id.ts'
import {
  completedAnswer,
  newSaleBody,
  orderAnswer,
  orderBody,
  queuedAnswer,
  requestStatusAnswer,
  saleAnswer,
} from './contracts.ts'
import type { TimeSaleService } from './service.ts'
import { QUEUED_MESSAGE } from './strategies/v3.ts'
import type { Order, TimeSaleWithCounts } from './types.ts'

function present(sale: TimeSaleWithCounts) {
  return {
    ...sale,
    startAt: sale.startAt.toISOString(),
    endAt: sale.endAt.toISOString(),
    createdAt: sale.createdAt.toISOString(),
  }
}

function presentOrder(order: Order & { productName: string }) {
  return { ...order, createdAt: order.createdAt.toISOString() }
}

export interface TimeSaleRouteDeps extends Omit<FlowRouteDeps, 'tag'> {
  readonly service: TimeSaleService
  readonly admin: AdminDeps
}

/** HTTP routes of the time-sale service (SPEC §2); contracts in `contracts.ts`. */
export function registerTimeSaleRoutes(
  app: FastifyInstance,
  { service, admin, ...deps }: TimeSaleRouteDeps,
): void {
  const routes = new FlowRoutes(app, { ...deps, tag: 'timesale' })

  routes.create('/api/timesales', {
    summary: 'Create a time sale (orderable inside [startAt, endAt) with no further step)',
    body: newSaleBody,
    answer: saleAnswer,
    handle: async (body) =>
      present(
        await service.createSale({
          productName: body.productName,
          originalPrice: body.originalPrice,
          salePrice: body.salePrice,
          totalQuantity: body.totalQuantity,
          maxPerUser: body.maxPerUser ?? null,
          startAt: instantOf('startAt', body.startAt),
          endAt: instantOf('endAt', body.endAt),
        }),
      ),
  })

  routes.list('/api/timesales', {
    summary: 'List time sales, newest first, a page at a time (X-Total-Count, Link rel="next")',
    item: saleAnswer,
    handle: async (_params, slice) => {
      const page = await service.listSales(slice)
      return { ...page, items: page.items.map(present) }
    },
  })

  routes.read('/api/timesales/:id', {
    summary: 'A time sale with live sold and remaining quantities',
    params: idParams,
    answer: saleAnswer,
    handle: async ({ id }) => present(await service.getSale(id)),
  })

  routes.write('/api/timesales/:id/orders', {
    summary: 'Order: v1 DB transaction, v2 Redis lock (201 COMPLETED), v3 Kafka queue (202 QUEUED)',
    description: `409 LIMIT_EXCEEDED: ${ERRORS.LIMIT_EXCEEDED.message} 409 SOLD_OUT: ${ERRORS.SOLD_OUT.message}`,
    params: idParams,
    body: orderBody,
    done: completedAnswer,
    accepted: queuedAnswer.extend({ message: z.string().meta({ examples: [QUEUED_MESSAGE] }) }),
    statusPath: '/api/timesales/orders/requests',
    handle: (strategy, { params, body }) => service.order(strategy, { timeSaleId: params.id, ...body }),
  })

  routes.read('/api/timesales/orders/requests/:requestId', {
    summary: 'Status of a v3 order request: QUEUED (with live position), COMPLETED or FAILED (with code)',
    params: requestIdParams,
    answer: requestStatusAnswer,
    handle: ({ requestId }) => service.requestStatus(requestId),
  })

  routes.list('/api/timesales/users/:userId/orders', {
    summary: 'A user\'s orders, newest first, a page at a time (X-Total-Count, Link rel="next")',
    params: userIdParams,
    item: orderAnswer,
    handle: async ({ userId }, slice) => {
      const page = await service.ordersOfUser(userId, slice)
      return { ...page, items: page.items.map(presentOrder) }
    },
  })

  registerAdminRoutes(app, '/api/timesales', deps.adminToken, admin)
}
