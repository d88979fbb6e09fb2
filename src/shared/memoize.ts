/**
 * `build` remembered per string key, for small values the accept path would otherwise compute on every
 * request (a promotion's key names and hash slot). At most `max` entries: past that the cache starts
 * over, so a stream of unknown ids cannot grow it without bound.
 */
export function memoize<V>(build: (key: string) => V, max = 10_000): (key: string) => V {
  const cache = new Map<string, V>()
  return (key) => {
    let value = cache.get(key)
    if (value === undefined) {
      if (cache.size >= max) cache.clear()
      value = build(key)
      cache.set(key, value)
    }
    return value
  }
}
