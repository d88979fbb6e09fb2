import type { Redis } from '../platform/redis.ts'
import {
  INSTALL_MODES,
  type InstallMode,
  PromotionScripts,
  readPromotionScripts,
} from '../shared/promotion-scripts.ts'
import type { IndexEntry } from '../shared/request-index.ts'
import { chunksOf, RESERVE_CHUNK, SETTLE_CHUNK } from '../shared/script-chunks.ts'
import { requestIdInSlot } from '../shared/slot-ids.ts'
import {
  keys,
  positionOf,
  type Reservable,
  type SaleSnapshot,
  STATE_AFTER_END_MS,
  type StockView,
  type Ticket,
} from './stock-model.ts'
import type { Decision } from './types.ts'

const SCRIPTS = readPromotionScripts(new URL('./lua', import.meta.url))

const BUILD_CHUNK = 1_000
/**
 * The Redis side of time-sale stock. Redis is a fast, rebuildable copy: PostgreSQL is the record, and every
 * decision here is one Lua script, never a read in JavaScript followed by a write.
 */
export class TimeSaleStock {
  readonly #redis: Redis
  readonly #scripts: PromotionScripts<'abandon'>

  constructor(redis: Redis) {
    this.#redis = redis
    this.#scripts = new PromotionScripts(redis, SCRIPTS, 'time sale')
  }

  /**
   * A fresh v3 request id that carries the sale's hash slot (`slot-ids.ts`), so that its status-index
   * entry can be written by {@link accept} in the same call.
   */
  newRequestId(saleId: string): string {
    return requestIdInSlot(keys(saleId).slot)
  }

