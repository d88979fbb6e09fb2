import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  fifoViolations,
  missingFrom,
  peakRate,
  percentileOf,
  ratePerSecond,
  repeatedValues,
} from '../../bench/lib/stats.ts'
import { judgeOpenRun } from '../../bench/lib/verdict.ts'

describe('stats', () => {
  it('takes nearest-rank percentiles of unsorted values', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6]
    assert.equal(percentileOf(values, 50), 5)
    assert.equal(percentileOf(values, 90), 9)
    assert.equal(percentileOf(values, 100), 10)
    assert.equal(percentileOf(values, 0), 1)
    assert.equal(percentileOf([], 99), 0)
  })

  it('computes rates and the busiest one-second window', () => {
    assert.equal(ratePerSecond(500, 250), 2000)
    assert.equal(ratePerSecond(5, 0), 0)
    // 3 events in the first second, then 5 within 0.4 s.
    const times = [0, 300, 600, 2000, 2100, 2200, 2300, 2400]
    assert.equal(peakRate(times), 5)
    assert.equal(peakRate(times, 500), 10)
    assert.equal(peakRate([]), 0)
  })

  it('counts repeated values and values missing from a set', () => {
    assert.equal(repeatedValues([1, 2, 2, 3, 3, 3]), 3)
    const missing = missingFrom(['a', 'b', 'c', 'd'], new Set(['b']), 2)
    assert.deepEqual(missing, { count: 3, examples: ['a', 'c'] })
  })
})

describe('FIFO as the client can observe it', () => {
  it('holds when every winner was sent before any loser was answered', () => {
    const requests = [
      { sentAt: 0, answeredAt: 5, outcome: 'WON' as const },
      { sentAt: 1, answeredAt: 6, outcome: 'WON' as const },
      { sentAt: 3, answeredAt: 8, outcome: 'LOST' as const },
    ]
    assert.equal(fifoViolations(requests), 0)
  })

  it('does not order overlapping (concurrent) requests', () => {
    // The loser was answered at 8; a winner sent at 7 overlaps it: no order can be claimed.
    const requests = [
      { sentAt: 3, answeredAt: 8, outcome: 'LOST' as const },
      { sentAt: 7, answeredAt: 12, outcome: 'WON' as const },
    ]
    assert.equal(fifoViolations(requests), 0)
  })

  it('counts winners sent after a loser had already been accepted', () => {
    const requests = [
      { sentAt: 0, answeredAt: 2, outcome: 'LOST' as const },
      { sentAt: 3, answeredAt: 5, outcome: 'WON' as const },
      { sentAt: 4, answeredAt: 6, outcome: 'WON' as const },
      { sentAt: 1, answeredAt: 9, outcome: 'OTHER' as const },
    ]
    assert.equal(fifoViolations(requests), 2)
  })
})

describe('open-loop verdict', () => {
  const ok = { rate: 1000, p99Ms: 12, sent: 10_000, notSent: 0, failures: 0, throughput: 998 }

  it('passes a step that answered the offered rate within the bound', () => {
    assert.deepEqual(judgeOpenRun(ok, 20), { passed: true, verdict: 'p99 12.0 ms ≤ 20 ms' })
  })

  it('fails a step on latency, shortfall, failures or overload — overload first', () => {
    assert.equal(judgeOpenRun({ ...ok, p99Ms: 25 }, 20).verdict, 'p99 25.0 ms > 20 ms')
    assert.match(judgeOpenRun({ ...ok, throughput: 900 }, 20).verdict, /answered only 900\/s of 1000\/s/)
    assert.match(judgeOpenRun({ ...ok, failures: 11 }, 20).verdict, /11 failures/)
    assert.equal(judgeOpenRun({ ...ok, failures: 10 }, 20).passed, true)
    assert.match(judgeOpenRun({ ...ok, notSent: 5, p99Ms: 900 }, 20).verdict, /overloaded/)
  })
})
