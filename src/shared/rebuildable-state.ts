import { AppError, type ErrorCode } from '../errors.ts'
import type { Logger } from '../platform/logger.ts'

/** Thrown by a Redis-side operation when a promotion's state is missing and must be rebuilt first. */
export class MissingStateError extends Error {
  override readonly name = 'MissingStateError'
}

export interface RebuildableStateOptions<Snapshot> {
  /** Names the promotion kind in logs, e.g. `time sale`. */
  readonly kind: string
  /** The error thrown when PostgreSQL does not know the promotion. */
  readonly notFound: ErrorCode
  /** Reads the record from PostgreSQL; undefined for an unknown id. */
  readonly snapshot: (id: string) => Promise<Snapshot | undefined>
  readonly hasState: (id: string) => Promise<boolean>
  /**
   * Installs the snapshot in Redis unless another process did meanwhile; returns whether it did.
   * `created`: the promotion was just created, so state in place not stamped with its creation instant is
   * an earlier promotion's and is replaced.
   */
  readonly install: (id: string, snapshot: Snapshot, created: boolean) => Promise<boolean>
  /** Ids whose state is warmed at start (promotions whose window has not ended). */
  readonly activeIds: (now: Date) => Promise<string[]>
  readonly logger: Logger
}

const WARM_UP_CONCURRENCY = 8

/**
 * Redis state that PostgreSQL can rebuild: when a promotion is created, at start, and whenever a script
 * reports it missing (Redis restarted empty or lost a key). Concurrent rebuilds of one promotion in this
 * process share one load; across processes the install script lets the first one win.
 */
export class RebuildableState<Snapshot> {
  readonly #options: RebuildableStateOptions<Snapshot>
  readonly #loading = new Map<string, Promise<boolean>>()

  constructor(options: RebuildableStateOptions<Snapshot>) {
    this.#options = options
  }

  /**
   * Builds the state if Redis does not have it; resolves to whether this call installed it. Throws the
   * `notFound` code for an unknown id.
   */
  rebuild(id: string): Promise<boolean> {
    return this.#once(id, false)
  }

  /**
   * Installs the state of a promotion just created, even when Redis holds state under its id: the install
   * script keeps it only if it is this promotion's (its creation stamp), and replaces state an earlier
   * promotion with the same id left (PostgreSQL reset or restored while Redis kept its data).
   */
  installCreated(id: string): Promise<boolean> {
    return this.#once(id, true)
  }

  #once(id: string, always: boolean): Promise<boolean> {
    let loading = this.#loading.get(id)
    if (!loading) {
      loading = this.#load(id, always).finally(() => this.#loading.delete(id))
      this.#loading.set(id, loading)
    }
    return loading
  }

  async #load(id: string, always: boolean): Promise<boolean> {
    const { hasState, snapshot, install, notFound } = this.#options
    if (!always && (await hasState(id))) return false
    const record = await snapshot(id)
    if (!record) throw new AppError(notFound)
    return install(id, record, always)
  }

  /** Runs `fn`; if it finds the state missing, rebuilds it and runs `fn` once more. */
  async withState<T>(id: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      if (!(error instanceof MissingStateError)) throw error
      if (await this.rebuild(id)) {
        this.#options.logger.info(
          { id, kind: this.#options.kind },
          'rebuilt lost Redis state from PostgreSQL',
        )
      }
      return fn()
    }
  }

  /** Warms the state of every active promotion; returns how many there are and how many were built. */
  async warmUp(now = new Date()): Promise<{ active: number; built: number }> {
    const ids = await this.#options.activeIds(now)
    let built = 0
    for (let start = 0; start < ids.length; start += WARM_UP_CONCURRENCY) {
      const installed = await Promise.all(
        ids.slice(start, start + WARM_UP_CONCURRENCY).map((id) => this.rebuild(id)),
      )
      built += installed.filter(Boolean).length
    }
    return { active: ids.length, built }
  }
}
