/** Command-line options of `bench`: parsing, defaults (normal and `--quick`) and the help text. */
import { parseArgs } from 'node:util'
import { SERVICES, type ServiceName, STRATEGIES, type Strategy } from './targets/types.ts'

export interface BenchOptions {
  readonly quick: boolean
  readonly services: readonly ServiceName[]
  readonly strategies: readonly Strategy[]
  readonly scenarios: readonly ScenarioName[]
  /** Closed loop: clients in flight. */
  readonly concurrency: number
  readonly durationMs: number
  readonly warmupMs: number
  readonly workers: number
  readonly hotStock: number
  readonly hotRequests: number
  readonly repeatEvery: number
  readonly drainStock: number
  readonly drainRequests: number
  readonly holdRate: number
  readonly holdMs: number
  readonly p99BoundMs: number
  readonly stepMs: number
  readonly maxSteps: number
  readonly refineSteps: number
  /** `overload`: how long each step runs, the rate its multiples are of (0 = the sweep's best), the multiples. */
  readonly overloadMs: number
  readonly overloadBase: number
  readonly overloadFactors: readonly number[]
  /** `overload`: keep-alive connections, so that the flood reaches the server instead of queueing in the client. */
  readonly overloadConnections: number
  readonly stepFactor: number
  /** Explicit sweep rates instead of the automatic ladder. */
  readonly rates: readonly number[]
  readonly connections: number
  readonly pipelining: number
  readonly timeoutMs: number
  readonly settleTimeoutMs: number
  readonly profile: boolean
  /** Start the services as API + consumer processes (drain then holds the consumer back). */
  readonly split: boolean
  /** Leave each promotion's Redis state in place after its run (by default it is dropped once closed). */
  readonly keepData: boolean
  readonly out: string
}

export type ScenarioName = 'closed' | 'hot' | 'drain' | 'hold' | 'sweep' | 'overload'
export const SCENARIOS: readonly ScenarioName[] = ['closed', 'hot', 'drain', 'hold', 'sweep', 'overload']

export const BENCH_USAGE = `bench [--quick] [--services coupon,timesale] [--strategies v1,v2,v3] [--scenarios ${SCENARIOS.join(',')}] [options]`

export const BENCH_HELP = `Usage: node bench/main.ts ${BENCH_USAGE}   (npm run bench -- …)

Measures v1, v2 and v3 of both services in one run with the same load settings, checks the SPEC §4
invariants after every run, and writes a report to bench/results/<timestamp>/ and bench/results/latest.md.
Uses the services already answering on COUPON_PORT / TIMESALE_PORT, or starts them (and stops them after).

Scenarios (each on a fresh promotion):
  closed   N clients as fast as they can, ample stock: throughput and latency       (all strategies)
  hot      more users than stock, every n-th request a repeated user: a drop         (all strategies)
  drain    v3 only: a large drop (default 50,000 requests, 10,000 units): consumer speed, settle time
  hold     v3 only: a fixed offered rate (default 5,000/s) held for a while: the accept-path target
  sweep    open loop, rising offered rates until p99 exceeds the bound: highest rate per strategy
  overload v3 only, open loop at 2× and 4× the highest passing rate: answers by status (202 or 503
           OVERLOADED), p50/p99/max per status, shed ratio, client timeouts, how long the backlog took
           to drain, CPU µs per accepted and per settled request

Options (default; --quick):
  --quick                 a 1–2 minute run with smaller sizes (for a quick look; figures are noisier)
  --services <list>       coupon,timesale
  --strategies <list>     v1,v2,v3
  --scenarios <list>      ${SCENARIOS.join(',')}
  --concurrency <n>       closed-loop clients (100)
  --duration <s>          closed-loop measured duration (10; 3), after --warmup <s> (2; 1)
  --workers <n>           load-generator worker threads (1)
  --hot-stock <n>         units of the hot drop (2000; 500); --hot-requests <n> (10000; 2500)
  --repeat-every <n>      in the hot drop every n-th request repeats the previous user (10; 0 = never)
  --drain-stock <n>       (10000; 4000); --drain-requests <n> (50000; 20000)
  --hold-rate <r/s>       (5000); --hold <s> (15; 5)
  --p99-bound <ms>        sweep/hold pass bound on p99 latency (20)
  --step <s>              sweep step duration (5; 2); --max-steps <n> (8; 5); --refine <n> (1; 0)
  --step-factor <x>       rate growth between passing steps (1.4; 1.6)
  --rates <list>          explicit sweep rates, e.g. 500,1000,2000 (instead of the automatic ladder)
  --overload <s>          overload step duration (30; 5)
  --overload-base <r/s>   the rate the overload multiples are of (the v3 sweep's highest passing rate,
                          else the v3 closed-loop throughput, else --hold-rate)
  --overload-factors <l>  multiples of the base rate (2,4)
  --overload-connections <n>  open-loop connections of the overload steps (1024): many users each on
                          their own connection, so the flood reaches the server rather than waiting in
                          the generator's pool
  --connections <n>       open-loop keep-alive connections (128); --pipelining <n> (1)
  --timeout <s>           per-request timeout (30); --settle-timeout <s> (120)
  --split                 start each service as two processes, API (--no-consumer) and consumer
                          (--no-http); the drain scenario then freezes the consumer (SIGSTOP) while
                          requests pile up and measures its own pace on the full backlog (the ports
                          must be free)
  --profile               --split, with the coupon processes under node --cpu-prof; the report
                          summarises where the accept path and the consumer spend their time
  --keep-data             keep each promotion's Redis state after its run; by default the bench drops
                          it (and the v3 request index entries) once the promotion has closed, so that
                          Redis does not grow run after run (PostgreSQL keeps every row either way)
  --out <dir>             results directory (bench/results)
  -h, --help              this text
`

