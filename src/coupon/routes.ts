import type { FastifyInstance } from '../platform/http.ts'
import { type AdminDeps, registerAdminRoutes } from '../shared/admin-routes.ts'
import { instantOf } from '../shared/fields.ts'
import { type FlowRouteDeps, FlowRoutes } from '../shared/flow-routes.ts'
import { idParams, requestIdParams } from '../shared/ids.ts'
import { userIdParams } from '../shared/user-id.ts'
import {
  couponAnswer,
  issueBody,
  issuedAnswer,
  newPolicyBody,
  pendingAnswer,
  policyAnswer,
  requestStatusAnswer,
} from './contracts.ts'
import type { CouponService } from './service.ts'
import type { Coupon, PolicyWithCounts } from './types.ts'

function present(policy: PolicyWithCounts) {
  return { ...policy, startTime: policy.startTime.toISOString(), endTime: policy.endTime.toISOString() }
}

function presentCoupon(coupon: Coupon & { policyTitle: string }) {
  return { ...coupon, issuedAt: coupon.issuedAt.toISOString() }
}

export interface CouponRouteDeps extends Omit<FlowRouteDeps, 'tag'> {
  readonly service: CouponService
  readonly admin: AdminDeps
}

/** HTTP routes of the coupon service (SPEC §2); contracts in `contracts.ts`. */
export function registerCouponRoutes(
  app: FastifyInstance,
  { service, admin, ...deps }: CouponRouteDeps,
): void {
  const routes = new FlowRoutes(app, { ...deps, tag: 'coupon' })

  routes.create('/api/coupons/policies', {
    summary: 'Create a coupon policy',
    body: newPolicyBody,
    answer: policyAnswer,
    handle: async (body) =>
      present(
        await service.createPolicy({
          ...body,
          startTime: instantOf('startTime', body.startTime),
          endTime: instantOf('endTime', body.endTime),
        }),
      ),
  })

  routes.list('/api/coupons/policies', {
    summary: 'List coupon policies, newest first, a page at a time (X-Total-Count, Link rel="next")',
    item: policyAnswer,
    handle: async (_params, slice) => {
      const page = await service.listPolicies(slice)
      return { ...page, items: page.items.map(present) }
    },
  })

  routes.read('/api/coupons/policies/:id', {
    summary: 'A coupon policy with live issued and remaining quantities',
    params: idParams,
    answer: policyAnswer,
    handle: async ({ id }) => present(await service.getPolicy(id)),
  })

  routes.write('/api/coupons/issue', {
    summary: 'Issue a coupon: v1 DB transaction, v2 Redis lock (201 ISSUED), v3 Kafka (202 PENDING)',
    body: issueBody,
    done: issuedAnswer,
    accepted: pendingAnswer,
    statusPath: '/api/coupons/requests',
    handle: (strategy, { body }) => service.issue(strategy, body),
  })

  routes.read('/api/coupons/requests/:requestId', {
    summary: 'Status of a v3 request: PENDING, ISSUED or FAILED (with code)',
    params: requestIdParams,
    answer: requestStatusAnswer,
    handle: ({ requestId }) => service.requestStatus(requestId),
  })

  routes.list('/api/coupons/users/:userId', {
    summary: 'A user\'s coupons, newest first, a page at a time (X-Total-Count, Link rel="next")',
    params: userIdParams,
    item: couponAnswer,
    handle: async ({ userId }, slice) => {
      const page = await service.couponsOfUser(userId, slice)
      return { ...page, items: page.items.map(presentCoupon) }
    },
  })

  registerAdminRoutes(app, '/api/coupons', deps.adminToken, admin)
}
