const NEGATIVE_TTL_MS = 1_000
const MAX_ENTRIES = 10_000

/**
 * An in-process view of promotions for the accept path, so a request does not cost a database query.
 * A promotion's fields never change after creation, so a found one is kept (up to a bound, oldest out
 * first); an unknown id is remembered briefly; concurrent misses for one id share one load.
 */
export class ReadThroughCache<T extends { readonly id: string }> {
  readonly #load: (id: string) => Promise<T | undefined>
  readonly #found = new Map<string, T>()
  readonly #missing = new Map<string, number>()
  readonly #loading = new Map<string, Promise<T | undefined>>()

  constructor(load: (id: string) => Promise<T | undefined>) {
    this.#load = load
  }

  async get(id: string): Promise<T | undefined> {
    const cached = this.#found.get(id)
    if (cached) return cached
    const missingUntil = this.#missing.get(id)
    if (missingUntil !== undefined && missingUntil > Date.now()) return undefined
    let loading = this.#loading.get(id)
    if (!loading) {
      loading = this.#fetch(id).finally(() => this.#loading.delete(id))
      this.#loading.set(id, loading)
    }
    return loading
  }

  put(entity: T): void {
    if (this.#found.size >= MAX_ENTRIES) {
      const oldest = this.#found.keys().next().value
      if (oldest !== undefined) this.#found.delete(oldest)
    }
    this.#found.set(entity.id, entity)
    this.#missing.delete(entity.id)
  }

  async #fetch(id: string): Promise<T | undefined> {
    const entity = await this.#load(id)
    if (entity) this.put(entity)
    else this.#missing.set(id, Date.now() + NEGATIVE_TTL_MS)
    return entity
  }
}
