import { type DeadLetterDeps, listDeadLetters, replayDeadLetters } from '../pipeline/dlq.ts'
import { type FastifyInstance, requireAdmin } from '../platform/http.ts'

/** Admin endpoints over a flow's dead-letter topic: list, and replay all or some request ids. */
export function registerDlqRoutes(
  app: FastifyInstance,
  prefix: string,
  adminToken: string,
  deps: DeadLetterDeps,
): void {
  const onRequest = requireAdmin(adminToken)
  const security = [{ adminToken: [] }]
  app.get(
    `${prefix}/admin/dlq`,
    { onRequest, schema: { tags: ['admin'], summary: 'List dead letters', security } },
    async () => {
      const letters = await listDeadLetters(deps)
      return { topic: deps.topics.dlq, count: letters.length, messages: letters }
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
            requestIds: { type: 'array', maxItems: 10_000, items: { type: 'string', format: 'uuid' } },
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
}
