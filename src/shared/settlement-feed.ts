import type { Logger } from '../platform/logger.ts'
import { duplicateRedis, type Redis } from '../platform/redis.ts'

/**
 * The Redis pub/sub channel on which a promotion's settled requests are announced:
 * `<REDIS_KEY_PREFIX>settled:<flow>:<promotionId>` (ioredis prefixes keys, not channels, so the prefix is
 * added here). A message is the JSON array of request ids whose outcome PostgreSQL now holds.
 */
export function settlementChannel(keyPrefix: string, flow: string, promotionId: string): string {
  return `${keyPrefix}settled:${flow}:${promotionId}`
}

/**
 * The consumer's side: after a promotion's batch is persisted, one PUBLISH tells every API instance which
 * requests settled (and, for a queue, that it moved). Never throws: a lost signal only delays an open
 * stream until its next poll (`SSE_POLL_MS`).
 */
export class SettlementSignal {
  readonly #redis: Redis
  /** The channel of a promotion of this flow. */
  readonly #channel: (promotionId: string) => string
  readonly #logger: Logger

  constructor(redis: Redis, keyPrefix: string, flow: string, logger: Logger) {
    this.#redis = redis
    this.#channel = (promotionId) => settlementChannel(keyPrefix, flow, promotionId)
    this.#logger = logger
  }

  async publish(promotionId: string, requestIds: readonly string[]): Promise<void> {
    if (requestIds.length === 0) return
    try {
      await this.#redis.publish(this.#channel(promotionId), JSON.stringify(requestIds))
    } catch (error) {
      this.#logger.warn({ err: error, promotionId }, 'could not announce settled requests')
    }
  }
}

/** Called with the ids of requests that just settled in the watched promotion. */
export type SettlementListener = (settled: readonly string[]) => void

interface Channel {
  readonly listeners: Set<SettlementListener>
  readonly subscribed: Promise<unknown>
}

/**
 * The API's side: one subscriber connection per process (opened on first use), one channel subscription per
 * promotion that has at least one open stream, fanned out to that promotion's streams in this process.
 */
export class SettlementFeed {
  readonly #redis: Redis
  readonly #keyPrefix: string
  readonly #logger: Logger
  readonly #channels = new Map<string, Channel>()
  #subscriber: Redis | undefined

  constructor(redis: Redis, keyPrefix: string, logger: Logger) {
    this.#redis = redis
    this.#keyPrefix = keyPrefix
    this.#logger = logger
  }

  /**
   * Calls `listener` for every settlement of `promotionId` from the moment the returned promise resolves
   * (the subscription is active then). The returned function stops it.
   */
  async watch(flow: string, promotionId: string, listener: SettlementListener): Promise<() => void> {
    const name = settlementChannel(this.#keyPrefix, flow, promotionId)
    let channel = this.#channels.get(name)
    if (!channel) {
      channel = { listeners: new Set(), subscribed: this.#connection().subscribe(name) }
      this.#channels.set(name, channel)
    }
    const current = channel
    current.listeners.add(listener)
    const stop = () => {
      current.listeners.delete(listener)
      if (current.listeners.size === 0 && this.#channels.get(name) === current) {
        this.#channels.delete(name)
        this.#subscriber?.unsubscribe(name).catch(() => {})
      }
    }
    try {
      await current.subscribed
    } catch (error) {
      stop()
      throw error
    }
    return stop
  }

  async close(): Promise<void> {
    this.#channels.clear()
    const subscriber = this.#subscriber
    this.#subscriber = undefined
    if (subscriber) await subscriber.quit().catch(() => subscriber.disconnect())
  }

  #connection(): Redis {
    if (this.#subscriber) return this.#subscriber
    const subscriber = duplicateRedis(this.#redis, 'settlement-feed')
    subscriber.on('error', (error: Error) => this.#logger.debug({ err: error }, 'settlement feed error'))
    subscriber.on('message', (name: string, message: string) => {
      const channel = this.#channels.get(name)
      if (!channel) return
      let settled: unknown
      try {
        settled = JSON.parse(message)
      } catch {
        return
      }
      if (!Array.isArray(settled)) return
      const ids = settled.filter((id): id is string => typeof id === 'string')
      for (const listener of channel.listeners) listener(ids)
    })
    this.#subscriber = subscriber
    return subscriber
  }
}
