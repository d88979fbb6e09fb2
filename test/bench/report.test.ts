import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { EMPTY_SUMMARY } from '../../bench/lib/histogram.ts'
import { formatStatuses, ms, renderMarkdown } from '../../bench/report/markdown.ts'
import { barChart, escapeXml, lineChart, shortNumber, ticks } from '../../bench/report/svg.ts'
import { clientTimeouts, evaluateTargets } from '../../bench/report/targets.ts'
import { charts, timestampName } from '../../bench/report/write.ts'
import type { BenchReport, RunReport, SweepReport } from '../../bench/results-types.ts'

function run(partial: Partial<RunReport>): RunReport {
  return {
    service: 'coupon',
    strategy: 'v1',
    scenario: 'closed',
    promotionId: '1',
    stock: 10_000_000,
    distinctUsers: 1000,
    shape: { kind: 'closed', concurrency: 100, durationMs: 10_000, warmupMs: 2000 },
    latency: { ...EMPTY_SUMMARY, count: 1000, mean: 150, p50: 140, p95: 200, p99: 230, max: 300 },
    sendLag: EMPTY_SUMMARY,
    sent: 1000,
    completed: 1000,
    notSent: 0,
    successes: 1000,
    failures: 0,
    statuses: { '201': 1000 },
    errors: {},
    throughput: 500,
    wallMs: 2000,
    generatorUtilization: 0.2,
    checks: [{ name: 'no oversell', ok: true, detail: '1,000 taken of 10,000,000' }],
    ...partial,
  }
}

const v3 = run({
  strategy: 'v3',
  throughput: 12_000,
  statuses: { '202': 1000 },
  latency: { ...EMPTY_SUMMARY, count: 1000, mean: 4, p50: 3, p95: 8, p99: 12, max: 30 },
  settle: {
    accepted: 1000,
    settled: 1000,
    timedOut: false,
    consumerHeldBack: false,
    consumerPausedMs: 0,
    lagAfterLastAcceptMs: 120,
    backlogAtLastAccept: 800,
    drainRate: 6666,
    workMs: 900,
    busyRate: 900,
    peakRate: 1000,
  },
})

function sweep(strategy: 'v1' | 'v3', rates: Array<[number, number, boolean]>): SweepReport {
  return {
    service: 'coupon',
    strategy,
    p99BoundMs: 20,
    bestRate: Math.max(0, ...rates.filter((r) => r[2]).map((r) => r[0])) || null,
    steps: rates.map(([rate, p99, passed]) =>
      run({
        strategy,
        scenario: 'open',
        shape: {
          kind: 'open',
          ratePerSecond: rate,
          durationMs: 5000,
          connections: 128,
          pipelining: 1,
          maxInFlight: 5000,
        },
        latency: { ...EMPTY_SUMMARY, p99 },
        passed,
        verdict: passed ? 'ok' : 'too slow',
      }),
    ),
  }
}

