import type { CouponRepository } from './repository.ts'
import type { Policy } from './types.ts'

const NEGATIVE_TTL_MS = 1_000
const MAX_ENTRIES = 10_000

/**
 * The accept path's view of policies, so a request does not cost a database query. A policy's fields never
 * change after creation, so a found policy is kept (up to a bound); an unknown id is remembered briefly.
 */
export class PolicyCache {
  readonly #repository: CouponRepository
  readonly #found = new Map<string, Policy>()
  readonly #missing = new Map<string, number>()
  readonly #loading = new Map<string, Promise<Policy | undefined>>()

  constructor(repository: CouponRepository) {
    this.#repository = repository
  }

  async get(id: string): Promise<Policy | undefined> {
    const cached = this.#found.get(id)
    if (cached) return cached
    const missingUntil = this.#missing.get(id)
    if (missingUntil !== undefined && missingUntil > Date.now()) return undefined
    let loading = this.#loading.get(id)
    if (!loading) {
      loading = this.#load(id).finally(() => this.#loading.delete(id))
      this.#loading.set(id, loading)
    }
    return loading
  }

  put(policy: Policy): void {
    if (this.#found.size >= MAX_ENTRIES) {
      const oldest = this.#found.keys().next().value
      if (oldest !== undefined) this.#found.delete(oldest)
    }
    this.#found.set(policy.id, policy)
    this.#missing.delete(policy.id)
  }

  async #load(id: string): Promise<Policy | undefined> {
    const policy = await this.#repository.findPolicy(id)
    if (policy) this.put(policy)
    else this.#missing.set(id, Date.now() + NEGATIVE_TTL_MS)
    return policy
  }
}
