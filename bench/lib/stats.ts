/** Small pure statistics used by the scenarios and the report. */

/** Nearest-rank percentile (0–100) of unsorted values; 0 for none. */
export function percentileOf(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return 0
  const sorted = Float64Array.from(values).sort()
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? 0
}

/** Requests per second of `count` requests over `ms` milliseconds; 0 for an empty interval. */
export function ratePerSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : 0
}

/**
 * Highest number of events in any window of `windowMs` (sliding over the sorted event times), expressed
 * per second. Used for the consumer's peak settle rate from per-row timestamps.
 */
export function peakRate(timesMs: ArrayLike<number>, windowMs = 1000): number {
  if (timesMs.length === 0) return 0
  const sorted = Float64Array.from(timesMs).sort()
  let best = 0
  let from = 0
  for (let to = 0; to < sorted.length; to++) {
    while ((sorted[to] ?? 0) - (sorted[from] ?? 0) >= windowMs) from++
    best = Math.max(best, to - from + 1)
  }
  return (best * 1000) / windowMs
}

/** One accepted v3 request as the client saw it, joined with the consumer's final decision. */
export interface AcceptedRequest {
  /** Epoch ms when the client sent the request. */
  readonly sentAt: number
  /** Epoch ms when the client had the 202 answer. */
  readonly answeredAt: number
  /** `WON` it got the stock, `LOST` it was refused for lack of stock, `OTHER` anything else. */
  readonly outcome: 'WON' | 'LOST' | 'OTHER'
}

/**
 * First come, first served as a client can prove it: if request A was answered 202 before request B was
 * even sent, A is unambiguously earlier, so B must not win while A lost for lack of stock. Returns the
 * number of winners that were sent after some loser had already been accepted (0 = FIFO held).
 * Requests whose send/answer intervals overlap are concurrent; no order between them can be claimed.
 */
export function fifoViolations(requests: readonly AcceptedRequest[]): number {
  let earliestLoserAnswer = Number.POSITIVE_INFINITY
  for (const r of requests) {
    if (r.outcome === 'LOST' && r.answeredAt < earliestLoserAnswer) earliestLoserAnswer = r.answeredAt
  }
  let violations = 0
  for (const r of requests) if (r.outcome === 'WON' && r.sentAt > earliestLoserAnswer) violations++
  return violations
}

/** Users that were told "success" more than once. */
export function repeatedValues(values: ArrayLike<number | string>): number {
  const seen = new Set<number | string>()
  let repeats = 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number | string
    if (seen.has(v)) repeats++
    else seen.add(v)
  }
  return repeats
}

/** Elements of `expected` missing from `actual`, with up to `sample` examples. */
export function missingFrom<T>(
  expected: Iterable<T>,
  actual: ReadonlySet<T>,
  sample = 3,
): { count: number; examples: T[] } {
  let count = 0
  const examples: T[] = []
  for (const e of expected) {
    if (actual.has(e)) continue
    count++
    if (examples.length < sample) examples.push(e)
  }
  return { count, examples }
}
