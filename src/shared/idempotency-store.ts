import { fileURLToPath } from 'node:url'
import { LuaScripts, type Redis, readScripts } from '../platform/redis.ts'

const SCRIPTS = readScripts(fileURLToPath(new URL('./lua', import.meta.url)))

/**
 * How long a claim without an answer lives: longer than any write request may take (a v2 request waits at
 * most `LOCK_WAIT_MS` ≤ 60 s for its lock, a v3 publish at most 15 s), short enough that the key of a
 * request whose process died is usable again soon.
 */
export const IN_FLIGHT_TTL_MS = 120_000

/** The answer an `Idempotency-Key` replays: status, the headers worth repeating, and the body as sent. */
export interface StoredAnswer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** What claiming a key found. */
export type Claim =
  | { readonly kind: 'new' }
  | { readonly kind: 'done'; readonly answer: StoredAnswer }
  | { readonly kind: 'busy' }
  | { readonly kind: 'mismatch' }

/**
 * Idempotency-Key records in Redis, one hash per (service, owner, key): the request fingerprint, the token
 * of the request doing the work, and its answer. Claiming and finishing are one script each, so two
 * instances racing on one key see one owner. Single-key operations only, so Redis Cluster works too.
 */
export class IdempotencyStore {
  readonly #scripts: LuaScripts<'idempotencyBegin' | 'idempotencyFinish'>
  readonly #retentionMs: number

  constructor(redis: Redis, retentionMs: number) {
    this.#scripts = new LuaScripts(redis, SCRIPTS)
    this.#retentionMs = retentionMs
  }

  /** Claims `key` for the request with `fingerprint` (owner `token`), or reports what holds it. */
  async claim(key: string, fingerprint: string, token: string): Promise<Claim> {
    const [kind, answer] = (await this.#scripts.run(
      'idempotencyBegin',
      [key],
      [fingerprint, token, IN_FLIGHT_TTL_MS],
    )) as [string, string?]
    if (kind === 'NEW') return { kind: 'new' }
    if (kind === 'BUSY') return { kind: 'busy' }
    if (kind === 'MISMATCH') return { kind: 'mismatch' }
    if (kind === 'DONE' && answer) return { kind: 'done', answer: JSON.parse(answer) as StoredAnswer }
    throw new Error(`unexpected idempotency claim result ${String(kind)}`)
  }

  /** Keeps the owner's answer for the retention window; `undefined` frees the key for a retry instead. */
  async finish(key: string, token: string, answer: StoredAnswer | undefined): Promise<void> {
    await this.#scripts.run(
      'idempotencyFinish',
      [key],
      [token, answer ? JSON.stringify(answer) : '', this.#retentionMs],
    )
  }
}
