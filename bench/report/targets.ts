/** The issue's targets, judged from a run's results. A target with nothing measured reads "not measured". */
import type { OpenLoop } from '../load/types.ts'
import type { RunReport, SweepReport, TargetResult } from '../results-types.ts'

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
const ACCEPT_TARGET = 5_000
const ACCEPT_STRETCH = 10_000
const RATIO_TARGET = 20
const CONSUMER_TARGET = 10_000
const SETTLE_TARGET_MS = 5_000

const TIMEOUT_ERRORS = /TIMEOUT/i
/** `overload`: every answer, 202 or 503 OVERLOADED, within this at p99. */
const OVERLOAD_P99_MS = 100

/** Transport errors of a run that are client time-outs (undici's headers/body time-outs). */
export function clientTimeouts(r: RunReport): number {
  return Object.entries(r.errors)
    .filter(([code]) => TIMEOUT_ERRORS.test(code))
    .reduce((n, [, count]) => n + count, 0)
}

function perService<T>(items: readonly T[], service: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const item of items) out.set(service(item), [...(out.get(service(item)) ?? []), item])
  return out
}

function all(results: Array<boolean | null>): boolean | null {
  const known = results.filter((r): r is boolean => r !== null)
  return known.length === 0 ? null : known.every(Boolean)
}

