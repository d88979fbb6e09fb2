import { fastifySSE } from '@fastify/sse'
import { createJwtVerifier, type JwtVerifier, registerUserAuth } from '../platform/auth.ts'
import type { FastifyInstance } from '../platform/http.ts'
import type { Runtime } from '../runtime.ts'
import { registerIdempotency } from './idempotency.ts'
import { IdempotencyStore } from './idempotency-store.ts'
import { RequestStreams } from './request-stream.ts'
import { SettlementFeed } from './settlement-feed.ts'
import { StreamBudget } from './stream-budget.ts'

interface Shared {
  readonly feed: SettlementFeed
  readonly budget: StreamBudget
  readonly store: IdempotencyStore
  readonly verify: JwtVerifier | undefined
}

const shared = new WeakMap<Runtime, Promise<Shared>>()

/** One subscriber connection, stream budget, key store and token verifier per process. */
function sharedOf(runtime: Runtime): Promise<Shared> {
  let value = shared.get(runtime)
  if (!value) {
    const { clientApi, redis } = runtime.config
    const feed = new SettlementFeed(runtime.redis, redis.keyPrefix, runtime.logger)
    runtime.lifecycle.add('settlement feed', () => feed.close())
    value = (clientApi.auth ? createJwtVerifier(clientApi.auth) : Promise.resolve(undefined)).then(
      (verify) => ({
        feed,
        budget: new StreamBudget(clientApi.events.maxConnections, runtime.registry),
        store: new IdempotencyStore(runtime.redis, clientApi.idempotency.retentionMs),
        verify,
      }),
    )
    shared.set(runtime, value)
  }
  return value
}

/**
 * What a client of the API gets on top of the routes, installed on a server before its routes: result
 * streams (`@fastify/sse`, `app.requestStreams`), optional user JWT auth on routes with `config.userAuth`,
 * and `Idempotency-Key` on routes with `config.idempotency`. Hooks run in that order: the token decides
 * the user, the user owns the key.
 */
export async function registerClientApi(
  app: FastifyInstance,
  runtime: Runtime,
  service: string,
): Promise<void> {
  const { feed, budget, store, verify } = await sharedOf(runtime)
  const { events, idempotency } = runtime.config.clientApi
  await app.register(fastifySSE, { heartbeatInterval: events.heartbeatMs })
  const streams = new RequestStreams(feed, budget, events, runtime.logger.child({ component: 'sse' }))
  app.decorate('requestStreams', streams)
  app.addHook('preClose', async () => streams.closeAll())
  registerUserAuth(app, verify)
  registerIdempotency(app, { service, store, waitMs: idempotency.waitMs, logger: runtime.logger })
}
