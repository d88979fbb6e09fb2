/** The shape of a benchmark's results: what `results.json` holds and the report is written from. */
import type { CpuShare } from './lib/cpu.ts'
import type { LatencySummary } from './lib/histogram.ts'
import type { MachineInfo } from './lib/machine.ts'
import type { LoadShape } from './load/types.ts'
import type { Check, ServiceName, Strategy } from './targets/types.ts'

/**
 * `closed`: N clients as fast as they can, ample stock. `hot`: more users than stock (a first-come drop,
 * with repeated users). `drain`: v3, a large hot drop that measures the consumer. `hold`: v3 at a fixed
 * offered rate for a while. `open`: one step of an open-loop sweep. `loadtest`: the seed's load test.
 */
export type ScenarioKind = 'closed' | 'hot' | 'drain' | 'hold' | 'open' | 'overload' | 'loadtest'

/** CPU time per request of a v3 run, from /proc (µs of one core). */
export interface CpuPerRequest {
  /** The API process's CPU while the load ran ÷ requests answered 202 (the whole service if not split). */
  readonly perAcceptedUs: number | null
  /** The consumer process's CPU from the load's start until every request settled ÷ settled requests. */
  readonly perSettledUs: number | null
}

/** How the v3 consumer caught up with the accepted requests of a run. */
export interface SettleReport {
  readonly accepted: number
  /** Requests with a terminal row whose outcome was published. */
  readonly settled: number
  readonly timedOut: boolean
  /** The consumer was frozen during the load and resumed after it (split mode, drain scenario). */
  readonly consumerHeldBack: boolean
  /** How long it was frozen; beyond the group's session timeout (10 s) it had to rejoin the group. */
  readonly consumerPausedMs: number
  /** From the last 202 to the last outcome published (0 if the consumer was already done). */
  readonly lagAfterLastAcceptMs: number
  /** Accepted but not yet settled when the last 202 arrived. */
  readonly backlogAtLastAccept: number
  /**
   * The consumer's own pace: backlog ÷ lag once the load stopped (only for a backlog ≥ 500), or, with the
   * consumer held back, everything ÷ its working time.
   */
  readonly drainRate: number | null
  /** From the first outcome decided to the last one published: the consumer's working time. */
  readonly workMs: number
  /** Settled ÷ (last outcome − first request sent). */
  readonly busyRate: number
  /** Most outcomes published within any 1 s. */
  readonly peakRate: number
}

export interface RunReport {
  readonly service: ServiceName
  readonly strategy: Strategy
  readonly scenario: ScenarioKind
  readonly promotionId: string
  readonly stock: number
  readonly distinctUsers: number
  readonly shape: LoadShape
  readonly latency: LatencySummary
  /** Latency per answer kind (`202`, `503 OVERLOADED`, ...). */
  readonly latencyByStatus?: Record<string, LatencySummary>
  readonly sendLag: LatencySummary
  readonly sent: number
  readonly completed: number
  readonly notSent: number
  readonly successes: number
  /** Transport errors and 5xx answers. */
  readonly failures: number
  readonly statuses: Record<string, number>
  readonly errors: Record<string, number>
  /** Answers per second (any status) over the measured window. */
  readonly throughput: number
  readonly wallMs: number
  readonly generatorUtilization: number
  readonly settle?: SettleReport
  readonly checks: readonly Check[]
  /** CPU per component while the load ran, in % of the machine. */
  readonly cpu?: CpuShare
  readonly cpuPerRequest?: CpuPerRequest
  /** `overload`: the rate the step's multiple is of (the highest passing rate), and the multiple. */
  readonly overload?: { readonly baseRate: number; readonly factor: number }
  /** Open-loop runs: whether it met the bound, and if not why. */
  readonly passed?: boolean
  readonly verdict?: string
}

export interface SweepReport {
  readonly service: ServiceName
  readonly strategy: Strategy
  readonly p99BoundMs: number
  readonly steps: readonly RunReport[]
  /** Highest offered rate that passed, or null if none did. */
  readonly bestRate: number | null
}

export interface TargetResult {
  readonly target: string
  readonly measured: string
  readonly met: boolean | null
}

export interface BenchReport {
  readonly startedAt: string
  readonly finishedAt: string
  readonly command: string
  readonly machine: MachineInfo
  readonly options: Record<string, unknown>
  readonly notes: readonly string[]
  readonly runs: readonly RunReport[]
  readonly sweeps: readonly SweepReport[]
  readonly targets: readonly TargetResult[]
  readonly profile?: Record<string, string>
}
