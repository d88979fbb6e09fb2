import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { AppError } from '../errors.ts'
import { LuaScripts, type Redis, readScripts } from './redis.ts'

const SCRIPTS = readScripts(fileURLToPath(new URL('./lua', import.meta.url)))

export interface LockOptions {
  /** How long the lock lives if its holder dies, in ms. */
  readonly ttlMs: number
  /** How long to keep trying before giving up with `LOCK_TIMEOUT`, in ms. */
  readonly waitMs: number
  /** First pause between attempts in ms; grows ×1.5 with jitter up to 50 ms. */
  readonly retryMs: number
}

export const DEFAULT_LOCK: LockOptions = Object.freeze({ ttlMs: 5_000, waitMs: 10_000, retryMs: 2 })

/**
 * A Redis lock with a unique token per holder: `SET key token NX PX ttl` to take it, and a compare-and-delete
 * script to release it, so a holder whose lock expired (a long GC pause) can never release someone else's.
 * The token doubles as a fencing token for the work done under the lock.
 */
export class RedisLock {
  readonly #redis: Redis
  readonly #scripts: LuaScripts<'lockRelease' | 'lockExtend'>

  readonly #defaults: LockOptions

  /** `defaults` apply to calls that pass no options of their own. */
  constructor(redis: Redis, defaults: Partial<LockOptions> = {}) {
    this.#defaults = Object.freeze({ ...DEFAULT_LOCK, ...defaults })
    this.#redis = redis
    this.#scripts = new LuaScripts(redis, SCRIPTS)
  }

  /** Takes the lock or throws `LOCK_TIMEOUT` after `waitMs`. Returns the holder's token. */
  async acquire(key: string, options: LockOptions = this.#defaults): Promise<string> {
    const token = randomUUID()
    const deadline = Date.now() + options.waitMs
    let pause = options.retryMs
    for (;;) {
      const taken = await this.#redis.set(key, token, 'PX', options.ttlMs, 'NX')
      if (taken === 'OK') return token
      if (Date.now() >= deadline) throw new AppError('LOCK_TIMEOUT')
      await sleep(pause * (0.5 + Math.random()))
      pause = Math.min(pause * 1.5, 50)
    }
  }

  /** Releases the lock if `token` still holds it; returns whether it did. */
  async release(key: string, token: string): Promise<boolean> {
    return (await this.#scripts.run('lockRelease', [key], [token])) === 1
  }

  async extend(key: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.#scripts.run('lockExtend', [key], [token, ttlMs])) === 1
  }

  /** Runs `fn` under the lock and releases it afterwards, even when `fn` throws. */
  async withLock<T>(
    key: string,
    fn: (token: string) => Promise<T>,
    options: LockOptions = this.#defaults,
  ): Promise<T> {
    const token = await this.acquire(key, options)
    try {
      return await fn(token)
    } finally {
      await this.release(key, token).catch(() => false)
    }
  }
}
