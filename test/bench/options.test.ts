import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { EMPTY_SUMMARY } from '../../bench/lib/histogram.ts'
import { expectation } from '../../bench/loadtest.ts'
import { parseLoadtestArgs } from '../../bench/loadtest-options.ts'
import { parseBenchArgs } from '../../bench/options.ts'
import type { RunReport } from '../../bench/results-types.ts'

describe('bench options', () => {
  it('defaults to every service, strategy and scenario, with --quick shrinking the sizes', () => {
    const normal = parseBenchArgs([])
    const quick = parseBenchArgs(['--quick'])
    assert.ok(normal !== 'help' && quick !== 'help')
    assert.deepEqual(normal.services, ['coupon', 'timesale'])
    assert.deepEqual(normal.strategies, ['v1', 'v2', 'v3'])
    assert.equal(normal.durationMs, 10_000)
    assert.equal(quick.durationMs, 3000)
    assert.ok(quick.drainRequests < normal.drainRequests)
    assert.equal(normal.p99BoundMs, 20)
    assert.ok(normal.scenarios.includes('overload'))
    assert.equal(normal.overloadMs, 30_000)
    assert.equal(quick.overloadMs, 5000)
    assert.deepEqual(normal.overloadFactors, [2, 4])
    assert.equal(normal.overloadBase, 0)
    assert.equal(normal.overloadConnections, 1024)
  })

  it('parses lists and numbers, and --profile implies --split', () => {
    const o = parseBenchArgs([
      '--services',
      'coupon',
      '--strategies',
      'v1,v3',
      '--rates',
      '100, 200',
      '--profile',
    ])
    assert.ok(o !== 'help')
    assert.deepEqual(o.services, ['coupon'])
    assert.deepEqual(o.strategies, ['v1', 'v3'])
    assert.deepEqual(o.rates, [100, 200])
    assert.equal(o.split, true)
  })

  it('rejects unknown values and options, and answers --help', () => {
    assert.throws(() => parseBenchArgs(['--strategies', 'v4']), /v4/)
    assert.throws(() => parseBenchArgs(['--concurrency', 'x']), /--concurrency/)
    assert.throws(() => parseBenchArgs(['--bogus']))
    assert.equal(parseBenchArgs(['-h']), 'help')
  })
})

describe('loadtest', () => {
  it("defaults to the seed's test: 1000 users, 100 in flight, v3, coupon", () => {
    const o = parseLoadtestArgs([])
    assert.ok(o !== 'help')
    assert.deepEqual([o.users, o.concurrency, o.strategy, o.service], [1000, 100, 'v3', 'coupon'])
    assert.throws(() => parseLoadtestArgs(['--users', '0']), /--users/)
  })

  const base: RunReport = {
    service: 'coupon',
    strategy: 'v1',
    scenario: 'loadtest',
    promotionId: '1',
    stock: 100,
    distinctUsers: 1000,
    shape: { kind: 'closed', concurrency: 100, total: 1000, warmupMs: 0 },
    latency: { ...EMPTY_SUMMARY, max: 300 },
    sendLag: EMPTY_SUMMARY,
    sent: 1000,
    completed: 1000,
    notSent: 0,
    successes: 100,
    failures: 0,
    statuses: { '201': 100, '409 SOLD_OUT': 900 },
    errors: {},
    throughput: 800,
    wallMs: 1250,
    generatorUtilization: 0.1,
    checks: [],
  }

  it("compares v1/v2 with the seed's expectation of timeouts and failures", () => {
    assert.equal(expectation(base).holds, false)
    assert.equal(
      expectation({ ...base, errors: { UND_ERR_HEADERS_TIMEOUT: 3 }, completed: 1000 }).holds,
      true,
    )
  })

  it('holds v3 to "every request answered at once, processed in order"', () => {
    const settle = {
      accepted: 150,
      settled: 150,
      timedOut: false,
      consumerHeldBack: false,
      consumerPausedMs: 0,
      lagAfterLastAcceptMs: 10,
      backlogAtLastAccept: 0,
      drainRate: null,
      workMs: 100,
      busyRate: 100,
      peakRate: 150,
    }
    const v3: RunReport = {
      ...base,
      strategy: 'v3',
      successes: 150,
      statuses: { '202': 150, '409 SOLD_OUT': 850 },
      settle,
      checks: [{ name: 'FIFO', ok: true, detail: '' }],
    }
    assert.equal(expectation(v3).holds, true)
    assert.equal(expectation({ ...v3, checks: [{ name: 'FIFO', ok: false, detail: '' }] }).holds, false)
    assert.equal(expectation({ ...v3, settle: { ...settle, timedOut: true } }).holds, false)
  })
})
