/**
 * How many requests one consumer-side Lua call handles. A script holds Redis for its whole run, and the
 * accept path's one-request script waits behind it: a reservation decides about 100 requests per
 * millisecond on the reference machine, so chunks of 64 keep every call near or under ~1 ms.
 */
export const RESERVE_CHUNK = 64

/** Settled request ids forgotten per call (one `HDEL` each, several times cheaper than a reservation). */
export const SETTLE_CHUNK = 256

/** `items` cut into consecutive slices of at most `size`. */
export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = []
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size))
  return chunks
}
