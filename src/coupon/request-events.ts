import type { FastifyInstance } from '../platform/http.ts'
import type { RequestIndex } from '../shared/request-index.ts'
import type { RequestSource } from '../shared/request-stream.ts'
import { eventsRouteSchema } from '../shared/stream-routes.ts'
import type { CouponService, RequestStatus } from './service.ts'
import type { PendingRequest } from './types.ts'

/** Where a coupon request's stream gets its state: PostgreSQL once settled, the Redis index until then. */
export function couponRequestSource(
  service: CouponService,
  index: RequestIndex<PendingRequest>,
): RequestSource<RequestStatus> {
  return {
    flow: 'coupon',
    load: (requestId) => service.requestStatus(requestId),
    // The index entry goes only after PostgreSQL has the outcome: while it is there, nothing changed.
    refresh: async (state) =>
      (await index.find(state.requestId)) ? state : service.requestStatus(state.requestId),
    movesWithQueue: false,
    promotionOf: (state) => state.policyId,
    isTerminal: (state) => state.status !== 'PENDING',
    eventId: (state) => state.status,
  }
}

/** `GET /api/coupons/requests/:requestId/events`: the request's state as Server-Sent Events. */
export function registerCouponEventRoutes(app: FastifyInstance, source: RequestSource<RequestStatus>): void {
  app.get<{ Params: { requestId: string } }>(
    '/api/coupons/requests/:requestId/events',
    {
      sse: { kind: 'manual' },
      schema: eventsRouteSchema(
        'coupon',
        'PENDING, then ISSUED or FAILED (with code); event ids are the status',
      ),
    },
    (request, reply) => app.requestStreams.serve(source, request.params.requestId, request, reply),
  )
}
