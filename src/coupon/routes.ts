import type { z } from 'zod'
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
  couponAnswer,
  issueBody,
  issuedAnswer,
  newPolicyBody,
  pendingAnswer,
  policyAnswer,
  policyParams,
  requestParams,
  requestStatusAnswer,
  userParams,
} from './contracts.ts'
import type { CouponService } from './service.ts'
import type { PolicyWithCounts } from './types.ts'

const errors = { 400: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema, 503: errorBodySchema }

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
  app.post<{ Body: z.output<typeof newPolicyBody> }>(
    '/api/coupons/policies',
    {
      onRequest: requireAdmin(adminToken),
      config: { idempotency: 'admin' },
      schema: {
        tags: ['coupon'],
        summary: 'Create a coupon policy',
        body: requestSchema(newPolicyBody),
        response: { 201: responseSchema(policyAnswer), 400: errorBodySchema, 401: errorBodySchema },
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
        querystring: requestSchema(pageQuery),
        response: { 200: pageResponseSchema(responseSchema(policyAnswer)), 400: errorBodySchema },
      },
    },
    async (request, reply) => {
      const slice = pageRequest(request.query)
      const page = await service.listPolicies(slice)
      return sendPage(request, reply, slice, { ...page, items: page.items.map(present) })
    },
  )

  app.get<{ Params: z.output<typeof policyParams> }>(
    '/api/coupons/policies/:id',
    {
      schema: {
        tags: ['coupon'],
        summary: 'A coupon policy with live issued and remaining quantities',
        params: requestSchema(policyParams),
        response: { 200: responseSchema(policyAnswer), 404: errorBodySchema },
      },
    },
    async (request) => present(await service.getPolicy(request.params.id)),
  )

  app.post<{ Querystring: z.output<typeof strategyQuery>; Body: z.output<typeof issueBody> }>(
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
        querystring: requestSchema(strategyQuery),
        body: requestSchema(issueBody),
        response: {
          201: responseSchema(issuedAnswer),
          202: responseSchema(pendingAnswer),
          429: errorBodySchema,
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const result = await service.issue(request.query.strategy, request.body)
      if (result.status === 'PENDING') linkRequest(reply, '/api/coupons/requests', result.requestId)
      return reply.code(result.status === 'PENDING' ? 202 : 201).send(result)
    },
  )

  app.get<{ Params: z.output<typeof requestParams> }>(
    '/api/coupons/requests/:requestId',
    {
      schema: {
        tags: ['coupon'],
        summary: 'Status of a v3 request: PENDING, ISSUED or FAILED (with code)',
        params: requestSchema(requestParams),
        response: { 200: responseSchema(requestStatusAnswer), 404: errorBodySchema },
      },
    },
    async (request) => service.requestStatus(request.params.requestId),
  )

  app.get<{ Params: z.output<typeof userParams>; Querystring: PageQuery }>(
    '/api/coupons/users/:userId',
    {
      schema: {
        tags: ['coupon'],
        summary: 'A user\'s coupons, newest first, a page at a time (X-Total-Count, Link rel="next")',
        params: requestSchema(userParams),
        description: PAGE_DESCRIPTION,
        querystring: requestSchema(pageQuery),
        response: { 200: pageResponseSchema(responseSchema(couponAnswer)), 400: errorBodySchema },
      },
    },
    async (request, reply) => {
      const slice = pageRequest(request.query)
      const page = await service.couponsOfUser(request.params.userId, slice)
      const items = page.items.map((coupon) => ({ ...coupon, issuedAt: coupon.issuedAt.toISOString() }))
      return sendPage(request, reply, slice, { ...page, items })
    },
  )

  registerAdminRoutes(app, '/api/coupons', adminToken, admin)
}
