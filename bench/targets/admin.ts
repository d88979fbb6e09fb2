import type { Pool } from '../../src/platform/postgres.ts'
import type { SettleProgress } from './types.ts'
/** Orchestration requests (promotion creation, probes): low rate, so plain `fetch` is enough. */

/**
 * A promotion's window: open from a minute ago until `openForMs` from now. Bench promotions close soon after
 * their run, because the services do periodic work per *open* promotion (warm-up at start, reconciliation)
 * whose cost grows with every large promotion left open — the bench must not slow down its own later runs.
 */
export function promotionWindow(openForMs: number, now = Date.now()): { start: string; end: string } {
  return { start: new Date(now - 60_000).toISOString(), end: new Date(now + openForMs).toISOString() }
}

/** How often a shed orchestration request (503 `OVERLOADED`, e.g. right after an overload step) is retried. */
const OVERLOADED_RETRIES = 20

/**
 * POSTs JSON with the admin token (when set); returns the parsed answer or throws with the status. A 503
 * `OVERLOADED` changed nothing and is retried after its `Retry-After`.
 */
export async function postJson<T>(url: string, body: unknown, adminToken: string): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(adminToken ? { authorization: `Bearer ${adminToken}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    })
    const text = await res.text()
    if (res.status === 503 && text.includes('"OVERLOADED"') && attempt < OVERLOADED_RETRIES) {
      const seconds = Number(res.headers.get('retry-after') ?? 1)
      await new Promise((resolve) => setTimeout(resolve, (Number.isFinite(seconds) ? seconds : 1) * 1000))
      continue
    }
    if (!res.ok) throw new Error(`POST ${url} → ${res.status} ${text.slice(0, 300)}`)
    return JSON.parse(text) as T
  }
}

/**
 * Whether a route exists: an empty POST to a create endpoint answers 400 (validation) or 401 (admin token)
 * when the route is there, 404 when the service does not implement it yet.
 */
export async function routeExists(url: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(5_000),
    })
    await res.arrayBuffer()
    if (res.status === 404) return { ok: false, reason: `${url} answers 404 (not implemented yet)` }
    return { ok: true }
  } catch (error) {
    return { ok: false, reason: `${url} does not answer: ${(error as Error).message}` }
  }
}

/**
 * UNLINKs keys in chunks (UNLINK frees memory off Redis's main thread), one command per key so keys of
 * different Redis Cluster slots may be mixed; auto-pipelining sends each chunk in one round trip per node.
 */
export async function unlinkAll(redis: { unlink(key: string): Promise<number> }, keys: readonly string[]) {
  for (let i = 0; i < keys.length; i += 1000) {
    await Promise.all(keys.slice(i, i + 1000).map((key) => redis.unlink(key)))
  }
}

/**
 * How a flow's v3 requests settle, read from its outcome table: how many are terminal and published, and
 * when they were (the bench's settle figures come from these rows, not from polling times).
 */
export function settleQueries(pool: Pool, table: string, promotionColumn: string) {
  return {
    async settleProgress(id: string): Promise<SettleProgress> {
      const { rows } = await pool.query<SettleProgress>(
        `SELECT count(*)::int AS terminal, count(published_at)::int AS published
         FROM ${table} WHERE ${promotionColumn} = $1`,
        [id],
      )
      return rows[0] ?? { terminal: 0, published: 0 }
    },

    async settleTimes(id: string) {
      const { rows } = await pool.query<{ p: number | null; s: number }>(
        `SELECT (extract(epoch FROM published_at) * 1000)::float8 AS p, (extract(epoch FROM settled_at) * 1000)::float8 AS s
         FROM ${table} WHERE ${promotionColumn} = $1`,
        [id],
      )
      return {
        published: Float64Array.from(
          rows.filter((r) => r.p !== null),
          (r) => r.p as number,
        ),
        firstSettledAt: rows.reduce((min, r) => Math.min(min, r.s), Number.POSITIVE_INFINITY),
      }
    },
  }
}