describe('report formatting', () => {
  it('formats statuses most frequent first, errors last, and milliseconds with sensible precision', () => {
    assert.equal(
      formatStatuses({ '409 SOLD_OUT': 5, '202': 90 }, { ECONNRESET: 1 }),
      '202×90, 409 SOLD_OUT×5, ECONNRESET×1',
    )
    assert.equal(formatStatuses({}), '–')
    assert.equal(ms(1234.5), '1,235 ms')
    assert.equal(ms(12.34), '12.3 ms')
    assert.equal(ms(1.234), '1.23 ms')
  })

  it('names result folders by a sortable, filesystem-safe UTC timestamp', () => {
    assert.equal(timestampName(new Date('2026-01-11T09:05:03.120Z')), '2026-01-11T09-05-03Z')
  })

  it("renders the seed's table with the seed's figures beside the measured ones", () => {
    const report: BenchReport = {
      startedAt: '2026-01-11T09:05:03.120Z',
      finishedAt: '2026-01-11T09:10:00.000Z',
      command: 'node bench/main.ts bench --quick',
      machine: {
        cores: 2,
        cpuModel: 'Test CPU',
        memoryGiB: 4,
        os: 'linux',
        loadAverage: [0.1, 0.2, 0.3],
        node: 'v24.0.0',
        kafka: '4.2.1',
        redis: '7.0.15',
        postgres: '15.18',
        settings: { KAFKA_TOPIC_PARTITIONS: 6 },
      },
      options: {},
      notes: ['coupon: already running'],
      runs: [run({}), v3],
      sweeps: [sweep('v3', [[5000, 8, true]])],
      targets: evaluateTargets([run({}), v3], []),
    }
    const md = renderMarkdown(report, { prefix: 'x/' })
    assert.match(md, /\| 전략 \| 응답 시간 \| 처리량 \(TPS\) \| 특징 \|/)
    assert.match(
      md,
      /\| \*\*V1\*\* \| 150 ms \(seed ~200ms\) \| 500 \(seed ~100\) \| DB 트랜잭션, 동기 처리 \|/,
    )
    assert.match(md, /\| \*\*V3\*\* \| 4\.00 ms \(seed ~10ms\) \| 12,000 \(seed ~5000\+\) \|/)
    assert.match(md, /!\[latency percentiles\]\(x\/latency\.svg\)/)
    assert.match(md, /node bench\/main\.ts bench --quick/)
    assert.match(md, /2 cores \(Test CPU\)/)
  })
})

describe('targets', () => {
  it('judges the v3/v1 ratio of the same run, and says what it measured', () => {
    const [, , ratio] = evaluateTargets([run({}), v3], [])
    assert.equal(ratio?.met, true)
    assert.match(ratio?.measured ?? '', /12,000 \/ 500 = 24\.0×/)
    const [, , low] = evaluateTargets([run({ throughput: 1000 }), v3], [])
    assert.equal(low?.met, false)
  })

  it('marks what was not measured as such instead of passing or failing it', () => {
    const targets = evaluateTargets([], [])
    // Counted first, so the checks below cannot pass on an empty list.
    assert.ok(targets.length >= 6, `every target is listed, measured or not (got ${targets.length})`)
    assert.deepEqual(
      targets.map((t) => t.met),
      targets.map(() => null),
    )
    // All but the invariants target, which reports the (zero) runs it saw.
    const measurable = targets.slice(0, -1)
    assert.deepEqual(
      measurable.map((t) => t.measured),
      measurable.map(() => 'not measured'),
    )
  })

  it('fails the invariant target when any run violated a check', () => {
    const broken = run({ checks: [{ name: 'no oversell', ok: false, detail: '101 taken of 100' }] })
    const last = evaluateTargets([broken], []).at(-1)
    assert.equal(last?.met, false)
    assert.match(last?.measured ?? '', /coupon v1 closed: no oversell/)
  })

  it('reads the accept target from the sweep when there was no hold run', () => {
    const [accept, stretch] = evaluateTargets(
      [],
      [
        sweep('v3', [
          [5000, 10, true],
          [7000, 30, false],
        ]),
      ],
    )
    assert.equal(accept?.met, true)
    assert.equal(stretch?.met, false)
  })
})

