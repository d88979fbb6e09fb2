import { AppError } from '../errors.ts'
import type { Logger } from '../platform/logger.ts'
import type { CouponRepository } from './repository.ts'
import { type CouponStock, MissingStateError } from './stock.ts'

/**
 * Rebuilds a policy's Redis state from PostgreSQL: when a policy is created, at start, and whenever a
 * script reports it missing (Redis restarted empty). Concurrent rebuilds of one policy in this process
 * share one load; across processes the install script lets the first one win.
 */
export class CouponState {
  readonly #repository: CouponRepository
  readonly #stock: CouponStock
  readonly #logger: Logger
  readonly #loading = new Map<string, Promise<void>>()

  constructor(repository: CouponRepository, stock: CouponStock, logger: Logger) {
    this.#repository = repository
    this.#stock = stock
    this.#logger = logger
  }

  /** Builds the state if Redis does not have it. Throws POLICY_NOT_FOUND for an unknown policy. */
  rebuild(policyId: string): Promise<void> {
    let loading = this.#loading.get(policyId)
    if (!loading) {
      loading = this.#load(policyId).finally(() => this.#loading.delete(policyId))
      this.#loading.set(policyId, loading)
    }
    return loading
  }

  async #load(policyId: string): Promise<void> {
    if (await this.#stock.hasState(policyId)) return
    const snapshot = await this.#repository.snapshot(policyId)
    if (!snapshot) throw new AppError('POLICY_NOT_FOUND')
    const installed = await this.#stock.install(policyId, snapshot)
    if (installed) {
      this.#logger.info(
        { policyId, issued: snapshot.holders.length },
        'rebuilt coupon policy state from PostgreSQL',
      )
    }
  }

  /** Runs `fn`; if it finds the state missing, rebuilds it and runs `fn` once more. */
  async withState<T>(policyId: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      if (!(error instanceof MissingStateError)) throw error
      await this.rebuild(policyId)
      return fn()
    }
  }

  /** Warms the state of every policy whose window has not ended. */
  async warmUp(now = new Date()): Promise<number> {
    const ids = await this.#repository.activePolicyIds(now)
    for (const id of ids) await this.rebuild(id)
    return ids.length
  }
}
