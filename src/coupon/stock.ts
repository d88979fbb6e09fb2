import { randomUUID } from 'node:crypto'
import type { Redis } from '../platform/redis.ts'
import { memoize } from '../shared/memoize.ts'
import {
  INSTALL_MODES,
  type InstallMode,
  PromotionScripts,
  readPromotionScripts,
} from '../shared/promotion-scripts.ts'
import type { IndexEntry } from '../shared/request-index.ts'
import { chunksOf, RESERVE_CHUNK, SETTLE_CHUNK } from '../shared/script-chunks.ts'
import { requestIdInSlot, slotOfTag } from '../shared/slot-ids.ts'
import type { Decision } from './types.ts'

const SCRIPTS = readPromotionScripts(new URL('./lua', import.meta.url))

/** A pending mark older than this is treated as abandoned (its accept crashed before Kafka acknowledged). */
const PENDING_STALE_MS = 60_000
const BUILD_CHUNK = 1_000
/**
 * How long a policy's Redis state outlives its window, for requests accepted just before the end. If one
 * arrives later still, the state is rebuilt from PostgreSQL like any lost state.
 */
const STATE_AFTER_END_MS = 24 * 3600 * 1000

/**
 * All keys of a policy share the `{c:<id>}` hash tag, so its scripts work on Redis Cluster; `slot` is that
 * tag's hash slot. Remembered per policy: the accept path needs them on every request.
 */
const keys = memoize((policyId: string) => {
  const tag = `{c:${policyId}}`
  return {
    slot: slotOfTag(`c:${policyId}`),
    meta: `${tag}:meta`,
    holders: `${tag}:holders`,
    pending: `${tag}:pending`,
    outcomes: `${tag}:outcomes`,
    build: () => `${tag}:holders:build:${randomUUID()}`,
  }
})

/** The per-policy lock of v2; reconciliation takes it too, so no v2 reservation is in flight meanwhile. */
export function lockKey(policyId: string): string {
  return `{c:${policyId}}:lock`
}

/** The state PostgreSQL holds for a policy, from which Redis is rebuilt. */
export interface PolicySnapshot {
  readonly totalQuantity: number
  /** When the policy's window ends: its Redis state is forgotten a day later. */
  readonly endTime: Date
  /** userId → requestId of every issued coupon. */
  readonly holders: ReadonlyArray<readonly [string, string]>
  /**
   * When the policy was created: Redis state stamped with another instant belongs to an earlier policy
   * that had the same id (PostgreSQL reset or restored while Redis kept its data) and is replaced.
   */
  readonly createdAt: Date
}

/**
 * The Redis side of coupon stock. Redis is a fast, rebuildable copy: PostgreSQL is the record, and every
 * decision here is one Lua script, never a read in JavaScript followed by a write.
 */
export class CouponStock {
  readonly #redis: Redis
  readonly #scripts: PromotionScripts<'withdraw'>

  constructor(redis: Redis) {
    this.#redis = redis
    this.#scripts = new PromotionScripts(redis, SCRIPTS, 'coupon policy')
  }

  /**
   * A fresh v3 request id that carries the policy's hash slot (`slot-ids.ts`), so that its status-index
   * entry can be written by {@link accept} in the same call.
   */
  newRequestId(policyId: string): string {
    return requestIdInSlot(keys(policyId).slot)
  }