function list<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  name: string,
): T[] | undefined {
  if (value === undefined) return undefined
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  for (const item of items) {
    if (!allowed.includes(item as T))
      throw new Error(`--${name}: "${item}" is not one of ${allowed.join(', ')}`)
  }
  return items as T[]
}

function num(value: string | undefined, name: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}, got "${value}"`)
  return n
}

const STRING_OPTIONS = [
  'services',
  'strategies',
  'scenarios',
  'concurrency',
  'duration',
  'warmup',
  'workers',
  'hot-stock',
  'hot-requests',
  'repeat-every',
  'drain-stock',
  'drain-requests',
  'hold-rate',
  'hold',
  'p99-bound',
  'step',
  'max-steps',
  'refine',
  'step-factor',
  'rates',
  'overload',
  'overload-base',
  'overload-factors',
  'overload-connections',
  'connections',
  'pipelining',
  'timeout',
  'settle-timeout',
  'out',
] as const

/** Parses `bench` arguments; `'help'` when help was asked for. Throws on invalid input. */
export function parseBenchArgs(args: readonly string[]): BenchOptions | 'help' {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    quick: { type: 'boolean' },
    profile: { type: 'boolean' },
    split: { type: 'boolean' },
    'keep-data': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  }
  for (const name of STRING_OPTIONS) options[name] = { type: 'string' }
  const { values: raw } = parseArgs({ args: [...args], options, strict: true })
  const v = raw as Record<string, string | boolean | undefined>
  if (v.help) return 'help'
  const s = (name: (typeof STRING_OPTIONS)[number]) => v[name] as string | undefined
  const quick = v.quick === true
  const q = (normal: number, fast: number) => (quick ? fast : normal)
  const rates = s('rates')
    ?.split(',')
    .map((r) => num(r.trim(), 'rates', 0, 1))
  return {
    quick,
    services: list(s('services'), SERVICES, 'services') ?? [...SERVICES],
    strategies: list(s('strategies'), STRATEGIES, 'strategies') ?? [...STRATEGIES],
    scenarios: list(s('scenarios'), SCENARIOS, 'scenarios') ?? [...SCENARIOS],
    concurrency: num(s('concurrency'), 'concurrency', 100, 1),
    durationMs: num(s('duration'), 'duration', q(10, 3), 0.1) * 1000,
    warmupMs: num(s('warmup'), 'warmup', q(2, 1)) * 1000,
    workers: num(s('workers'), 'workers', 1, 1),
    hotStock: num(s('hot-stock'), 'hot-stock', q(2000, 500), 1),
    hotRequests: num(s('hot-requests'), 'hot-requests', q(10_000, 2500), 1),
    repeatEvery: num(s('repeat-every'), 'repeat-every', 10),
    drainStock: num(s('drain-stock'), 'drain-stock', q(10_000, 4000), 1),
    drainRequests: num(s('drain-requests'), 'drain-requests', q(50_000, 20_000), 1),
    holdRate: num(s('hold-rate'), 'hold-rate', 5000, 1),
    holdMs: num(s('hold'), 'hold', q(15, 5), 0.1) * 1000,
    p99BoundMs: num(s('p99-bound'), 'p99-bound', 20, 0.1),
    stepMs: num(s('step'), 'step', q(5, 2), 0.1) * 1000,
    maxSteps: num(s('max-steps'), 'max-steps', q(8, 5), 1),
    refineSteps: num(s('refine'), 'refine', q(1, 0)),
    stepFactor: num(s('step-factor'), 'step-factor', q(1.4, 1.6), 1.05),
    rates: rates ?? [],
    overloadMs: num(s('overload'), 'overload', q(30, 5), 0.1) * 1000,
    overloadBase: num(s('overload-base'), 'overload-base', 0),
    overloadFactors: s('overload-factors')
      ?.split(',')
      .map((f) => num(f.trim(), 'overload-factors', 0, 0.1)) ?? [2, 4],
    overloadConnections: num(s('overload-connections'), 'overload-connections', 1024, 1),
    connections: num(s('connections'), 'connections', 128, 1),
    pipelining: num(s('pipelining'), 'pipelining', 1, 1),
    timeoutMs: num(s('timeout'), 'timeout', 30, 1) * 1000,
    settleTimeoutMs: num(s('settle-timeout'), 'settle-timeout', 120, 1) * 1000,
    profile: v.profile === true,
    split: v.split === true || v.profile === true,
    keepData: v['keep-data'] === true,
    out: s('out') ?? 'bench/results',
  }
}
