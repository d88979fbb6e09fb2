import { type OverviewDeps, readOverview } from '../dashboard/overview.ts'
import { type DeadLetterDeps, listDeadLetters, replayDeadLetters } from '../pipeline/dlq.ts'
import { requireAdmin } from '../platform/admin-guard.ts'
import type { FastifyInstance } from '../platform/http.ts'
import type { LagMonitor } from '../platform/lag-metrics.ts'
import { requestSchema } from './contracts/json-schema.ts'
import { idParamSchema, requestIdSchema } from './ids.ts'
import {
  PAGE_DESCRIPTION,
  type PageQuery,
  pageHeadersSchema,
  pageQuery,
  pageRequest,
  sendPage,
} from './paging.ts'
import type { Reconciler } from './reconciler.ts'

export interface AdminDeps {
  readonly dlq: DeadLetterDeps
  readonly lag: LagMonitor
  readonly reconciler: Reconciler
  /** The dashboard's overview: promotions, request counters, lag. */
  readonly overview: Omit<OverviewDeps, 'lag'>
}

/**
 * Admin endpoints of a flow: the dashboard's overview, consumer lag, and its dead-letter topic (list; replay
 * all or some request ids). They take the admin token when one is configured, else loopback clients only.
 */
export function registerAdminRoutes(
  app: FastifyInstance,
  prefix: string,
  adminToken: string,
  admin: AdminDeps,
): void {
  const deps = admin.dlq
  const onRequest = requireAdmin(adminToken)
  const security = [{ adminToken: [] }]
  app.get(
    `${prefix}/admin/lag`,
    {
      onRequest,
      schema: {
        tags: ['admin'],
        summary: 'Consumer group lag per partition, in messages and estimated seconds',
        security,
      },
    },
    async () => {
      const { lag, seconds } = await admin.lag.read()
      return {
        groupId: lag.groupId,
        state: lag.state,
        members: lag.members,
        totalLag: Number(lag.total),
        estimatedSeconds: seconds,
        partitions: lag.partitions.map((p) => ({
          topic: p.topic,
          partition: p.partition,
          committedOffset: p.committed === null ? null : Number(p.committed),
          logEndOffset: Number(p.end),
          lag: Number(p.lag),
          member: p.member,
        })),
      }
    },
  )
  app.get<{ Querystring: { limit?: string } }>(
    `${prefix}/admin/overview`,
    {
      onRequest,
      schema: {
        tags: ['admin'],
        summary: 'Dashboard snapshot: newest promotions with stock, request counters since start, shed, lag',
        security,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'string', pattern: '^(?:[1-9][0-9]?|100)$', description: '1–100, default 20' },
          },
        },
      },
    },
    async (request) => readOverview({ ...admin.overview, lag: admin.lag }, Number(request.query.limit ?? 20)),
  )
  app.get<{ Querystring: PageQuery }>(
    `${prefix}/admin/dlq`,
    {
      onRequest,
      schema: {
        tags: ['admin'],
        summary:
          'List dead letters, oldest first, a page at a time (count = letters on the topic; Link rel="next")',
        security,
        description: PAGE_DESCRIPTION,
        querystring: requestSchema(pageQuery),
        response: {
          200: {
            type: 'object',
            headers: pageHeadersSchema,
            properties: {
              topic: { type: 'string' },
              count: { type: 'integer', description: 'Dead letters on the topic (all pages)' },
              messages: { type: 'array', items: { type: 'object', additionalProperties: true } },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const slice = pageRequest(request.query)
      const letters = await listDeadLetters(deps)
      const page = { items: letters.slice(slice.offset, slice.offset + slice.limit), total: letters.length }
      return {
        topic: deps.topics.dlq,
        count: letters.length,
        messages: sendPage(request, reply, slice, page),
      }
    },
  )
  app.post<{ Body: { requestIds?: string[] } | undefined }>(
    `${prefix}/admin/dlq/replay`,
    {
      onRequest,
      schema: {
        tags: ['admin'],
        summary: 'Replay dead letters (all, or the given request ids); each is replayed once',
        security,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            requestIds: {
              type: 'array',
              minItems: 1,
              maxItems: 10_000,
              items: requestIdSchema,
              description: 'Leave out to replay all; an empty list is refused',
            },
          },
        },
      },
    },
    async (request) => {
      const result = await replayDeadLetters(deps, request.body?.requestIds)
      return {
        replayed: result.replayed.length,
        skipped: result.skipped,
        requestIds: result.replayed.map((letter) => letter.requestId),
      }
    },
  )
  app.post<{ Body: { repair?: boolean; ids?: string[] } | undefined }>(
    `${prefix}/admin/reconcile`,
    {
      onRequest,
      schema: {
        tags: ['admin'],
        summary: 'Compare Redis with PostgreSQL per promotion and repair Redis (repair defaults to true)',
        security,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            repair: { type: 'boolean' },
            ids: {
              type: 'array',
              minItems: 1,
              maxItems: 1_000,
              items: idParamSchema,
              description: 'Leave out for every promotion; an empty list is refused',
            },
          },
        },
      },
    },
    async (request) => {
      const reports = await admin.reconciler.reconcileAll(request.body?.repair ?? true, request.body?.ids)
      return { promotions: reports.length, reports }
    },
  )
}
