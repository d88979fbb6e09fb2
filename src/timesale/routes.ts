import { z } from 'zod'
import { ERRORS } from '../errors.ts'
import { requireAdmin } from '../platform/admin-guard.ts'
import { errorBodySchema, type FastifyInstance, type RateLimits, rateLimitHooks } from '../platform/http.ts'
import { type AdminDeps, registerAdminRoutes } from '../shared/admin-routes.ts'
import { requestSchema, responseSchema } from '../shared/contracts/json-schema.ts'
import { instantOf } from '../shared/fields.ts'
import {
  PAGE_DESCRIPTION,
  type PageQuery,
  pageQuery,
  pageRequest,
  pageResponseSchema,
  sendPage,
} from '../shared/paging.ts'
import { strategyQuery } from '../shared/strategy.ts'
import { linkRequest } from '../shared/stream-routes.ts'
import { normalizeUserId } from '../shared/user-id.ts'
import type { WriteMetrics } from '../shared/write-metrics.ts'
import {
  completedAnswer,
  newSaleBody,
  orderAnswer,
  orderBody,
  queuedAnswer,
  requestParams,
  requestStatusAnswer,
  saleAnswer,
  saleParams,
  userParams,
} from './contracts.ts'
import type { TimeSaleService } from './service.ts'
import { QUEUED_MESSAGE } from './strategies/v3.ts'
import type { Order, TimeSaleWithCounts } from './types.ts'

const errors = { 400: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema, 503: errorBodySchema }

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

export interface TimeSaleRouteDeps {
  readonly service: TimeSaleService
  readonly adminToken: string
  /** Counts the write endpoint's answers per strategy. */
  readonly requests: WriteMetrics
  readonly admin: AdminDeps
  readonly rateLimits: RateLimits
}

/** HTTP routes of the time-sale service (SPEC §2). */
export function registerTimeSaleRoutes(
  app: FastifyInstance,
  { service, adminToken, admin, rateLimits, requests }: TimeSaleRouteDeps,
): void {
  app.post<{ Body: z.output<typeof newSaleBody> }>(
    '/api/timesales',
    {
      onRequest: requireAdmin(adminToken),
      config: { idempotency: 'admin' },
      schema: {
        tags: ['timesale'],
        summary: 'Create a time sale (orderable inside [startAt, endAt) with no further step)',
        security: [{ adminToken: [] }],
        body: requestSchema(newSaleBody),
        response: { 201: responseSchema(saleAnswer), 400: errorBodySchema, 401: errorBodySchema },
      },
    },
    async (request, reply) => {
      const body = request.body
      const sale = await service.createSale({
        productName: body.productName,
        originalPrice: body.originalPrice,
        salePrice: body.salePrice,
        totalQuantity: body.totalQuantity,
        maxPerUser: body.maxPerUser ?? null,
        startAt: instantOf('startAt', body.startAt),
        endAt: instantOf('endAt', body.endAt),
      })
      return reply.code(201).send(present(sale))
    },
  )

  app.get<{ Querystring: PageQuery }>(
    '/api/timesales',
    {
      schema: {
        tags: ['timesale'],
        summary: 'List time sales, newest first, a page at a time (X-Total-Count, Link rel="next")',
        description: PAGE_DESCRIPTION,
        querystring: requestSchema(pageQuery),
        response: { 200: pageResponseSchema(responseSchema(saleAnswer)), 400: errorBodySchema },
      },
    },
    async (request, reply) => {
      const slice = pageRequest(request.query)
      const page = await service.listSales(slice)
      return sendPage(request, reply, slice, { ...page, items: page.items.map(present) })
    },
  )

  app.get<{ Params: z.output<typeof saleParams> }>(
    '/api/timesales/:id',
    {
      schema: {
        tags: ['timesale'],
        summary: 'A time sale with live sold and remaining quantities',
        params: requestSchema(saleParams),
        response: { 200: responseSchema(saleAnswer), 400: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (request) => present(await service.getSale(request.params.id)),
  )

  app.post<{
    Params: z.output<typeof saleParams>
    Querystring: z.output<typeof strategyQuery>
    Body: z.output<typeof orderBody>
  }>(
    '/api/timesales/:id/orders',
    {
      onResponse: requests.onResponse,
      ...rateLimitHooks(app, rateLimits, (request) => {
        const userId = (request.body as { userId?: string | number } | undefined)?.userId
        return userId === undefined ? undefined : normalizeUserId(userId)
      }),
      config: { userAuth: true, idempotency: 'user' },
      schema: {
        tags: ['timesale'],
        summary: 'Order: v1 DB transaction, v2 Redis lock (201 COMPLETED), v3 Kafka queue (202 QUEUED)',
        description: `409 LIMIT_EXCEEDED: ${ERRORS.LIMIT_EXCEEDED.message} 409 SOLD_OUT: ${ERRORS.SOLD_OUT.message}`,
        params: requestSchema(saleParams),
        querystring: requestSchema(strategyQuery),
        body: requestSchema(orderBody),
        response: {
          201: responseSchema(completedAnswer),
          202: responseSchema(
            queuedAnswer.extend({ message: z.string().meta({ examples: [QUEUED_MESSAGE] }) }),
          ),
          429: errorBodySchema,
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const result = await service.order(request.query.strategy, {
        timeSaleId: request.params.id,
        userId: request.body.userId,
        quantity: request.body.quantity,
      })
      if (result.status === 'QUEUED') linkRequest(reply, '/api/timesales/orders/requests', result.requestId)
      return reply.code(result.status === 'QUEUED' ? 202 : 201).send(result)
    },
  )

  app.get<{ Params: z.output<typeof requestParams> }>(
    '/api/timesales/orders/requests/:requestId',
    {
      schema: {
        tags: ['timesale'],
        summary: 'Status of a v3 order request: QUEUED (with live position), COMPLETED or FAILED (with code)',
        params: requestSchema(requestParams),
        response: { 200: responseSchema(requestStatusAnswer), 400: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (request) => service.requestStatus(request.params.requestId),
  )

  app.get<{ Params: z.output<typeof userParams>; Querystring: PageQuery }>(
    '/api/timesales/users/:userId/orders',
    {
      schema: {
        tags: ['timesale'],
        summary: 'A user\'s orders, newest first, a page at a time (X-Total-Count, Link rel="next")',
        params: requestSchema(userParams),
        description: PAGE_DESCRIPTION,
        querystring: requestSchema(pageQuery),
        response: { 200: pageResponseSchema(responseSchema(orderAnswer)), 400: errorBodySchema },
      },
    },
    async (request, reply) => {
      const slice = pageRequest(request.query)
      const page = await service.ordersOfUser(request.params.userId, slice)
      return sendPage(request, reply, slice, { ...page, items: page.items.map(presentOrder) })
    },
  )

  registerAdminRoutes(app, '/api/timesales', adminToken, admin)
}