  /**
   * The v3 accept path's one Redis call: the filter, the user's pending mark and the request's
   * status-index entry (`index`, keyed in the slot `requestId` carries: see {@link newRequestId}).
   * Throws AppError `ALREADY_ISSUED` (also while the user's request is pending) or `SOLD_OUT`, and
   * MissingStateError when the policy's state is gone.
   */
  async accept(
    policyId: string,
    userId: string,
    requestId: string,
    acceptedAt: number,
    index: IndexEntry,
  ): Promise<void> {
    const k = keys(policyId)
    await this.#scripts.call(
      'accept',
      policyId,
      [k.meta, k.holders, k.pending, index.key],
      [userId, requestId, acceptedAt, PENDING_STALE_MS, index.value, index.ttlSeconds],
    )
  }

  /**
   * v2's filter before its lock; changes nothing. Throws AppError `ALREADY_ISSUED` or `SOLD_OUT`, and
   * MissingStateError when the policy's state is gone.
   */
  async precheck(policyId: string, userId: string): Promise<void> {
    const k = keys(policyId)
    await this.#scripts.call('precheck', policyId, [k.meta, k.holders], [userId])
  }

  /**
   * Undoes {@link accept} for a request that could not be published, in one call: its pending mark and its
   * status-index entry (`indexKey`).
   */
  async withdraw(policyId: string, userId: string, requestId: string, indexKey: string): Promise<void> {
    await this.#scripts.call('withdraw', policyId, [keys(policyId).pending, indexKey], [userId, requestId])
  }

  /**
   * Decides requests of one policy in order; with `record` (v3) each decision is kept until settled, so a
   * replay gets the same decision. Throws {@link MissingStateError} when the policy's state is gone.
   */
  async reserve(
    policyId: string,
    requests: ReadonlyArray<{ requestId: string; userId: string }>,
    { record = true }: { record?: boolean } = {},
  ): Promise<Decision[]> {
    const k = keys(policyId)
    // Small chunks, one round trip each and one after the other: no single script holds Redis for more
    // than about a millisecond, and the accept path's calls run in between. The decisions are the same as
    // in one call, since chunks run in order and only this consumer reserves for the policy's partition.
    const decisions: Decision[] = []
    for (const chunk of chunksOf(requests, RESERVE_CHUNK)) {
      const result = await this.#scripts.call(
        'reserve',
        policyId,
        [k.meta, k.holders, k.pending, k.outcomes],
        [record ? 1 : 0, ...chunk.flatMap((request) => [request.requestId, request.userId])],
      )
      decisions.push(...(result as Decision[]))
    }
    return decisions
  }

  /** Forgets reservation records PostgreSQL now holds and gives back coupons it refused. */
  async settle(
    policyId: string,
    settledRequestIds: readonly string[],
    refused: ReadonlyArray<{ requestId: string; userId: string }>,
  ): Promise<number> {
    const k = keys(policyId)
    // In bounded chunks, in the order one call would take: outcome records first, then refused coupons.
    const calls: Array<Array<string | number>> = [
      ...chunksOf(settledRequestIds, SETTLE_CHUNK).map((ids) => [ids.length, ...ids]),
      ...chunksOf(refused, RESERVE_CHUNK).map((pairs) => [
        0,
        ...pairs.flatMap((r) => [r.requestId, r.userId]),
      ]),
    ]
    let released = 0
    for (const args of calls) {
      const [count] = await this.#scripts.call('settle', policyId, [k.holders, k.outcomes, k.pending], args)
      released += Number(count)
    }
    return released
  }

  /** Records a coupon issued in PostgreSQL by v1/v2. */
  async claim(policyId: string, userId: string, requestId: string): Promise<void> {
    const k = keys(policyId)
    await this.#scripts.call('claim', policyId, [k.meta, k.holders], [userId, requestId])
  }

  async hasState(policyId: string): Promise<boolean> {
    return (await this.#redis.exists(keys(policyId).meta)) === 1
  }

  /**
   * Installs state built from PostgreSQL. `mode` (see {@link InstallMode}): unless `replace`, state
   * another process installed meanwhile wins; state of an earlier policy with the same id (another
   * `createdAt`) never does. Returns whether it installed.
   */
  async install(policyId: string, snapshot: PolicySnapshot, mode: InstallMode = 'keep'): Promise<boolean> {
    const k = keys(policyId)
    const build = k.build()
    for (let start = 0; start < snapshot.holders.length; start += BUILD_CHUNK) {
      const chunk = snapshot.holders.slice(start, start + BUILD_CHUNK).flat()
      await this.#redis.hset(build, ...chunk)
    }
    if (snapshot.holders.length > 0) await this.#redis.pexpire(build, 60_000)
    const [installed] = await this.#scripts.call(
      'installState',
      policyId,
      [k.meta, k.holders, build, k.pending, k.outcomes],
      [
        snapshot.totalQuantity,
        INSTALL_MODES[mode],
        snapshot.endTime.getTime() + STATE_AFTER_END_MS,
        snapshot.createdAt.getTime(),
      ],
    )
    return installed === 1
  }

  /** Counts only, for a cheap first look: total, holders, reservations in flight. */
  async counts(policyId: string): Promise<{ total: number | null; holders: number; inFlight: number }> {
    const k = keys(policyId)
    const [total, holders, inFlight] = await Promise.all([
      this.#redis.hget(k.meta, 'total'),
      this.#redis.hlen(k.holders),
      this.#redis.hlen(k.outcomes),
    ])
    return { total: total === null ? null : Number(total), holders, inFlight }
  }

  /** Redis's view of a policy, read in one round trip: holders and the reservations still in flight. */
  async view(
    policyId: string,
  ): Promise<{ total: number | null; holders: Map<string, string>; inFlight: Set<string> }> {
    const k = keys(policyId)
    const [total, holders, outcomes] = await Promise.all([
      this.#redis.hget(k.meta, 'total'),
      this.#redis.hgetall(k.holders),
      this.#redis.hkeys(k.outcomes),
    ])
    return {
      total: total === null ? null : Number(total),
      holders: new Map(Object.entries(holders)),
      inFlight: new Set(outcomes),
    }
  }

  /** Applies a reconciliation: adds PostgreSQL's holders, removes settled holders it does not know. */
  async repair(
    policyId: string,
    totalQuantity: number,
    add: ReadonlyArray<readonly [string, string]>,
    remove: ReadonlyArray<readonly [string, string]>,
  ): Promise<{ added: number; removed: number }> {
    const k = keys(policyId)
    const [added, removed] = await this.#scripts.call(
      'repair',
      policyId,
      [k.meta, k.holders, k.outcomes],
      [totalQuantity, add.length, ...add.flat(), ...remove.flat()],
    )
    return { added: Number(added), removed: Number(removed) }
  }

  /** Coupons taken according to Redis (issued + reserved). */
  async taken(policyId: string): Promise<number> {
    return this.#redis.hlen(keys(policyId).holders)
  }

  /** Requests of the policy accepted and not settled yet. */
  async pendingCount(policyId: string): Promise<number> {
    return this.#redis.hlen(keys(policyId).pending)
  }
}
