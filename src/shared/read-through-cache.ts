const MAX_ENTRIES = 10_000

/**
 * An in-process view of promotions for the accept path, so a request does not cost a database query.
 * A promotion's fields never change after creation, so a found one is kept (up to a bound, oldest out
 * first). An unknown id is never remembered: another instance of the service may create it the next
 * moment, and every instance must answer for it at once; concurrent misses for one id share one load.
 */
export class ReadThroughCache<T extends { readonly id: string }> {
  readonly #load: (id: string) => Promise<T | undefined>
  readonly #found = new Map<string, T>()
  readonly #loading = new Map<string, Promise<T | undefined>>()

  constructor(load: (id: string) => Promise<T | undefined>) {
    this.#load = load
  }

  async get(id: string): Promise<T | undefined> {
    const cached = this.#found.get(id)
    if (cached) return cached
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
  }

  async #fetch(id: string): Promise<T | undefined> {
    const entity = await this.#load(id)
    if (entity) this.put(entity)
    return entity
  }
}
