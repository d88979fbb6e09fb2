import { ERRORS } from '../errors.ts'
import { requireAdmin } from '../platform/admin-guard.ts'
import { errorBodySchema, type FastifyInstance, type RateLimits, rateLimitHooks } from '../platform/http.ts'
import { type AdminDeps, registerAdminRoutes } from '../shared/admin-routes.ts'
import { decimalSchema, instantOf, instantSchema, MAX_MONEY, textSchema } from '../shared/fields.ts'
import { idParamSchema, requestIdSchema } from '../shared/ids.ts'
import {
  PAGE_DESCRIPTION,
  type PageQuery,
  pageQuerySchema,
  pageRequest,
  pageResponseSchema,
  sendPage,
} from '../shared/paging.ts'
import { type Strategy, strategyQuerySchema } from '../shared/strategy.ts'
import { linkRequest } from '../shared/stream-routes.ts'
import { normalizeUserId, userIdParamSchema, userIdSchema } from '../shared/user-id.ts'
import type { WriteMetrics } from '../shared/write-metrics.ts'
import { MAX_ORDER_QUANTITY } from './messages.ts'
import type { TimeSaleService } from './service.ts'
import { QUEUED_MESSAGE } from './strategies/v3.ts'
import type { Order, TimeSaleWithCounts } from './types.ts'

const errors = { 400: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema, 503: errorBodySchema }

const saleSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', examples: ['1'] },
    productName: { type: 'string' },
    originalPrice: { type: 'number', examples: [50_000] },
    salePrice: { type: 'number', examples: [19_900] },
    totalQuantity: { type: 'integer' },
    soldQuantity: { type: 'integer' },
    remainingQuantity: { type: 'integer' },
    maxPerUser: { type: ['integer', 'null'], description: 'Most units one user may buy; null = no limit' },
    startAt: { type: 'string', format: 'date-time' },
    endAt: { type: 'string', format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const

const completedSchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['COMPLETED'] },
    orderId: { type: 'string' },
    timeSaleId: { type: 'string' },
    userId: { type: 'string' },
    quantity: { type: 'integer' },
    totalPrice: { type: 'number' },
  },
} as const

// Property order is the answer's key order: the seed's JSON, then `requestId`, then the position.
const queuedSchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['QUEUED'] },
    message: { type: 'string', examples: [QUEUED_MESSAGE] },
    timeSaleId: { type: 'string' },
    userId: { type: 'string' },
    requestId: { type: 'string', format: 'uuid' },
    queuePosition: {
      type: 'integer',
      minimum: 1,
      description: "The sale's requests accepted and not yet settled, up to and including this one",
    },
  },
} as const

const orderSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    timeSaleId: { type: 'string' },
    productName: { type: 'string' },
    userId: { type: 'string' },
    quantity: { type: 'integer' },
    unitPrice: { type: 'number' },
    totalPrice: { type: 'number' },
    requestId: { type: 'string', format: 'uuid' },
    strategy: { type: 'string', enum: ['v1', 'v2', 'v3'] },
    status: { type: 'string', enum: ['COMPLETED'] },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const

