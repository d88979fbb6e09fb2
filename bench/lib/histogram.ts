/**
 * Latency histograms. Values are recorded in microseconds in an HDR histogram (3 significant digits, so
 * any reported percentile is within 0.1 % of the true value) and reported in milliseconds. Worker threads
 * send their histograms to the main thread in HdrHistogram's compressed base64 form, which is then merged.
 */
import * as hdr from 'hdr-histogram-js'

/** Percentiles of one latency distribution, in milliseconds. */
export interface LatencySummary {
  readonly count: number
  readonly min: number
  readonly mean: number
  readonly p50: number
  readonly p90: number
  readonly p95: number
  readonly p99: number
  readonly p999: number
  readonly max: number
}

export const EMPTY_SUMMARY: LatencySummary = Object.freeze({
  count: 0,
  min: 0,
  mean: 0,
  p50: 0,
  p90: 0,
  p95: 0,
  p99: 0,
  p999: 0,
  max: 0,
})

const US_PER_MS = 1000

function newHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3, autoResize: true })
}

export class LatencyHistogram {
  readonly #histogram: hdr.Histogram

  constructor(histogram: hdr.Histogram = newHistogram()) {
    this.#histogram = histogram
  }

  /** Rebuilds a histogram sent by {@link encode}. */
  static decode(encoded: string): LatencyHistogram {
    return new LatencyHistogram(hdr.decodeFromCompressedBase64(encoded))
  }

  /** Records one latency in milliseconds (fractions kept to the microsecond; negatives count as 0). */
  record(ms: number): void {
    this.#histogram.recordValue(Math.max(0, Math.round(ms * US_PER_MS)))
  }

  get count(): number {
    return this.#histogram.totalCount
  }

  /** The latency at percentile `p` (0–100) in milliseconds. */
  percentile(p: number): number {
    return this.count === 0 ? 0 : this.#histogram.getValueAtPercentile(p) / US_PER_MS
  }

  add(other: LatencyHistogram): void {
    if (other.count > 0) this.#histogram.add(other.#histogram)
  }

  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.#histogram)
  }

  summary(): LatencySummary {
    if (this.count === 0) return EMPTY_SUMMARY
    const h = this.#histogram
    return {
      count: h.totalCount,
      min: h.minNonZeroValue / US_PER_MS,
      mean: h.mean / US_PER_MS,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p95: this.percentile(95),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
      max: h.maxValue / US_PER_MS,
    }
  }
}

/** Merges encoded histograms (one per worker) into one. */
export function mergeEncoded(encoded: readonly string[]): LatencyHistogram {
  const merged = new LatencyHistogram()
  for (const e of encoded) merged.add(LatencyHistogram.decode(e))
  return merged
}