describe('SVG charts', () => {
  it('picks 1-2-5 ticks on a log scale and round steps on a linear one', () => {
    assert.deepEqual(ticks(1, 100, true), [1, 2, 5, 10, 20, 50, 100])
    assert.deepEqual(ticks(0, 100, false), [0, 20, 40, 60, 80, 100])
    assert.equal(shortNumber(1500), '1.5k')
    assert.equal(shortNumber(2_000_000), '2M')
    assert.equal(escapeXml('<a & "b">'), '&lt;a &amp; &quot;b&quot;&gt;')
  })

  it('draws one bar per value and one marker per point, as well-formed SVG', () => {
    const bars = barChart({
      title: 'T',
      yLabel: 'ms',
      categories: ['a', 'b'],
      series: [
        { name: 'p50', values: [1, 2] },
        { name: 'p99', values: [10, 0] },
      ],
      log: true,
    })
    assert.equal(bars.match(/<rect x=/g)?.length, 3 + 2) // 3 positive bars + 2 legend swatches
    assert.match(bars, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/)
    assert.match(bars.trim(), /<\/svg>$/)
    const lines = lineChart({
      title: 'L',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        {
          name: 's',
          points: [
            [100, 1],
            [1000, 5],
          ],
        },
      ],
      logX: true,
      logY: true,
      threshold: { value: 20, label: 'bound' },
    })
    assert.equal(lines.match(/<circle /g)?.length, 2)
    assert.match(lines, /stroke-dasharray/)
  })

  it('produces the three charts of a report with a sweep', () => {
    const report = { runs: [run({}), v3], sweeps: [sweep('v1', [[100, 5, true]])] } as unknown as BenchReport
    assert.deepEqual(Object.keys(charts(report)).sort(), ['latency.svg', 'sweep.svg', 'throughput.svg'])
  })

  it('reports an overload step: answers and latency per status, shed ratio, time-outs, drain time, CPU per request', () => {
    const step = run({
      strategy: 'v3',
      scenario: 'overload',
      overload: { baseRate: 3000, factor: 2 },
      shape: {
        kind: 'open',
        ratePerSecond: 6000,
        durationMs: 30_000,
        connections: 128,
        pipelining: 1,
        maxInFlight: 180_000,
      },
      sent: 1000,
      statuses: { '202': 600, '503 OVERLOADED': 400 },
      errors: { UND_ERR_HEADERS_TIMEOUT: 2, ECONNRESET: 1 },
      latencyByStatus: {
        '202': { ...EMPTY_SUMMARY, count: 600, p50: 4, p99: 18, max: 40 },
        '503 OVERLOADED': { ...EMPTY_SUMMARY, count: 400, p50: 1.5, p99: 6, max: 9 },
      },
      settle: {
        ...(v3.settle as NonNullable<RunReport['settle']>),
        accepted: 600,
        lagAfterLastAcceptMs: 2400,
      },
      cpuPerRequest: { perAcceptedUs: 140, perSettledUs: 55 },
      passed: false,
      verdict: '3 failures of 1000',
    })
    assert.equal(clientTimeouts(step), 2)
    const target = evaluateTargets([step], []).find((t) => t.target.startsWith('past capacity'))
    assert.equal(target?.met, false)
    assert.match(target?.measured ?? '', /6,000\/s: 2 time-outs, p99 230\.0 ms, 600 accepted, 400 shed/)
    const report: BenchReport = {
      startedAt: '2026-01-11T09:05:03.120Z',
      finishedAt: '2026-01-11T09:10:00.000Z',
      command: 'node bench/main.ts bench --scenarios overload',
      machine: {
        cores: 2,
        cpuModel: 'Test CPU',
        memoryGiB: 4,
        os: 'linux',
        loadAverage: [0.1, 0.2, 0.3],
        node: 'v24.0.0',
        kafka: '4.2.1',
        redis: '7.0.15',
        postgres: '15.18',
        settings: {},
      },
      options: {},
      notes: [],
      runs: [step],
      sweeps: [],
      targets: [],
    }
    const md = renderMarkdown(report, { prefix: '' })
    assert.match(md, /## Overload/)
    assert.match(
      md,
      /\| coupon \| 2× 3,000 = 6,000\/s \| 1,000 \| .*\| 40\.0 % \| 2 \| 230 ms \| 2,400 ms \| 140 µs \| 55 µs \| FAIL/,
    )
    assert.match(
      md,
      /\| coupon \| 2× = 6,000\/s \| 503 OVERLOADED \| 400 \| 1\.50 ms \| 6\.00 ms \| 9\.00 ms \|/,
    )
    assert.match(md, /## CPU per v3 request/)
  })
})
