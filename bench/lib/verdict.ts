/** Whether an open-loop run at an offered rate was sustained within the latency bound, and if not why. */

export interface OpenRunFigures {
  readonly rate: number
  readonly p99Ms: number
  readonly sent: number
  readonly notSent: number
  readonly failures: number
  /** Answers per second actually achieved. */
  readonly throughput: number
}

/** Share of the offered rate that must come back answered for a step to count as sustained. */
export const MIN_ACHIEVED = 0.95
/** Share of failed requests (transport errors, 5xx) a sustained step may have. */
export const MAX_FAILURE_RATIO = 0.001

export function judgeOpenRun(run: OpenRunFigures, p99BoundMs: number): { passed: boolean; verdict: string } {
  if (run.notSent > 0) {
    return { passed: false, verdict: `overloaded: ${run.notSent} requests never sent (too many in flight)` }
  }
  if (run.failures > run.sent * MAX_FAILURE_RATIO) {
    return { passed: false, verdict: `${run.failures} failures of ${run.sent}` }
  }
  if (run.throughput < run.rate * MIN_ACHIEVED) {
    return {
      passed: false,
      verdict: `answered only ${Math.round(run.throughput)}/s of ${run.rate}/s offered`,
    }
  }
  if (run.p99Ms > p99BoundMs) {
    return { passed: false, verdict: `p99 ${run.p99Ms.toFixed(1)} ms > ${p99BoundMs} ms` }
  }
  return { passed: true, verdict: `p99 ${run.p99Ms.toFixed(1)} ms ≤ ${p99BoundMs} ms` }
}
