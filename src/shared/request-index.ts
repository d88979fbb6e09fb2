import type { Redis } from '../platform/redis.ts'
import { chunksOf, SETTLE_CHUNK } from './script-chunks.ts'
import { slotOfRequestId, tagOfSlot } from './slot-ids.ts'

/** How long an entry can live: far longer than any request waits, even one parked in the DLQ. */
const TTL_S = 7 * 24 * 3600

/** A status-index entry as the accept script writes it, in the same call as its filter. */
export interface IndexEntry {
  /** The entry's key, in the hash slot its request id carries (the promotion's). */
  readonly key: string
  /** The entry, JSON. */
  readonly value: string
  readonly ttlSeconds: number
}

/**
 * The status endpoint's view of v3 requests PostgreSQL does not know yet: written at accept, read by
 * request id, dropped once the request's outcome is in PostgreSQL; the TTL only bounds entries whose
 * request never settles.
 *
 * Where an entry lives: the accept script writes it in the same call as the filter (one Redis round trip
 * per accept), so on Redis Cluster its key must be in the promotion's hash slot — yet the status endpoint
 * knows only the request id. So a v3 request id carries its promotion's slot (`slot-ids.ts`), and the key
 * is `{<tag>}:<prefix>:req:<id>` with a short tag of that slot; a lookup reads the slot back from the id.
 * An id that carries no slot (issued before, or any other UUID) is looked up under the former key,
 * `<prefix>:req:<id>`, so entries written before still answer.
 */
export class RequestIndex<Entry extends object> {
  readonly #redis: Redis
  readonly #prefix: string

  /** `prefix` names the flow, e.g. `c` for coupons. */
  constructor(redis: Redis, prefix: string) {
    this.#redis = redis
    this.#prefix = `${prefix}:req:`
  }

  /** The key of `requestId`'s entry (lower-case ids, as the edge normalises them). */
  keyOf(requestId: string): string {
    const slot = slotOfRequestId(requestId)
    return slot === undefined ? this.#prefix + requestId : this.#keyIn(slot, requestId)
  }

  #keyIn(slot: number, requestId: string): string {
    return `{${tagOfSlot(slot)}}:${this.#prefix}${requestId}`
  }

  /**
   * The entry of an accepted request, for the accept script to write. `fields` may leave out what the
   * script adds itself (a time-sale request's ticket).
   */
  entry(requestId: string, fields: Partial<Entry>): IndexEntry {
    return { key: this.keyOf(requestId), value: JSON.stringify(fields), ttlSeconds: TTL_S }
  }

  async find(requestId: string): Promise<Entry | undefined> {
    const value = await this.#redis.get(this.keyOf(requestId))
    return value ? (JSON.parse(value) as Entry) : undefined
  }

  /**
   * Drops the entries of settled requests: one `UNLINK` per hash slot for up to {@link SETTLE_CHUNK} keys
   * (the requests of one promotion share its slot, so a consumer batch costs a command or two), and one
   * per key for ids without a slot, whose keys are spread over the cluster. The commands go out together
   * (auto-pipelining on a single node).
   */
  async forget(requestIds: readonly string[]): Promise<void> {
    const bySlot = new Map<number, string[]>()
    const unlinks: Array<Promise<number>> = []
    for (const id of requestIds) {
      const slot = slotOfRequestId(id)
      if (slot === undefined) {
        unlinks.push(this.#redis.unlink(this.#prefix + id))
        continue
      }
      const keys = bySlot.get(slot)
      if (keys) keys.push(this.#keyIn(slot, id))
      else bySlot.set(slot, [this.#keyIn(slot, id)])
    }
    for (const keys of bySlot.values()) {
      for (const chunk of chunksOf(keys, SETTLE_CHUNK)) unlinks.push(this.#redis.unlink(...chunk))
    }
    await Promise.all(unlinks)
  }
}
