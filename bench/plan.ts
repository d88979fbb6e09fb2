/**
 * The scenarios of one service, in a fixed order so runs compare: closed loop per strategy, the hot drop
 * per strategy, the v3 drain, the v3 hold, then an open-loop sweep per strategy.
 */
import { nextSweepRate, type SweepStep } from './lib/schedule.ts'
import { judgeOpenRun } from './lib/verdict.ts'
import type { OpenLoop } from './load/types.ts'
import type { BenchOptions } from './options.ts'
import type { RunReport, SweepReport } from './results-types.ts'
import { type RunSettings, type RunSpec, runScenario } from './scenario.ts'
import type { ServiceTarget, Strategy } from './targets/types.ts'

/** Stock for runs that must never sell out (the API's upper limit). */
export const AMPLE_STOCK = 10_000_000
const MAX_SWEEP_RATE = 50_000
/** A step with fewer requests than this has no meaningful p99 (its "p99" is nearly its maximum). */
const MIN_STEP_REQUESTS = 300
/** `overload`: p99 bound on every answer (202 or 503 OVERLOADED) for a step to pass. */
export const OVERLOAD_P99_BOUND_MS = 100
/** Where a sweep starts without a closed-loop figure to start from. */
const DEFAULT_START: Record<Strategy, number> = { v1: 100, v2: 100, v3: 1000 }

export interface ServiceResults {
  readonly runs: RunReport[]
  readonly sweeps: SweepReport[]
}

function openShape(options: BenchOptions, rate: number, durationMs: number): OpenLoop {
  return {
    kind: 'open',
    ratePerSecond: rate,
    durationMs,
    connections: options.connections,
    pipelining: options.pipelining,
    // About a second's worth of requests outstanding means the server is not keeping up.
    maxInFlight: Math.max(500, Math.ceil(rate / options.workers)),
  }
}

async function openRun(
  target: ServiceTarget,
  strategy: Strategy,
  scenario: 'open' | 'hold' | 'overload',
  rate: number,
  durationMs: number,
  options: BenchOptions,
  settings: RunSettings,
): Promise<RunReport> {
  const shape = openShape(options, rate, durationMs)
  const run = await runScenario(
    target,
    {
      scenario,
      strategy,
      stock: AMPLE_STOCK,
      // Past capacity the server must answer (202 or 503) rather than queue: keep sending whatever is in
      // flight, so that a server that queues shows as client timeouts, not as requests never sent.
      shape:
        scenario === 'overload'
          ? {
              ...shape,
              connections: options.overloadConnections,
              maxInFlight: Math.ceil((rate * options.timeoutMs) / 1000 / options.workers),
            }
          : shape,
      repeatEvery: 0,
    },
    settings,
  )
  const shed = run.statuses['503 OVERLOADED'] ?? 0
  const judged = judgeOpenRun(
    {
      rate,
      p99Ms: run.latency.p99,
      sent: run.sent,
      notSent: run.notSent,
      // Shed answers are the point of an overload step; everything else that failed counts.
      failures: scenario === 'overload' ? run.failures - shed : run.failures,
      throughput: run.throughput,
    },
    scenario === 'overload' ? OVERLOAD_P99_BOUND_MS : options.p99BoundMs,
  )
  settings.log(
    `[${target.service} ${strategy} ${scenario}]  ${rate}/s: ${judged.passed ? 'PASS' : 'FAIL'} (${judged.verdict})`,
  )
  return { ...run, ...judged }
}

