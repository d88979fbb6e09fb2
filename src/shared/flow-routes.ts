/**
 * The HTTP route shapes every flow has, written once: the admin create endpoint, a read by path, a paged
 * list, and the write endpoint with its strategy choice, per-user rate limit, `Idempotency-Key`, optional
 * user token and 201 (v1, v2) or 202 + status links (v3). A flow supplies its paths, its zod contracts
 * (`<flow>/contracts.ts`), its service calls and its presenters.
 */
import type { z } from 'zod'
import { requireAdmin } from '../platform/admin-guard.ts'
import {
  errorBodySchema,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RateLimits,
  rateLimitHooks,
} from '../platform/http.ts'
import { requestSchema, responseSchema } from './contracts/json-schema.ts'
import {
  PAGE_DESCRIPTION,
  type Page,
  type PageRequest,
  pageQuery,
  pageRequest,
  pageResponseSchema,
  sendPage,
} from './paging.ts'
import { type Strategy, strategyQuery } from './strategy.ts'
import { linkRequest } from './stream-routes.ts'
import { normalizeUserId } from './user-id.ts'
import type { WriteMetrics } from './write-metrics.ts'

/** What every route of a flow shares. */
export interface FlowRouteDeps {
  /** The OpenAPI tag of the flow's routes, e.g. `coupon`. */
  readonly tag: string
  readonly adminToken: string
  readonly rateLimits: RateLimits
  /** Counts the write endpoint's answers per strategy. */
  readonly requests: WriteMetrics
}

/** The validated parts of a request, typed by the route's contracts. */
interface Parts<P extends z.ZodType, B extends z.ZodType> {
  readonly params: z.output<P>
  readonly body: z.output<B>
}

/** A route's documentation: its one-line summary and, optionally, a longer description. */
interface Described {
  readonly summary: string
  readonly description?: string
}

function errors(...statuses: number[]): Record<number, typeof errorBodySchema> {
  return Object.fromEntries(statuses.map((status) => [status, errorBodySchema]))
}

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>

/** The routes of one flow, registered on `app` with the flow's shared settings. */
export class FlowRoutes {
  readonly #app: FastifyInstance
  readonly #deps: FlowRouteDeps

  constructor(app: FastifyInstance, deps: FlowRouteDeps) {
    this.#app = app
    this.#deps = deps
  }

  /**
   * `POST url` (admin): creates a promotion from `body`; 201 with `answer`. Takes the admin token (or a
   * loopback client), and `Idempotency-Key` in the admin's scope.
   */
  create<B extends z.ZodType, R>(
    url: string,
    route: Described & { body: B; answer: z.ZodType; handle: (body: z.output<B>) => Promise<R> },
  ): void {
    const handler: Handler = async (request, reply) =>
      reply.code(201).send(await route.handle(request.body as z.output<B>))
    this.#app.post(
      url,
      {
        onRequest: requireAdmin(this.#deps.adminToken),
        config: { idempotency: 'admin' },
        schema: {
          ...this.#doc(route),
          security: [{ adminToken: [] }],
          body: requestSchema(route.body),
          response: { 201: responseSchema(route.answer), ...errors(400, 401) },
        },
      },
      handler,
    )
  }

  /** `GET url`: one thing named by the path; 200 with `answer`, 404 when it does not exist. */
  read<P extends z.ZodObject, R>(
    url: string,
    route: Described & { params: P; answer: z.ZodType; handle: (params: z.output<P>) => Promise<R> },
  ): void {
    const handler: Handler = async (request) => route.handle(request.params as z.output<P>)
    this.#app.get(
      url,
      {
        schema: {
          ...this.#doc(route),
          params: requestSchema(route.params),
          response: { 200: responseSchema(route.answer), ...errors(400, 404) },
        },
      },
      handler,
    )
  }

  /**
   * `GET url?limit=&offset=`: a page of a list, newest first (`shared/paging.ts`): the items as a JSON
   * array, `X-Total-Count` and `Link`.
   */
  list<P extends z.ZodObject, T>(
    url: string,
    route: Described & {
      params?: P
      item: z.ZodType
      handle: (params: z.output<P>, slice: PageRequest) => Promise<Page<T>>
    },
  ): void {
    const handler: Handler = async (request, reply) => {
      const slice = pageRequest(request.query as z.output<typeof pageQuery>)
      const page = await route.handle(request.params as z.output<P>, slice)
      return sendPage(request, reply, slice, page)
    }
    this.#app.get(
      url,
      {
        schema: {
          ...this.#doc({ ...route, description: PAGE_DESCRIPTION }),
          ...(route.params ? { params: requestSchema(route.params) } : {}),
          querystring: requestSchema(pageQuery),
          response: { 200: pageResponseSchema(responseSchema(route.item)), ...errors(400) },
        },
      },
      handler,
    )
  }

  /**
   * `POST url?strategy=v1|v2|v3`: the write endpoint. The strategy's answer is sent 201, or — when it is
   * `accepted.status` (v3) — 202 with `Location` (the status endpoint under `statusPath`) and `Link` (its
   * result stream). Rate-limited per user (the body's `userId`) or per IP, `Idempotency-Key` in the user's
   * scope, the user token when JWT auth is configured; every answer counted per strategy.
   */
  write<P extends z.ZodObject, B extends z.ZodType, R extends { status: string; requestId?: string }>(
    url: string,
    route: Described & {
      params?: P
      body: B
      done: z.ZodType
      /** The v3 answer; its `status` enum's one value tells it from the synchronous answer. */
      accepted: z.ZodObject
      statusPath: string
      handle: (strategy: Strategy, parts: Parts<P, B>) => Promise<R>
    },
  ): void {
    const app = this.#app
    const acceptedStatus = (route.accepted.shape.status as z.ZodEnum).options[0]
    const handler: Handler = async (request, reply) => {
      const { strategy } = request.query as z.output<typeof strategyQuery>
      const parts = { params: request.params, body: request.body } as Parts<P, B>
      const result = await route.handle(strategy, parts)
      const accepted = result.status === acceptedStatus && result.requestId !== undefined
      if (accepted) linkRequest(reply, route.statusPath, result.requestId as string)
      return reply.code(accepted ? 202 : 201).send(result)
    }
    app.post(
      url,
      {
        onResponse: this.#deps.requests.onResponse,
        ...rateLimitHooks(app, this.#deps.rateLimits, (request) => {
          const userId = (request.body as { userId?: string | number } | undefined)?.userId
          return userId === undefined ? undefined : normalizeUserId(userId)
        }),
        config: { userAuth: true, idempotency: 'user' },
        schema: {
          ...this.#doc(route),
          ...(route.params ? { params: requestSchema(route.params) } : {}),
          querystring: requestSchema(strategyQuery),
          body: requestSchema(route.body),
          response: {
            201: responseSchema(route.done),
            202: responseSchema(route.accepted),
            ...errors(400, 404, 409, 429, 503),
          },
        },
      },
      handler,
    )
  }

  #doc({ summary, description }: Described) {
    return { tags: [this.#deps.tag], summary, ...(description ? { description } : {}) }
  }
}
