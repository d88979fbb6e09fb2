import type { FastifyInstance } from '../platform/http.ts'
import type { RequestIndex } from '../shared/request-index.ts'
import type { RequestSource } from '../shared/request-stream.ts'
import { eventsRouteSchema } from '../shared/stream-routes.ts'
import type { RequestStatus, TimeSaleService } from './service.ts'
import type { TimeSaleStock } from './stock.ts'
import { positionOf } from './stock-model.ts'
import type { QueuedRequest } from './types.ts'

/** How long one read of a sale's queue base serves every stream of the sale, in ms. */
const QUEUE_BASE_REUSE_MS = 100

/**
 * Where a time-sale order's stream gets its state: PostgreSQL once settled; until then the Redis index and
 * the live queue position. Streams of one sale share one read of its queue base per 100 ms, so a queue
 * that moves does not cost one Redis call per open stream.
 */
export function timesaleRequestSource(
  service: TimeSaleService,
  index: RequestIndex<QueuedRequest>,
  stock: Pick<TimeSaleStock, 'queueBase'>,
): RequestSource<RequestStatus> {
  const bases = new Map<string, { readonly at: number; readonly base: Promise<number> }>()
  function queueBase(saleId: string): Promise<number> {
    const now = Date.now()
    const cached = bases.get(saleId)
    if (cached && now - cached.at < QUEUE_BASE_REUSE_MS) return cached.base
    const base = stock.queueBase(saleId)
    bases.set(saleId, { at: now, base })
    base.then(
      () => setTimeout(() => bases.get(saleId)?.base === base && bases.delete(saleId), QUEUE_BASE_REUSE_MS),
      () => bases.delete(saleId),
    )
    return base
  }
  return {
    flow: 'timesale',
    load: (requestId) => service.requestStatus(requestId),
    refresh: async (state) => {
      const queued = await index.find(state.requestId)
      // The index entry goes only after PostgreSQL has the outcome.
      if (!queued) return service.requestStatus(state.requestId)
      const queuePosition = positionOf(queued.ticket, await queueBase(queued.timeSaleId))
      return queuePosition === state.queuePosition ? state : { ...state, queuePosition }
    },
    movesWithQueue: true,
    promotionOf: (state) => state.timeSaleId,
    isTerminal: (state) => state.status !== 'QUEUED',
    eventId: (state) => (state.status === 'QUEUED' ? `QUEUED.${state.queuePosition}` : state.status),
  }
}

/** `GET /api/timesales/orders/requests/:requestId/events`: the order request's state as Server-Sent Events. */
export function registerTimeSaleEventRoutes(
  app: FastifyInstance,
  source: RequestSource<RequestStatus>,
): void {
  app.get<{ Params: { requestId: string } }>(
    '/api/timesales/orders/requests/:requestId/events',
    {
      sse: { kind: 'manual' },
      schema: eventsRouteSchema(
        'timesale',
        'QUEUED with the live queuePosition (event id QUEUED.<position>, a new event each time it moves), ' +
          'then COMPLETED or FAILED (with code)',
      ),
    },
    (request, reply) => app.requestStreams.serve(source, request.params.requestId, request, reply),
  )
}
