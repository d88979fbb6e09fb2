import { requireAdmin } from '../platform/admin-guard.ts'
import { errorBodySchema, type FastifyInstance, type RateLimits, rateLimitHooks } from '../platform/http.ts'
import { type AdminDeps, registerAdminRoutes } from '../shared/admin-routes.ts'
import { decimalSchema, instantOf, instantSchema, textSchema } from '../shared/fields.ts'
import { idParamSchema, idSchema, requestIdSchema } from '../shared/ids.ts'
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
import type { CouponService } from './service.ts'
import type { PolicyWithCounts } from './types.ts'

const errors = { 400: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema, 503: errorBodySchema }

const policySchema = {
  type: 'object',
  properties: {
    id: { type: 'string', examples: ['1'] },
    title: { type: 'string' },
    totalQuantity: { type: 'integer' },
    issuedQuantity: { type: 'integer' },
    remainingQuantity: { type: 'integer' },
    startTime: { type: 'string', format: 'date-time' },
    endTime: { type: 'string', format: 'date-time' },
    discountType: { type: 'string', enum: ['FIXED', 'PERCENTAGE'] },
    discountValue: { type: 'number' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const

const issuedSchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ISSUED'] },
    couponId: { type: 'string' },
    policyId: { type: 'string' },
    userId: { type: 'string' },
    issuedAt: { type: 'string', format: 'date-time' },
  },
} as const

const pendingSchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['PENDING'] },
    message: { type: 'string' },
    policyId: { type: 'string' },
    userId: { type: 'string' },
    requestId: { type: 'string', format: 'uuid' },
  },
} as const

const couponSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', examples: ['1'] },
    policyId: { type: 'string' },
    policyTitle: { type: 'string' },
    userId: { type: 'string', examples: ['1001'] },
    requestId: { type: 'string', format: 'uuid' },
    strategy: { type: 'string', enum: ['v1', 'v2', 'v3'] },
    issuedAt: { type: 'string', format: 'date-time' },
  },
} as const

function present(policy: PolicyWithCounts) {
  return { ...policy, startTime: policy.startTime.toISOString(), endTime: policy.endTime.toISOString() }
}

export interface CouponRouteDeps {
  readonly service: CouponService
  readonly adminToken: string
  /** Counts the write endpoint's answers per strategy. */
  readonly requests: WriteMetrics
  readonly admin: AdminDeps
  readonly rateLimits: RateLimits
}