async function sweep(
  target: ServiceTarget,
  strategy: Strategy,
  closedThroughput: number | undefined,
  options: BenchOptions,
  settings: RunSettings,
): Promise<SweepReport> {
  const steps: RunReport[] = []
  const plan = {
    startRate: closedThroughput ? Math.max(10, closedThroughput * 0.4) : DEFAULT_START[strategy],
    factor: options.stepFactor,
    maxSteps: options.maxSteps,
    refineSteps: options.refineSteps,
    maxRate: MAX_SWEEP_RATE,
    minRate: Math.ceil(MIN_STEP_REQUESTS / (options.stepMs / 1000)),
  }
  const explicit = [...options.rates]
  for (;;) {
    const history: SweepStep[] = steps.map((s) => ({
      rate: (s.shape as OpenLoop).ratePerSecond,
      passed: !!s.passed,
    }))
    const rate = options.rates.length > 0 ? explicit.shift() : nextSweepRate(plan, history)
    if (rate === undefined) break
    const step = await openRun(target, strategy, 'open', rate, options.stepMs, options, settings)
    steps.push(step)
    // With explicit rates, stop at the first failure as well: higher rates only take longer to fail.
    if (options.rates.length > 0 && !step.passed) break
  }
  const passing = steps.filter((s) => s.passed).map((s) => (s.shape as OpenLoop).ratePerSecond)
  return {
    service: target.service,
    strategy,
    p99BoundMs: options.p99BoundMs,
    steps,
    bestRate: passing.length > 0 ? Math.max(...passing) : null,
  }
}

/**
 * Runs the service's scenarios, pushing each result into `results` as soon as it is known, so that a
 * failure half-way still leaves the runs before it to report.
 */
export async function benchService(
  target: ServiceTarget,
  options: BenchOptions,
  settings: RunSettings,
  results: ServiceResults,
  consumer?: RunSpec['holdConsumer'],
): Promise<void> {
  const { runs, sweeps } = results
  const closed = new Map<Strategy, number>()
  const has = (s: string) => (options.scenarios as readonly string[]).includes(s)
  const v3 = options.strategies.includes('v3')

  if (has('closed')) {
    for (const strategy of options.strategies) {
      const run = await runScenario(
        target,
        {
          scenario: 'closed',
          strategy,
          stock: AMPLE_STOCK,
          repeatEvery: 0,
          shape: {
            kind: 'closed',
            concurrency: options.concurrency,
            durationMs: options.durationMs,
            warmupMs: options.warmupMs,
          },
        },
        settings,
      )
      closed.set(strategy, run.throughput)
      runs.push(run)
    }
  }
  if (has('hot')) {
    for (const strategy of options.strategies) {
      runs.push(
        await runScenario(
          target,
          {
            scenario: 'hot',
            strategy,
            stock: options.hotStock,
            repeatEvery: options.repeatEvery,
            shape: {
              kind: 'closed',
              concurrency: options.concurrency,
              total: options.hotRequests,
              warmupMs: 0,
            },
          },
          settings,
        ),
      )
    }
  }
  if (has('drain') && v3) {
    runs.push(
      await runScenario(
        target,
        {
          scenario: 'drain',
          strategy: 'v3',
          stock: options.drainStock,
          repeatEvery: 0,
          ...(consumer ? { holdConsumer: consumer } : {}),
          shape: {
            kind: 'closed',
            concurrency: options.concurrency,
            total: options.drainRequests,
            warmupMs: 0,
          },
        },
        settings,
      ),
    )
  }
  if (has('hold') && v3) {
    runs.push(await openRun(target, 'v3', 'hold', options.holdRate, options.holdMs, options, settings))
  }
  if (has('sweep')) {
    for (const strategy of options.strategies) {
      sweeps.push(await sweep(target, strategy, closed.get(strategy), options, settings))
    }
  }
  if (has('overload') && v3) {
    const v3Sweep = sweeps.find((s) => s.service === target.service && s.strategy === 'v3')
    // The highest passing rate; if no step passed, the lowest one tried (already past capacity).
    const lowestTried = Math.min(...(v3Sweep?.steps ?? []).map((s) => (s.shape as OpenLoop).ratePerSecond))
    const baseRate = Math.round(
      options.overloadBase ||
        v3Sweep?.bestRate ||
        (Number.isFinite(lowestTried) ? lowestTried : 0) ||
        closed.get('v3') ||
        options.holdRate,
    )
    for (const factor of options.overloadFactors) {
      const rate = Math.round(baseRate * factor)
      const run = await openRun(target, 'v3', 'overload', rate, options.overloadMs, options, settings)
      runs.push({ ...run, overload: { baseRate, factor } })
    }
  }
}