  /**
   * The v3 accept path's one Redis call: the filter, the request's ticket and its status-index entry
   * (`index`, without the ticket, which the script adds; keyed in the slot the request id carries: see
   * {@link newRequestId}). Throws AppError `LIMIT_EXCEEDED` (the user's limit already used) or `SOLD_OUT`
   * (not enough units left), and MissingStateError when the state is gone.
   */
  async accept(saleId: string, userId: string, quantity: number, index: IndexEntry): Promise<Ticket> {
    const k = keys(saleId)
    const [ticket, queuePosition] = await this.#scripts.call(
      'accept',
      saleId,
      [k.meta, k.sold, k.users, k.ticket, k.settled, k.abandoned, index.key],
      [userId, quantity, index.value, index.ttlSeconds],
    )
    return { ticket: Number(ticket), queuePosition: Number(queuePosition) }
  }

  /**
   * The same filter without a ticket (v2, before queueing for its lock); changes nothing. Resolving means
   * "may succeed": the decision is still {@link reserve}'s.
   */
  async precheck(saleId: string, userId: string, quantity: number): Promise<void> {
    const k = keys(saleId)
    await this.#scripts.call('precheck', saleId, [k.meta, k.sold, k.users], [userId, quantity])
  }

  /**
   * Undoes {@link accept} for an order that could not be published, in one call: counts its ticket as
   * abandoned, so later queue positions stay right, and drops its status-index entry (`indexKey`).
   */
  async abandon(saleId: string, indexKey: string): Promise<void> {
    await this.#scripts.call('abandon', saleId, [keys(saleId).abandoned, indexKey])
  }

  /**
   * Decides requests of one sale in the given order; idempotent per request id. Throws
   * {@link MissingStateError} when the sale's state is gone.
   */
  async reserve(saleId: string, requests: readonly Reservable[]): Promise<Decision[]> {
    const k = keys(saleId)
    // Small chunks, one round trip each and one after the other, so no script holds Redis for more than
    // about a millisecond; each chunk reads the units the previous ones took, so the decisions are those of
    // one call.
    const decisions: Decision[] = []
    for (const chunk of chunksOf(requests, RESERVE_CHUNK)) {
      const result = await this.#scripts.call(
        'reserve',
        saleId,
        [k.meta, k.reservations, k.sold, k.users, k.outcomes],
        chunk.flatMap((request) => [request.requestId, request.userId, request.quantity]),
      )
      decisions.push(...(result as Decision[]))
    }
    return decisions
  }

  /**
   * Forgets outcome records PostgreSQL now holds, gives back the units of `refused` reservations and
   * raises the settled watermark to `watermark` (0 leaves it). Returns the units given back.
   */
  async settle(
    saleId: string,
    settledRequestIds: readonly string[],
    refused: readonly string[],
    watermark = 0,
  ): Promise<number> {
    const k = keys(saleId)
    // In bounded chunks, in the order one call would take; the watermark rises with the last one.
    const calls: Array<Array<string | number>> = [
      ...chunksOf(settledRequestIds, SETTLE_CHUNK).map((ids) => [ids.length, ...ids]),
      ...chunksOf(refused, RESERVE_CHUNK).map((ids) => [0, ...ids]),
    ]
    if (calls.length === 0) calls.push([0])
    let released = 0
    for (const [index, args] of calls.entries()) {
      const last = index === calls.length - 1
      const [units] = await this.#scripts.call(
        'settle',
        saleId,
        [k.reservations, k.sold, k.users, k.outcomes, k.settled],
        [last ? watermark : 0, ...args],
      )
      released += Number(units)
    }
    return released
  }

  /** Records an order PostgreSQL placed (v1), so the v3 path counts its units. */
  async claim(saleId: string, order: Reservable): Promise<void> {
    const k = keys(saleId)
    await this.#scripts.call(
      'claim',
      saleId,
      [k.meta, k.reservations, k.sold, k.users],
      [order.requestId, order.userId, order.quantity],
    )
  }

  async hasState(saleId: string): Promise<boolean> {
    return (await this.#redis.exists(keys(saleId).meta)) === 1
  }

  /**
   * Installs state built from PostgreSQL. `mode` (see {@link InstallMode}): unless `replace`, state
   * another process installed meanwhile wins; state of an earlier sale with the same id (another
   * `createdAt`) never does. Returns whether it installed.
   */
  async install(saleId: string, snapshot: SaleSnapshot, mode: InstallMode = 'keep'): Promise<boolean> {
    const k = keys(saleId)
    const build = k.build()
    const perUser = new Map<string, number>()
    let sold = 0
    for (const order of snapshot.orders) {
      perUser.set(order.userId, (perUser.get(order.userId) ?? 0) + order.quantity)
      sold += order.quantity
    }
    for (let start = 0; start < snapshot.orders.length; start += BUILD_CHUNK) {
      const chunk = snapshot.orders.slice(start, start + BUILD_CHUNK)
      await this.#redis.hset(
        build.reservations,
        ...chunk.flatMap((order) => [order.requestId, `${order.userId}|${order.quantity}`]),
      )
    }
    const users = [...perUser]
    for (let start = 0; start < users.length; start += BUILD_CHUNK) {
      await this.#redis.hset(build.users, ...users.slice(start, start + BUILD_CHUNK).flat())
    }
    if (users.length > 0) {
      await Promise.all([
        this.#redis.pexpire(build.reservations, 60_000),
        this.#redis.pexpire(build.users, 60_000),
      ])
    }
    const [installed] = await this.#scripts.call(
      'installState',
      saleId,
      [
        k.meta,
        k.reservations,
        k.users,
        k.sold,
        k.ticket,
        k.settled,
        build.reservations,
        build.users,
        k.abandoned,
        k.outcomes,
      ],
      [
        snapshot.totalQuantity,
        snapshot.maxPerUser ?? 0,
        sold,
        snapshot.settledRequests,
        INSTALL_MODES[mode],
        snapshot.endAt.getTime() + STATE_AFTER_END_MS,
        snapshot.createdAt.getTime(),
      ],
    )
    return installed === 1
  }

  /** Redis's view of a sale, for reconciliation: limits, reservations, counters and what is in flight. */
  async view(saleId: string): Promise<{
    total: number | null
    maxPerUser: number | null
    reservations: Map<string, string>
    sold: number
    users: Map<string, number>
    inFlight: Set<string>
  }> {
    const k = keys(saleId)
    // One transaction: a consistent picture even while scripts keep changing the sale.
    const replies = await this.#redis
      .multi()
      .hmget(k.meta, 'total', 'maxPerUser')
      .hgetall(k.reservations)
      .get(k.sold)
      .hgetall(k.users)
      .hkeys(k.outcomes)
      .exec()
    const [meta, reservations, sold, users, outcomes] = (replies ?? []).map(([error, reply]) => {
      if (error) throw error
      return reply
    }) as [Array<string | null>, Record<string, string>, string | null, Record<string, string>, string[]]
    const [total, max] = meta
    return {
      total: total == null ? null : Number(total),
      maxPerUser: max == null || max === '0' ? null : Number(max),
      reservations: new Map(Object.entries(reservations)),
      sold: Number(sold ?? 0),
      users: new Map(Object.entries(users).map(([userId, units]) => [userId, Number(units)])),
      inFlight: new Set(outcomes),
    }
  }

  /**
   * Applies a reconciliation: sets the limits, adds PostgreSQL's orders, removes settled reservations it
   * does not know, and recounts `sold` and `users` from the reservations.
   */
  async repair(
    saleId: string,
    limits: { totalQuantity: number; maxPerUser: number | null },
    add: readonly Reservable[],
    remove: readonly string[],
  ): Promise<{ added: number; removed: number }> {
    const k = keys(saleId)
    const [added, removed] = await this.#scripts.call(
      'repair',
      saleId,
      [k.meta, k.reservations, k.sold, k.users, k.outcomes],
      [
        limits.totalQuantity,
        limits.maxPerUser ?? 0,
        add.length,
        ...add.flatMap((order) => [order.requestId, `${order.userId}|${order.quantity}`]),
        ...remove,
      ],
    )
    return { added: Number(added), removed: Number(removed) }
  }

  /** The live queue position of the request that drew `ticket` (at least 1). */
  async queuePosition(saleId: string, ticket: number): Promise<number> {
    return positionOf(ticket, await this.queueBase(saleId))
  }

  /** Tickets of the sale that left the queue (settled or abandoned): see {@link positionOf}. */
  async queueBase(saleId: string): Promise<number> {
    const k = keys(saleId)
    const [settled, abandoned] = await this.#redis.mget(k.settled, k.abandoned)
    return Number(settled ?? 0) + Number(abandoned ?? 0)
  }

  /** Everything Redis holds for a sale, summed up. */
  async inspect(saleId: string): Promise<StockView> {
    const k = keys(saleId)
    const [[sold, tickets, settled, abandoned], reservations, users, outcomes] = await Promise.all([
      this.#redis.mget(k.sold, k.ticket, k.settled, k.abandoned),
      this.#redis.hvals(k.reservations),
      this.#redis.hgetall(k.users),
      this.#redis.hlen(k.outcomes),
    ])
    return {
      sold: Number(sold ?? 0),
      reservations: reservations.length,
      reservedUnits: reservations.reduce((sum, value) => sum + Number(value.split('|')[1]), 0),
      users: Object.fromEntries(Object.entries(users).map(([userId, units]) => [userId, Number(units)])),
      outcomes,
      tickets: Number(tickets ?? 0),
      settled: Number(settled ?? 0),
      abandoned: Number(abandoned ?? 0),
    }
  }
}
