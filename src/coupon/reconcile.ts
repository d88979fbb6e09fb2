import type { RedisLock } from '../platform/lock.ts'
import type { Logger } from '../platform/logger.ts'
import type { CouponRepository } from './repository.ts'
import { type CouponStock, lockKey } from './stock.ts'

/** What reconciliation found for one policy, and what it changed. */
export interface PolicyDrift {
  readonly policyId: string
  readonly postgresIssued: number
  readonly redisHolders: number
  readonly inFlight: number
  /** Coupons PostgreSQL holds that Redis did not count (or counted under another request). */
  readonly missingInRedis: number
  /** Users Redis counted, settled, that PostgreSQL does not know. */
  readonly unknownToPostgres: number
  readonly totalMismatch: boolean
  readonly drifted: boolean
  readonly repaired: { added: number; removed: number } | null
}

/**
 * Compares Redis with PostgreSQL policy by policy and repairs Redis. Redis is read first, PostgreSQL second:
 * a holder Redis shows without a reservation in flight was settled before that read, so PostgreSQL must know
 * it by the second read — if it does not, it is drift. Additions are always safe (PostgreSQL is the record);
 * removals re-check inside the script that the holder is unchanged and still not in flight. It holds the
 * policy's v2 lock meanwhile, so no v2 reservation (which keeps no in-flight record) is between its Redis
 * and its PostgreSQL step.
 */
export class CouponReconciler {
  readonly #repository: CouponRepository
  readonly #stock: CouponStock
  readonly #lock: RedisLock
  readonly #logger: Logger

  constructor(repository: CouponRepository, stock: CouponStock, lock: RedisLock, logger: Logger) {
    this.#repository = repository
    this.#stock = stock
    this.#lock = lock
    this.#logger = logger
  }

  reconcile(policyId: string, repair: boolean): Promise<PolicyDrift | undefined> {
    return this.#lock.withLock(lockKey(policyId), () => this.#compare(policyId, repair))
  }

  async #compare(policyId: string, repair: boolean): Promise<PolicyDrift | undefined> {
    // Cheap first look: when nothing is in flight and the counts agree, skip the full comparison. Its blind
    // spot — equal counts with different users — takes two opposite faults at once.
    const [quick, record] = await Promise.all([
      this.#stock.counts(policyId),
      this.#repository.counts(policyId),
    ])
    if (!record) return undefined
    if (quick.inFlight === 0 && quick.total === record.total && quick.holders === record.issued) {
      return {
        policyId,
        postgresIssued: record.issued,
        redisHolders: quick.holders,
        inFlight: 0,
        missingInRedis: 0,
        unknownToPostgres: 0,
        totalMismatch: false,
        drifted: false,
        repaired: null,
      }
    }
    const redis = await this.#stock.view(policyId)
    const snapshot = await this.#repository.snapshot(policyId)
    if (!snapshot) return undefined
    const postgres = new Map(snapshot.holders)
    const add = [...postgres].filter(([userId, requestId]) => redis.holders.get(userId) !== requestId)
    const remove = [...redis.holders].filter(
      ([userId, requestId]) => !postgres.has(userId) && !redis.inFlight.has(requestId),
    )
    const totalMismatch = redis.total !== snapshot.totalQuantity
    const drifted = add.length > 0 || remove.length > 0 || totalMismatch
    const repaired =
      repair && drifted ? await this.#stock.repair(policyId, snapshot.totalQuantity, add, remove) : null
    const drift: PolicyDrift = {
      policyId,
      postgresIssued: postgres.size,
      redisHolders: redis.holders.size,
      inFlight: redis.inFlight.size,
      missingInRedis: add.length,
      unknownToPostgres: remove.length,
      totalMismatch,
      drifted,
      repaired,
    }
    if (drifted)
      this.#logger.warn({ drift }, repair ? 'repaired coupon state drift' : 'coupon state drift found')
    return drift
  }

  /** Reconciles every policy whose window has not ended, or the given ones. */
  async reconcileAll(repair: boolean, policyIds?: readonly string[]): Promise<PolicyDrift[]> {
    const ids =
      policyIds && policyIds.length > 0 ? policyIds : await this.#repository.activePolicyIds(new Date())
    const reports: PolicyDrift[] = []
    for (const id of ids) {
      const report = await this.reconcile(id, repair)
      if (report) reports.push(report)
    }
    return reports
  }
}
