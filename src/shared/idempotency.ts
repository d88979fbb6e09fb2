import { createHash, randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { AppError } from '../errors.ts'
import { errorBodySchema, type FastifyInstance, type FastifyRequest } from '../platform/http.ts'
import type { Logger } from '../platform/logger.ts'
import type { IdempotencyStore, StoredAnswer } from './idempotency-store.ts'
import { normalizeUserId } from './user-id.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Makes a write endpoint honour `Idempotency-Key`; the value says whose keys they are: the body's
     * (or token's) user, or the admin.
     */
    idempotency?: 'user' | 'admin'
  }
}

/** Visible ASCII without spaces, quotes, commas or semicolons: UUIDs, ULIDs and base64 all fit. */
const KEY_PATTERN = /^[A-Za-z0-9._~:+/=-]{1,255}$/

/** Headers an answer replays besides its body. */
const REPLAYED_HEADERS = ['content-type', 'location', 'link'] as const

export interface IdempotencyOptions {
  /** The service's name: keys of different services never meet. */
  readonly service: string
  readonly store: IdempotencyStore
  /** How long a duplicate waits for the answer of a request still in flight, in ms (0 = 409 at once). */
  readonly waitMs: number
  readonly logger: Logger
}

interface Held {
  readonly key: string
  readonly token: string
}

const held = new WeakMap<FastifyRequest, Held>()

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` are the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/** Which user a request acts for: the body's `userId` (set from the verified token when auth is on). */
function ownerOf(request: FastifyRequest, scope: 'user' | 'admin'): string {
  if (scope === 'admin') return 'admin'
  const userId = (request.body as { userId?: unknown } | undefined)?.userId
  const user = typeof userId === 'string' || typeof userId === 'number' ? normalizeUserId(userId) : userId
  return `user:${String(user)}`
}

/** Whether an answer is the request's result (kept) or says nothing was done (the key is freed). */
function isFinal(status: number): boolean {
  return status < 500 && status !== 429
}

/**
 * `Idempotency-Key` on the write endpoints whose route config has `idempotency`:
 * - the first request with a key does the work; its answer (status, body, `Location`/`Link`) is kept for
 *   the retention window and replayed, with `Idempotent-Replayed: true`, to every retry with the same key
 *   and the same request (method, path, query, body) — on any instance, as the record lives in Redis;
 * - a retry while the first is in flight waits up to `waitMs` for its answer, then gets 409
 *   `IDEMPOTENCY_KEY_IN_USE` with `Retry-After`;
 * - the same key with a different request → 422 `IDEMPOTENCY_KEY_REUSED`; a malformed key → 400
 *   `IDEMPOTENCY_KEY_INVALID`;
 * - keys belong to the request's user (or the admin): two users never share one;
 * - 5xx and 429 answers are not kept (nothing was done), so a retry does the work.
 */
export function registerIdempotency(app: FastifyInstance, options: IdempotencyOptions): void {
  const { store, waitMs, logger } = options

  app.addHook('onRoute', (route) => {
    if (!route.config?.idempotency) return
    const schema = route.schema ?? {}
    const headers = (schema.headers ?? { type: 'object', properties: {} }) as {
      properties?: Record<string, unknown>
    }
    route.schema = {
      ...schema,
      headers: {
        ...headers,
        properties: {
          ...headers.properties,
          'idempotency-key': {
            type: 'string',
            description:
              'Optional. 1–255 characters of A–Z a–z 0–9 . _ ~ : + / = -. A retry with the same key and ' +
              'the same request gets the original answer (header Idempotent-Replayed: true); keys are ' +
              "per user and kept IDEMPOTENCY_RETENTION_MS (24 h). 422 IDEMPOTENCY_KEY_REUSED: the key's " +
              'request was different; 409 IDEMPOTENCY_KEY_IN_USE: it is still in flight, retry shortly.',
          },
        },
      },
      response: { 409: errorBodySchema, 422: errorBodySchema, ...(schema.response as object) },
    }
  })

  app.addHook('preHandler', async (request, reply) => {
    const scope = request.routeOptions.config?.idempotency
    const given = request.headers['idempotency-key']
    if (!scope || given === undefined) return
    if (typeof given !== 'string' || !KEY_PATTERN.test(given)) throw new AppError('IDEMPOTENCY_KEY_INVALID')
    const key = `idem:${options.service}:${sha256(canonical([ownerOf(request, scope), given]))}`
    const fingerprint = sha256(
      canonical({
        method: request.method,
        path: request.url.split('?')[0],
        query: request.query,
        body: request.body,
      }),
    )
    const token = randomUUID()
    const deadline = Date.now() + waitMs
    for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
      const claim = await store.claim(key, fingerprint, token)
      if (claim.kind === 'new') {
        held.set(request, { key, token })
        return
      }
      if (claim.kind === 'mismatch') throw new AppError('IDEMPOTENCY_KEY_REUSED')
      if (claim.kind === 'done') {
        const { status, headers, body } = claim.answer
        void reply
          .code(status)
          .headers({ ...headers, 'idempotent-replayed': 'true' })
          .send(body)
        return reply
      }
      if (Date.now() + delay > deadline) {
        void reply.header('retry-after', '1')
        throw new AppError('IDEMPOTENCY_KEY_IN_USE')
      }
      await sleep(delay)
    }
  })

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = held.get(request)
    if (!claim) return payload
    held.delete(request)
    const status = reply.statusCode
    let answer: StoredAnswer | undefined
    if (isFinal(status) && (typeof payload === 'string' || Buffer.isBuffer(payload))) {
      const headers: Record<string, string> = {}
      for (const name of REPLAYED_HEADERS) {
        const value = reply.getHeader(name)
        if (value !== undefined) headers[name] = String(value)
      }
      answer = { status, headers, body: payload.toString() }
    }
    try {
      await store.finish(claim.key, claim.token, answer)
    } catch (error) {
      // The answer still goes out; a retry after the claim expires does the work again.
      logger.warn({ err: error, url: request.url }, 'could not store an Idempotency-Key answer')
    }
    return payload
  })
}
