import type { Redis } from '../platform/redis.ts'

/** How long an entry can live: far longer than any request waits, even one parked in the DLQ. */
const TTL_S = 7 * 24 * 3600

/**
 * The status endpoint's view of v3 requests PostgreSQL does not know yet: written at accept, read by
 * request id, dropped once the request's outcome is in PostgreSQL. One key per request (`<prefix>:req:<id>`),
 * so it needs no hash tag; the TTL only bounds entries whose request never settles.
 */
export class RequestIndex<Entry extends object> {
  readonly #redis: Redis
  readonly #prefix: string

  /** `prefix` names the flow, e.g. `c` for coupons. */
  constructor(redis: Redis, prefix: string) {
    this.#redis = redis
    this.#prefix = `${prefix}:req:`
  }

  async add(requestId: string, entry: Entry): Promise<void> {
    await this.#redis.set(this.#prefix + requestId, JSON.stringify(entry), 'EX', TTL_S)
  }

  async find(requestId: string): Promise<Entry | undefined> {
    const value = await this.#redis.get(this.#prefix + requestId)
    return value ? (JSON.parse(value) as Entry) : undefined
  }

  /**
   * Drops the entries of settled requests. One command per key, sent together by auto-pipelining: an
   * explicit pipeline would have to stay within one node of a Redis Cluster, and these keys are spread.
   */
  async forget(requestIds: readonly string[]): Promise<void> {
    await Promise.all(requestIds.map((id) => this.#redis.unlink(this.#prefix + id)))
  }
}
