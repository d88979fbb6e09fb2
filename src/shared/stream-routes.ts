import { errorBodySchema, type FastifyReply } from '../platform/http.ts'
import { requestIdSchema } from './ids.ts'

/** The event every change is sent as; its data is the status endpoint's JSON. */
export const STATUS_EVENT = 'status'

/** The OpenAPI description of a `…/requests/:requestId/events` route; `states` tells its states and ids. */
export function eventsRouteSchema(tag: string, states: string) {
  return {
    tags: [tag],
    summary: "A v3 request's state as Server-Sent Events, until it is final",
    description:
      `Sends the state at once (event \`${STATUS_EVENT}\`, data = the status endpoint's JSON), then every ` +
      `change, and ends after the final state: ${states}. The status line and headers are sent at once, ` +
      'before any event. A comment line every SSE_HEARTBEAT_MS keeps ' +
      'the connection alive. Works on any instance, whichever accepted the request. Reconnect with ' +
      'Last-Event-ID to resume; 204 when that id already is the final state. 503 TOO_MANY_STREAMS past ' +
      'SSE_MAX_CONNECTIONS per instance: poll the status endpoint instead. HEAD answers the same status ' +
      'and headers and ends at once, holding no stream.',
    params: { type: 'object', properties: { requestId: requestIdSchema } },
    headers: {
      type: 'object',
      properties: {
        'last-event-id': { type: 'string', description: 'The id of the last event received (resume)' },
      },
    },
    response: {
      200: {
        description: 'text/event-stream of `status` events',
        content: {
          'text/event-stream': {
            schema: {
              type: 'string',
              examples: [
                `id: PENDING\nevent: ${STATUS_EVENT}\ndata: {"requestId":"…","status":"PENDING",…}\n\n`,
              ],
            },
          },
        },
      },
      204: { description: 'Last-Event-ID already is the final state: nothing more to send', type: 'null' },
      400: errorBodySchema,
      404: errorBodySchema,
      503: errorBodySchema,
    },
  }
}

/** Sets `Location` (status endpoint) and `Link` (its stream) on a 202 that accepted request `requestId`. */
export function linkRequest(reply: FastifyReply, statusPath: string, requestId: string): void {
  const location = `${statusPath}/${requestId}`
  void reply.header('location', location)
  void reply.header('link', `<${location}/events>; rel="monitor"; type="text/event-stream"`)
}