/** HTTP routes of the coupon service (SPEC §2). */
export function registerCouponRoutes(
  app: FastifyInstance,
  { service, adminToken, admin, rateLimits, requests }: CouponRouteDeps,
): void {
  app.post<{
    Body: {
      title: string
      totalQuantity: number
      startTime: string
      endTime: string
      discountType: 'FIXED' | 'PERCENTAGE'
      discountValue: number
    }
  }>(
    '/api/coupons/policies',
    {
      onRequest: requireAdmin(adminToken),
      config: { idempotency: 'admin' },
      schema: {
        tags: ['coupon'],
        summary: 'Create a coupon policy',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['title', 'totalQuantity', 'startTime', 'endTime', 'discountType', 'discountValue'],
          properties: {
            title: textSchema(200),
            totalQuantity: { type: 'integer', minimum: 1, maximum: 10_000_000 },
            startTime: instantSchema,
            endTime: instantSchema,
            discountType: { type: 'string', enum: ['FIXED', 'PERCENTAGE'] },
            // A percentage is at most 100 (checked with the type); both kinds are numeric(12,2).
            discountValue: decimalSchema(1_000_000_000),
          },
        },
        response: { 201: policySchema, 400: errorBodySchema, 401: errorBodySchema },
      },
    },
    async (request, reply) => {
      const body = request.body
      const policy = await service.createPolicy({
        ...body,
        startTime: instantOf('startTime', body.startTime),
        endTime: instantOf('endTime', body.endTime),
      })
      return reply.code(201).send(present(policy))
    },
  )

  app.get<{ Querystring: PageQuery }>(
    '/api/coupons/policies',
    {
      schema: {
        tags: ['coupon'],
        summary: 'List coupon policies, newest first, a page at a time (X-Total-Count, Link rel="next")',
        description: PAGE_DESCRIPTION,
        querystring: pageQuerySchema,
        response: { 200: pageResponseSchema(policySchema), 400: errorBodySchema },
      },
    },
    async (request, reply) => {
      const slice = pageRequest(request.query)
      const page = await service.listPolicies(slice)
      return sendPage(request, reply, slice, { ...page, items: page.items.map(present) })
    },
  )

  app.get<{ Params: { id: string } }>(
    '/api/coupons/policies/:id',
    {
      schema: {
        tags: ['coupon'],
        summary: 'A coupon policy with live issued and remaining quantities',
        params: { type: 'object', properties: { id: idParamSchema } },
        response: { 200: policySchema, 404: errorBodySchema },
      },
    },
    async (request) => present(await service.getPolicy(request.params.id)),
  )

  app.post<{
    Querystring: { strategy: Strategy }
    // The policy id schema turns a JSON number into a string; the user id is normalised below.
    Body: { policyId: string; userId: string | number }
  }>(
    '/api/coupons/issue',
    {
      onResponse: requests.onResponse,
      ...rateLimitHooks(app, rateLimits, (request) => {
        const userId = (request.body as { userId?: string | number } | undefined)?.userId
        return userId === undefined ? undefined : normalizeUserId(userId)
      }),
      config: { userAuth: true, idempotency: 'user' },
      schema: {
        tags: ['coupon'],
        summary: 'Issue a coupon: v1 DB transaction, v2 Redis lock (201 ISSUED), v3 Kafka (202 PENDING)',
        querystring: strategyQuerySchema,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['policyId', 'userId'],
          properties: { policyId: idSchema, userId: userIdSchema },
        },
        response: { 201: issuedSchema, 202: pendingSchema, 429: errorBodySchema, ...errors },
      },
    },
    async (request, reply) => {
      const result = await service.issue(request.query.strategy, {
        policyId: request.body.policyId,
        userId: normalizeUserId(request.body.userId),
      })
      if (result.status === 'PENDING') linkRequest(reply, '/api/coupons/requests', result.requestId)
      return reply.code(result.status === 'PENDING' ? 202 : 201).send(result)
    },
  )

  app.get<{ Params: { requestId: string } }>(
    '/api/coupons/requests/:requestId',
    {
      schema: {
        tags: ['coupon'],
        summary: 'Status of a v3 request: PENDING, ISSUED or FAILED (with code)',
        params: { type: 'object', properties: { requestId: requestIdSchema } },
        response: {
          200: {
            type: 'object',
            properties: {
              requestId: { type: 'string' },
              status: { type: 'string', enum: ['PENDING', 'ISSUED', 'FAILED'] },
              code: { type: ['string', 'null'] },
              couponId: { type: ['string', 'null'] },
              policyId: { type: 'string' },
              userId: { type: 'string' },
              updatedAt: { type: 'string', format: 'date-time' },
            },
          },
          404: errorBodySchema,
        },
      },
    },
    async (request) => service.requestStatus(request.params.requestId),
  )

  app.get<{ Params: { userId: string }; Querystring: PageQuery }>(
    '/api/coupons/users/:userId',
    {
      schema: {
        tags: ['coupon'],
        summary: 'A user\'s coupons, newest first, a page at a time (X-Total-Count, Link rel="next")',
        params: { type: 'object', properties: { userId: userIdParamSchema } },
        description: PAGE_DESCRIPTION,
        querystring: pageQuerySchema,
        response: { 200: pageResponseSchema(couponSchema), 400: errorBodySchema },
      },
    },
    async (request, reply) => {
      const slice = pageRequest(request.query)
      const page = await service.couponsOfUser(normalizeUserId(request.params.userId), slice)
      const items = page.items.map((coupon) => ({ ...coupon, issuedAt: coupon.issuedAt.toISOString() }))
      return sendPage(request, reply, slice, { ...page, items })
    },
  )

  registerAdminRoutes(app, '/api/coupons', adminToken, admin)
}
