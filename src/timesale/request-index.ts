import type { Redis } from '../platform/redis.ts'

/** How long an entry lives: far longer than any request waits in the queue. */
const TTL_S = 7 * 24 * 3600

/** Where a queued v3 request is, from its acceptance until PostgreSQL holds its outcome. */
export interface QueuedRequest {
  readonly timeSaleId: string
  readonly userId: string
  readonly quantity: number
  readonly ticket: number
  /** ms since epoch */
  readonly acceptedAt: number
}

/**
 * The status endpoint's view of requests PostgreSQL does not know yet: written at accept, read by
 * request id (one key per request, so it needs no hash tag).
 */
export class RequestIndex {
  readonly #redis: Redis

  constructor(redis: Redis) {
    this.#redis = redis
  }

  async add(requestId: string, entry: QueuedRequest): Promise<void> {
    const value = [entry.timeSaleId, entry.userId, entry.quantity, entry.ticket, entry.acceptedAt].join('|')
    await this.#redis.set(`t:req:${requestId}`, value, 'EX', TTL_S)
  }

  async find(requestId: string): Promise<QueuedRequest | undefined> {
    const value = await this.#redis.get(`t:req:${requestId}`)
    if (!value) return undefined
    const [timeSaleId = '', userId = '', quantity = '0', ticket = '0', acceptedAt = '0'] = value.split('|')
    return {
      timeSaleId,
      userId,
      quantity: Number(quantity),
      ticket: Number(ticket),
      acceptedAt: Number(acceptedAt),
    }
  }
}
