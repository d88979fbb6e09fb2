/** Orchestration requests (promotion creation, probes): low rate, so plain `fetch` is enough. */

/**
 * A promotion's window: open from a minute ago until `openForMs` from now. Bench promotions close soon after
 * their run, because the services do periodic work per *open* promotion (warm-up at start, reconciliation)
 * whose cost grows with every large promotion left open — the bench must not slow down its own later runs.
 */
export function promotionWindow(openForMs: number, now = Date.now()): { start: string; end: string } {
  return { start: new Date(now - 60_000).toISOString(), end: new Date(now + openForMs).toISOString() }
}

/** POSTs JSON with the admin token (when set); returns the parsed answer or throws with the status. */
export async function postJson<T>(url: string, body: unknown, adminToken: string): Promise<T> {
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
  if (!res.ok) throw new Error(`POST ${url} → ${res.status} ${text.slice(0, 300)}`)
  return JSON.parse(text) as T
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

/** UNLINKs keys in chunks (UNLINK frees memory off Redis's main thread). */
export async function unlinkAll(
  redis: { unlink(...keys: string[]): Promise<number> },
  keys: readonly string[],
) {
  for (let i = 0; i < keys.length; i += 1000) await redis.unlink(...keys.slice(i, i + 1000))
}
