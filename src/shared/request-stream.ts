import { Readable } from 'node:stream'
import { AppError, isAppError } from '../errors.ts'
import type { FastifyReply, FastifyRequest } from '../platform/http.ts'
import type { Logger } from '../platform/logger.ts'
import type { SettlementFeed } from './settlement-feed.ts'
import type { StreamBudget } from './stream-budget.ts'
import { STATUS_EVENT } from './stream-routes.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Result streams of this server (decorated by the client API, before the routes). */
    requestStreams: RequestStreams
  }
}

/**
 * What a result stream needs to know of one flow's v3 requests. `S` is the status endpoint's answer, which
 * is also each event's data.
 */
export interface RequestSource<S> {
  /** The flow's name, as in its settlement channel. */
  readonly flow: string
  /** The state now, exactly as the status endpoint answers it; throws `REQUEST_NOT_FOUND`. */
  load(requestId: string): Promise<S>
  /** A cheap re-check of a non-terminal state (Redis only), calling `load` once the request may have settled. */
  refresh(state: S): Promise<S>
  /** Whether other requests settling changes this state (a queue position), not only its own settling. */
  readonly movesWithQueue: boolean
  promotionOf(state: S): string
  isTerminal(state: S): boolean
  /** The SSE event id of a state: the same id means nothing new for the client. */
  eventId(state: S): string
}

export interface StreamOptions {
  readonly maxConnections: number
  readonly pollMs: number
  readonly maxDurationMs: number
}

/**
 * Serves result streams (SSE) of one HTTP server. A stream sends the request's state at once, then every
 * change, and ends after a terminal state. Changes come from the settlement channel of the request's
 * promotion (Redis pub/sub, published by whichever consumer settled it), with a poll every `pollMs` as a
 * safety net; so it does not matter which instance accepted the request. `Last-Event-ID` resumes: a state
 * the client already has is not sent again, and a client that already has the terminal state gets 204 (which
 * also tells an EventSource not to reconnect).
 */
export class RequestStreams {
  readonly #feed: SettlementFeed
  readonly #budget: StreamBudget
  readonly #options: StreamOptions
  readonly #logger: Logger
  readonly #open = new Set<{ close(): void }>()

  constructor(feed: SettlementFeed, budget: StreamBudget, options: StreamOptions, logger: Logger) {
    this.#feed = feed
    this.#budget = budget
    this.#options = options
    this.#logger = logger
  }

  /** Handles `GET …/requests/:requestId/events`: a 404/503 error body, a 204, or the stream. */
  async serve<S>(
    source: RequestSource<S>,
    requestId: string,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> {
    if (request.method === 'HEAD') return this.#head(source, requestId, request, reply)
    const release = this.#budget.acquire()
    if (!release) throw tooManyStreams(reply)
    let state: S
    try {
      state = await source.load(requestId)
    } catch (error) {
      release()
      throw error
    }
    const resumed = resumedFrom(request)
    if (source.isTerminal(state) && source.eventId(state) === resumed) {
      release()
      return reply.code(204).send()
    }
    reply.sse.keepAlive()
    const stream = new Stream(source, requestId, reply, this.#feed, this.#options, this.#logger, () => {
      release()
      this.#open.delete(stream)
    })
    this.#open.add(stream)
    reply.sse.onClose(() => stream.close())
    await stream.start(state, resumed)
    return undefined
  }