const requestStatusSchema = {
  type: 'object',
  properties: {
    requestId: { type: 'string', format: 'uuid' },
    status: { type: 'string', enum: ['QUEUED', 'COMPLETED', 'FAILED'] },
    code: { type: ['string', 'null'], enum: ['SOLD_OUT', 'LIMIT_EXCEEDED', null] },
    orderId: { type: ['string', 'null'] },
    timeSaleId: { type: 'string' },
    userId: { type: 'string' },
    quantity: { type: 'integer' },
    queuePosition: { type: 'integer', description: 'Live place while QUEUED; 0 once settled' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const

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

interface NewSaleBody {
  productName: string
  originalPrice: number
  salePrice: number
  totalQuantity: number
  startAt: string
  endAt: string
  maxPerUser?: number | null
}

/** HTTP routes of the time-sale service (SPEC §2). */
export function registerTimeSaleRoutes(
  app: FastifyInstance,
  { service, adminToken, admin, rateLimits, requests }: TimeSaleRouteDeps,
): void {
  app.post<{ Body: NewSaleBody }>(
    '/api/timesales',
    {
      onRequest: requireAdmin(adminToken),
      config: { idempotency: 'admin' },
      schema: {
        tags: ['timesale'],
        summary: 'Create a time sale (orderable inside [startAt, endAt) with no further step)',
        security: [{ adminToken: [] }],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['productName', 'originalPrice', 'salePrice', 'totalQuantity', 'startAt', 'endAt'],
          properties: {
            productName: textSchema(200),
            originalPrice: decimalSchema(MAX_MONEY),
            salePrice: decimalSchema(MAX_MONEY),
            totalQuantity: { type: 'integer', minimum: 1, maximum: 10_000_000 },
            startAt: instantSchema,
            endAt: instantSchema,
            maxPerUser: { type: ['integer', 'null'], minimum: 1, maximum: 10_000_000 },
          },
        },
        response: { 201: saleSchema, 400: errorBodySchema, 401: errorBodySchema },
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
        querystring: pageQuerySchema,
        response: { 200: pageResponseSchema(saleSchema), 400: errorBodySchema },
      },
    },
    async (request, reply) => {
      const slice = pageRequest(request.query)
      const page = await service.listSales(slice)
      return sendPage(request, reply, slice, { ...page, items: page.items.map(present) })
    },
  )

  app.get<{ Params: { id: string } }>(
    '/api/timesales/:id',
    {
      schema: {
        tags: ['timesale'],
        summary: 'A time sale with live sold and remaining quantities',
        params: { type: 'object', properties: { id: idParamSchema } },
        response: { 200: saleSchema, 400: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (request) => present(await service.getSale(request.params.id)),
  )

  app.post<{
    Params: { id: string }
    Querystring: { strategy: Strategy }
    Body: { userId: string | number; quantity: number }
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
        params: { type: 'object', properties: { id: idParamSchema } },
        querystring: strategyQuerySchema,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['userId', 'quantity'],
          properties: {
            userId: userIdSchema,
            quantity: { type: 'integer', minimum: 1, maximum: MAX_ORDER_QUANTITY },
          },
        },
        response: { 201: completedSchema, 202: queuedSchema, 429: errorBodySchema, ...errors },
      },
    },
    async (request, reply) => {
      const result = await service.order(request.query.strategy, {
        timeSaleId: request.params.id,
        userId: normalizeUserId(request.body.userId),
        quantity: request.body.quantity,
      })
      if (result.status === 'QUEUED') linkRequest(reply, '/api/timesales/orders/requests', result.requestId)
      return reply.code(result.status === 'QUEUED' ? 202 : 201).send(result)
    },
  )

  app.get<{ Params: { requestId: string } }>(
    '/api/timesales/orders/requests/:requestId',
    {
      schema: {
        tags: ['timesale'],
        summary: 'Status of a v3 order request: QUEUED (with live position), COMPLETED or FAILED (with code)',
        params: { type: 'object', properties: { requestId: requestIdSchema } },
        response: { 200: requestStatusSchema, 400: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (request) => service.requestStatus(request.params.requestId),
  )

  app.get<{ Params: { userId: string }; Querystring: PageQuery }>(
    '/api/timesales/users/:userId/orders',
    {
      schema: {
        tags: ['timesale'],
        summary: 'A user\'s orders, newest first, a page at a time (X-Total-Count, Link rel="next")',
        params: { type: 'object', properties: { userId: userIdParamSchema } },
        description: PAGE_DESCRIPTION,
        querystring: pageQuerySchema,
        response: { 200: pageResponseSchema(orderSchema), 400: errorBodySchema },
      },
    },
    async (request, reply) => {
      const slice = pageRequest(request.query)
      const page = await service.ordersOfUser(normalizeUserId(request.params.userId), slice)
      return sendPage(request, reply, slice, { ...page, items: page.items.map(presentOrder) })
    },
  )

  registerAdminRoutes(app, '/api/timesales', adminToken, admin)
}