export function evaluateTargets(runs: readonly RunReport[], sweeps: readonly SweepReport[]): TargetResult[] {
  const out: TargetResult[] = []

  const holds = runs.filter((r) => r.scenario === 'hold')
  const sweepsV3 = sweeps.filter((s) => s.strategy === 'v3')
  const acceptParts: string[] = []
  const acceptMet: Array<boolean | null> = []
  for (const h of holds) {
    const rate = (h.shape as OpenLoop).ratePerSecond
    acceptParts.push(
      `${h.service}: ${fmt(rate)}/s offered for ${(h.shape as OpenLoop).durationMs / 1000} s → ${fmt(h.throughput)}/s, ` +
        `p99 ${h.latency.p99.toFixed(1)} ms (${h.passed ? 'sustained' : h.verdict})`,
    )
    acceptMet.push(rate >= ACCEPT_TARGET ? !!h.passed : null)
  }
  for (const s of sweepsV3) {
    acceptParts.push(
      `${s.service} sweep: highest rate with p99 ≤ ${s.p99BoundMs} ms ${s.bestRate ? `${fmt(s.bestRate)}/s` : 'none'}`,
    )
    if (holds.length === 0) acceptMet.push((s.bestRate ?? 0) >= ACCEPT_TARGET)
  }
  out.push({
    target: `v3 accept ≥ ${fmt(ACCEPT_TARGET)} req/s sustained, p99 ≤ 20 ms`,
    measured: acceptParts.join('; ') || 'not measured',
    met: all(acceptMet),
  })
  out.push({
    target: `stretch: v3 accept ${fmt(ACCEPT_STRETCH)} req/s`,
    measured:
      sweepsV3.map((s) => `${s.service}: ${s.bestRate ? `${fmt(s.bestRate)}/s` : 'none'}`).join('; ') ||
      'not measured',
    met: all(sweepsV3.map((s) => (s.bestRate ?? 0) >= ACCEPT_STRETCH)),
  })

  const ratioParts: string[] = []
  const ratioMet: Array<boolean | null> = []
  for (const [service, list] of perService(
    runs.filter((r) => r.scenario === 'closed'),
    (r) => r.service,
  )) {
    const v1 = list.find((r) => r.strategy === 'v1')
    const v3 = list.find((r) => r.strategy === 'v3')
    if (!v1 || !v3 || v1.throughput === 0) continue
    const ratio = v3.throughput / v1.throughput
    ratioParts.push(
      `${service} closed loop: ${fmt(v3.throughput)} / ${fmt(v1.throughput)} = ${ratio.toFixed(1)}×`,
    )
    ratioMet.push(ratio >= RATIO_TARGET)
  }
  for (const [service, list] of perService(sweeps, (s) => s.service)) {
    const v1 = list.find((s) => s.strategy === 'v1')?.bestRate
    const v3 = list.find((s) => s.strategy === 'v3')?.bestRate
    if (v1 && v3)
      ratioParts.push(
        `${service} sweep (p99-bounded rates): ${fmt(v3)} / ${fmt(v1)} = ${(v3 / v1).toFixed(1)}×`,
      )
  }
  out.push({
    target: `v3 / v1 throughput ≥ ${RATIO_TARGET}× in the same run`,
    measured: ratioParts.join('; ') || 'not measured',
    met: all(ratioMet),
  })

  const drains = runs.flatMap((r) => (r.scenario === 'drain' && r.settle ? [{ ...r, settle: r.settle }] : []))
  out.push({
    target: `v3 consumer, one hot promotion: ≥ ${fmt(CONSUMER_TARGET)} settled/s; a 50,000-request drop settled ≤ 5 s after the last accept`,
    measured:
      drains
        .map((d) => {
          const s = d.settle
          const head = `${d.service}: ${fmt(d.sent)} requests for ${fmt(d.stock)} units, ${fmt(s.accepted)} accepted`
          if (s.consumerHeldBack) {
            return (
              `${head} with the consumer frozen for ${(s.consumerPausedMs / 1000).toFixed(1)} s; resumed, it settled ` +
              `them in ${(s.workMs / 1000).toFixed(2)} s = ${fmt(s.drainRate ?? 0)}/s, all settled ` +
              `${(s.lagAfterLastAcceptMs / 1000).toFixed(2)} s after the last accept`
            )
          }
          return (
            `${head}, all settled ${(s.lagAfterLastAcceptMs / 1000).toFixed(2)} s after the last accept` +
            (s.drainRate
              ? `; backlog of ${fmt(s.backlogAtLastAccept)} drained at ${fmt(s.drainRate)}/s`
              : `; the consumer kept up with the accept rate (peak ${fmt(s.peakRate)}/s), so its capacity was not reached (run with --split to measure it)`)
          )
        })
        .join('; ') || 'not measured',
    met: all(
      drains.map((d) => {
        const s = d.settle
        if (s.timedOut) return false
        if (s.consumerHeldBack) {
          return s.lagAfterLastAcceptMs <= SETTLE_TARGET_MS && (s.drainRate ?? 0) >= CONSUMER_TARGET
        }
        if (s.lagAfterLastAcceptMs > SETTLE_TARGET_MS) return false
        return s.drainRate === null ? null : s.drainRate >= CONSUMER_TARGET
      }),
    ),
  })

  const overload = runs.filter((r) => r.scenario === 'overload')
  out.push({
    target: `past capacity (overload steps): 0 client time-outs, every answer (202 or 503 OVERLOADED) within ${OVERLOAD_P99_MS} ms at p99`,
    measured:
      overload
        .map(
          (r) =>
            `${r.service} ${fmt((r.shape as OpenLoop).ratePerSecond)}/s: ${clientTimeouts(r)} time-outs, ` +
            `p99 ${r.latency.p99.toFixed(1)} ms, ${fmt(r.statuses['202'] ?? 0)} accepted, ` +
            `${fmt(r.statuses['503 OVERLOADED'] ?? 0)} shed`,
        )
        .join('; ') || 'not measured',
    met: all(overload.map((r) => clientTimeouts(r) === 0 && r.latency.p99 <= OVERLOAD_P99_MS)),
  })

  const failed = runs
    .concat(sweeps.flatMap((s) => s.steps))
    .flatMap((r) =>
      r.checks
        .filter((c) => c.ok === false)
        .map((c) => `${r.service} ${r.strategy} ${r.scenario}: ${c.name}`),
    )
  const total = runs.length + sweeps.reduce((n, s) => n + s.steps.length, 0)
  out.push({
    target: '0 oversell, 0 duplicates, 0 lost in every run',
    measured: failed.length === 0 ? `all checks passed in ${total} runs` : `failed: ${failed.join('; ')}`,
    met: total === 0 ? null : failed.length === 0,
  })
  return out
}