  /**
   * `HEAD`: what the GET would answer (404, 503, 204 or the stream's status and headers), then the end;
   * it reads the state once and takes no slot of the budget, so HEADs cannot crowd out streams.
   */
  async #head<S>(
    source: RequestSource<S>,
    requestId: string,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply> {
    if (this.#budget.full) throw tooManyStreams(reply)
    const state = await source.load(requestId)
    if (source.isTerminal(state) && source.eventId(state) === resumedFrom(request)) {
      return reply.code(204).send()
    }
    // An (empty) stream as payload: the answer has no Content-Length, as the GET's has none.
    return reply.code(200).headers(STREAM_HEADERS).send(Readable.from([]))
  }

  /** Ends every open stream (server shutdown); clients reconnect elsewhere with `Last-Event-ID`. */
  closeAll(): void {
    for (const stream of [...this.#open]) stream.close()
  }
}

/** The headers `@fastify/sse` sends with a stream, which a HEAD answers too. */
const STREAM_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
} as const

function tooManyStreams(reply: FastifyReply): AppError {
  void reply.header('retry-after', '5')
  return new AppError('TOO_MANY_STREAMS')
}

/** The event id the client already has (`Last-Event-ID`, sent on a reconnect), if any. */
function resumedFrom(request: FastifyRequest): string | undefined {
  const lastEventId = request.headers['last-event-id']
  return typeof lastEventId === 'string' && lastEventId !== '' ? lastEventId : undefined
}

type Wanted = 'none' | 'refresh' | 'load'

/** One open stream: re-reads on signals and polls, one read at a time, and sends what changed. */
class Stream<S> {
  #state!: S
  #sentId: string | undefined
  #wanted: Wanted = 'none'
  #running = false
  #closed = false
  #stop: (() => void) | undefined
  readonly #timers: NodeJS.Timeout[] = []

  readonly source: RequestSource<S>
  readonly requestId: string
  readonly reply: FastifyReply
  readonly feed: SettlementFeed
  readonly options: StreamOptions
  readonly logger: Logger
  readonly onClose: () => void

  constructor(
    source: RequestSource<S>,
    requestId: string,
    reply: FastifyReply,
    feed: SettlementFeed,
    options: StreamOptions,
    logger: Logger,
    onClose: () => void,
  ) {
    this.source = source
    this.requestId = requestId
    this.reply = reply
    this.feed = feed
    this.options = options
    this.logger = logger
    this.onClose = onClose
  }

  async start(state: S, resumed: string | undefined): Promise<void> {
    this.#state = state
    this.#sentId = resumed
    this.reply.sse.sendHeaders()
    // Node holds written headers back until the first body byte, which a resumed stream may not have for
    // a heartbeat's time: without a status line an EventSource stays unopened and proxies time out.
    this.reply.raw.flushHeaders()
    // A client gone while the state was read would otherwise only be noticed at the next write.
    if (!this.reply.sse.isConnected) return this.close()
    await this.#emit(state)
    if (this.#closed) return
    try {
      this.#stop = await this.feed.watch(this.source.flow, this.source.promotionOf(state), (settled) =>
        this.#signal(settled),
      )
    } catch (error) {
      this.logger.warn({ err: error, requestId: this.requestId }, 'stream runs on polling only')
    }
    if (this.#closed) {
      this.#stop?.()
      return
    }
    this.#timers.push(setInterval(() => this.#want('refresh'), this.options.pollMs))
    this.#timers.push(setTimeout(() => this.close(), this.options.maxDurationMs))
    // It may have settled between the first read and the subscription.
    this.#want('load')
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const timer of this.#timers) clearTimeout(timer)
    this.#stop?.()
    this.onClose()
    this.reply.sse.close()
  }

  #signal(settled: readonly string[]): void {
    if (settled.includes(this.requestId)) this.#want('load')
    else if (this.source.movesWithQueue) this.#want('refresh')
  }

  #want(kind: Exclude<Wanted, 'none'>): void {
    if (kind === 'load' || this.#wanted === 'none') this.#wanted = kind
    if (!this.#running) void this.#run()
  }

  async #run(): Promise<void> {
    this.#running = true
    try {
      while (this.#wanted !== 'none' && !this.#closed) {
        const kind = this.#wanted
        this.#wanted = 'none'
        try {
          this.#state =
            kind === 'load' ? await this.source.load(this.requestId) : await this.source.refresh(this.#state)
        } catch (error) {
          if (isAppError(error) && error.code === 'REQUEST_NOT_FOUND') return this.close()
          this.logger.debug({ err: error, requestId: this.requestId }, 'stream re-check failed')
          continue
        }
        await this.#emit(this.#state)
      }
    } finally {
      this.#running = false
    }
  }

  async #emit(state: S): Promise<void> {
    const id = this.source.eventId(state)
    if (id !== this.#sentId && !this.#closed) {
      this.#sentId = id
      try {
        await this.reply.sse.send({ id, event: STATUS_EVENT, data: state })
      } catch {
        return this.close()
      }
    }
    if (this.source.isTerminal(state)) this.close()
  }
}
