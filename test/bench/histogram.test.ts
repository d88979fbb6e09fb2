import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { LatencyHistogram, mergeEncoded } from '../../bench/lib/histogram.ts'

/** HDR keeps 3 significant digits: a reported value is within 0.1 % of the true one. */
function near(actual: number, expected: number, relative = 0.001): void {
  assert.ok(
    Math.abs(actual - expected) <= expected * relative + 0.001,
    `${actual} not within 0.1 % of ${expected}`,
  )
}

describe('latency histogram', () => {
  it('reports percentiles of a uniform 1..10,000 µs distribution in milliseconds', () => {
    const h = new LatencyHistogram()
    for (let us = 1; us <= 10_000; us++) h.record(us / 1000)
    const s = h.summary()
    assert.equal(s.count, 10_000)
    near(s.p50, 5)
    near(s.p95, 9.5)
    near(s.p99, 9.9)
    near(s.max, 10)
    near(s.min, 0.001)
    near(s.mean, 5.0005)
  })

  it('keeps a rare outlier visible at max and p99.9 but not at p99', () => {
    // 0.2 % of the samples are outliers: above the 99.9th percentile's rank, below the 99th's.
    const h = new LatencyHistogram()
    for (let i = 0; i < 998; i++) h.record(2)
    h.record(2_000)
    h.record(2_000)
    const s = h.summary()
    near(s.p99, 2)
    near(s.p999, 2_000)
    near(s.max, 2_000)
  })

  it('merges the histograms of several workers as if one had recorded everything', () => {
    const a = new LatencyHistogram()
    const b = new LatencyHistogram()
    const all = new LatencyHistogram()
    for (let i = 1; i <= 500; i++) {
      a.record(i)
      all.record(i)
    }
    for (let i = 501; i <= 1000; i++) {
      b.record(i)
      all.record(i)
    }
    const merged = mergeEncoded([a.encode(), b.encode()]).summary()
    const expected = all.summary()
    assert.equal(merged.count, expected.count)
    // The encoded form keeps buckets, not exact values: equal within the histogram's 0.1 % resolution.
    for (const p of ['p50', 'p90', 'p99', 'p999', 'max', 'mean'] as const) near(merged[p], expected[p])
  })

  it('summarises an empty histogram as zeros and clamps negative latencies to 0', () => {
    assert.equal(new LatencyHistogram().summary().p99, 0)
    const h = new LatencyHistogram()
    h.record(-3)
    assert.equal(h.count, 1)
    assert.equal(h.summary().max, 0)
  })
})
