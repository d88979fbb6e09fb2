/**
 * One measured run: a fresh promotion, a load shape, then (v3) waiting until the consumer settled every
 * accepted request, then the invariant checks. Everything a scenario reports comes from here.
 */

import type { Janitor } from './janitor.ts'
import { type Component, type ComponentPorts, cpuMicros, cpuShare, sampleCpu } from './lib/cpu.ts'
import { distinctUsers } from './lib/schedule.ts'
import { peakRate, ratePerSecond } from './lib/stats.ts'
import { type LoadProgress, type LoadResult, runLoad } from './load/generator.ts'
import type { LoadShape } from './load/types.ts'
import type { CpuPerRequest, RunReport, ScenarioKind, SettleReport } from './results-types.ts'
import type { ServiceTarget, Strategy } from './targets/types.ts'

export interface RunSpec {
  readonly scenario: ScenarioKind
  readonly strategy: Strategy
  readonly stock: number
  readonly shape: LoadShape
  readonly repeatEvery: number
  /**
   * v3, split mode: the consumer is frozen while the load runs and resumed after the last answer, so
   * that the whole run is a backlog and the consumer's own pace is what gets measured.
   */
  readonly holdConsumer?: { pause(): void; resume(): void }
}

export interface RunSettings {
  /** Ports that identify the components in the CPU accounting. */
  readonly cpuPorts: ComponentPorts
  readonly workers: number
  readonly timeoutMs: number
  readonly settleTimeoutMs: number
  /** Redis housekeeping; none leaves every promotion's Redis state in place (`--keep-data`). */
  readonly janitor?: Janitor
  readonly log: (line: string) => void
}

const POLL_MS = 25
const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Margin after a run's expected end before its promotion closes (requests sent later would be refused). */
const WINDOW_MARGIN_MS = 60_000
/** Runs of a fixed number of requests have no known duration: allow this long. */
const COUNTED_RUN_MS = 5 * 60_000

/** How long a run's promotion must stay open. */
export function openFor(shape: LoadShape): number {
  if (shape.kind === 'open') return shape.durationMs + WINDOW_MARGIN_MS
  if (shape.durationMs !== undefined) return shape.warmupMs + shape.durationMs + WINDOW_MARGIN_MS
  return COUNTED_RUN_MS
}

export function describeShape(shape: LoadShape): string {
  if (shape.kind === 'open') return `open ${fmt(shape.ratePerSecond)}/s × ${shape.durationMs / 1000}s`
  const size =
    shape.total !== undefined ? `${fmt(shape.total)} requests` : `${(shape.durationMs ?? 0) / 1000}s`
  return `closed c=${shape.concurrency}, ${size}`
}

function progressLine(label: string, p: LoadProgress): string {
  return (
    `${label}  ${(p.elapsedMs / 1000).toFixed(0).padStart(3)}s  answered ${fmt(p.completed)} ` +
    `(${fmt(p.recentRate)}/s)  failed ${fmt(p.failed)}  in flight ${fmt(p.inFlight)}`
  )
}

/** Waits until every accepted v3 request has a published outcome, and measures how the consumer got there. */
async function waitSettled(
  target: ServiceTarget,
  id: string,
  load: LoadResult,
  accepted: number,
  settings: RunSettings,
  label: string,
  held: RunSpec['holdConsumer'],
  pauseMs: number,
): Promise<SettleReport> {
  let progress = await target.settleProgress(id)
  const backlog = Math.max(0, accepted - progress.published)
  if (held) {
    settings.log(`${label}  resuming the consumer with ${fmt(backlog)} requests waiting`)
    held.resume()
  }
  const deadline = Date.now() + settings.settleTimeoutMs
  // Cheap Redis polling while the backlog is large, PostgreSQL only for the last stretch.
  let lastLog = Date.now()
  let lastBacklog = backlog
  for (
    let left = await target.backlog(id);
    left > 0 && Date.now() < deadline;
    left = await target.backlog(id)
  ) {
    await sleep(POLL_MS)
    if (Date.now() - lastLog >= 1000) {
      const rate = ratePerSecond(lastBacklog - left, Date.now() - lastLog)
      settings.log(`${label}  settling  ${fmt(accepted - left)}/${fmt(accepted)} persisted (${fmt(rate)}/s)`)
      lastLog = Date.now()
      lastBacklog = left
    }
  }
  while (progress.published < accepted && Date.now() < deadline) {
    progress = await target.settleProgress(id)
    if (progress.published < accepted) await sleep(POLL_MS)
  }
  const { published: times, firstSettledAt } = await target.settleTimes(id)
  let last = 0
  for (const t of times) if (t > last) last = t
  const lag = Math.max(0, last - load.lastAnsweredAt)
  const workMs = times.length > 0 ? last - Math.min(firstSettledAt, last) : 0
  return {
    accepted,
    settled: progress.published,
    timedOut: progress.published < accepted,
    consumerHeldBack: held !== undefined,
    consumerPausedMs: pauseMs,
    lagAfterLastAcceptMs: lag,
    backlogAtLastAccept: backlog,
    // A held-back consumer starts on a full backlog: its pace is everything over its working time.
    drainRate: held
      ? workMs > 0
        ? ratePerSecond(times.length, workMs)
        : null
      : backlog >= 500 && lag > 0
        ? ratePerSecond(backlog, lag)
        : null,
    workMs,
    busyRate: ratePerSecond(times.length, last - load.firstSentAt),
    peakRate: peakRate(times),
  }
}

/** Runs one scenario on a fresh promotion of `target` and checks it. */
export async function runScenario(
  target: ServiceTarget,
  spec: RunSpec,
  settings: RunSettings,
): Promise<RunReport> {
  const label = `[${target.service} ${spec.strategy} ${spec.scenario}]`
  await settings.janitor?.sweep()
  const createdAt = Date.now()
  const id = await target.createPromotion(
    spec.stock,
    `${spec.scenario} ${spec.strategy} ${new Date().toISOString()}`,
    openFor(spec.shape),
  )
  settings.log(`${label}  promotion ${id}, stock ${fmt(spec.stock)}, ${describeShape(spec.shape)}`)
  if (spec.holdConsumer) {
    settings.log(`${label}  freezing the consumer: requests pile up until the last answer`)
    spec.holdConsumer.pause()
  }
  const before = sampleCpu(settings.cpuPorts)
  const pausedAt = Date.now()
  let load: LoadResult
  try {
    load = await runLoad({
      template: { ...target.template(spec.strategy, id), repeatUserEvery: spec.repeatEvery, userOffset: 0 },
      shape: spec.shape,
      workers: settings.workers,
      timeoutMs: settings.timeoutMs,
      onProgress: (p) => settings.log(progressLine(label, p)),
    })
  } catch (error) {
    spec.holdConsumer?.resume()
    throw error
  }
  const pauseMs = spec.holdConsumer ? Date.now() - pausedAt : 0
  const afterLoad = sampleCpu(settings.cpuPorts)
  const cpu = cpuShare(before, afterLoad)
  const successes = load.successes.ids.length
  const settle =
    spec.strategy === 'v3'
      ? await waitSettled(target, id, load, successes, settings, label, spec.holdConsumer, pauseMs)
      : undefined
  const cpuPerRequest =
    spec.strategy === 'v3' && settle
      ? perRequestCpu(target.service, before, afterLoad, sampleCpu(settings.cpuPorts), settle)
      : undefined
  const failures =
    Object.values(load.errors).reduce((a, b) => a + b, 0) +
    Object.entries(load.statuses)
      .filter(([key]) => Number(key.slice(0, 3)) >= 500)
      .reduce((a, [, n]) => a + n, 0)
  const checks = await target.check(id, {
    strategy: spec.strategy,
    stock: spec.stock,
    distinctUsers: distinctUsers(load.sent, spec.repeatEvery),
    sent: load.sent,
    failures,
    successes: load.successes,
  })
  if (settings.janitor) {
    if (spec.strategy === 'v3') await target.dropRequestIndex(load.successes.ids)
    settings.janitor.defer(target, id, createdAt + openFor(spec.shape))
  }
  const failed = checks.filter((c) => c.ok === false)
  settings.log(
    `${label}  done: ${fmt(load.throughput)} answers/s, p50 ${load.latency.p50.toFixed(1)} ms, ` +
      `p99 ${load.latency.p99.toFixed(1)} ms, failures ${failures}` +
      (settle
        ? `, settled ${fmt(settle.settled)}/${fmt(settle.accepted)} +${fmt(settle.lagAfterLastAcceptMs)} ms`
        : '') +
      `; invariants ${failed.length === 0 ? 'OK' : `FAILED: ${failed.map((c) => c.name).join(', ')}`}`,
  )
  return {
    service: target.service,
    strategy: spec.strategy,
    scenario: spec.scenario,
    promotionId: id,
    stock: spec.stock,
    distinctUsers: distinctUsers(load.sent, spec.repeatEvery),
    shape: spec.shape,
    latency: load.latency,
    latencyByStatus: load.latencyByStatus,
    sendLag: load.sendLag,
    sent: load.sent,
    completed: load.completed,
    notSent: load.notSent,
    successes,
    failures,
    statuses: load.statuses,
    errors: load.errors,
    throughput: load.throughput,
    wallMs: load.lastAnsweredAt - load.firstSentAt,
    generatorUtilization: load.generatorUtilization,
    ...(settle ? { settle } : {}),
    checks,
    ...(cpu ? { cpu } : {}),
    ...(cpuPerRequest ? { cpuPerRequest } : {}),
  }
}

/**
 * CPU µs per accepted request (the API process while the load ran) and per settled request (the consumer
 * process from the load's start until the last request settled). The second needs the consumer in a
 * process of its own that the bench started (`--split`); otherwise it is null.
 */
function perRequestCpu(
  service: string,
  before: ReturnType<typeof sampleCpu>,
  afterLoad: ReturnType<typeof sampleCpu>,
  settled: ReturnType<typeof sampleCpu>,
  settle: SettleReport,
): CpuPerRequest | undefined {
  if (!before || !afterLoad || !settled) return undefined
  const api = service as Component
  const consumer = `${service}-consumer` as Component
  const loadMicros = cpuMicros(cpuShare(before, afterLoad), api, afterLoad.at - before.at)
  const untilSettled = cpuShare(before, settled)
  const consumerMicros = cpuMicros(untilSettled, consumer, settled.at - before.at)
  return {
    perAcceptedUs: loadMicros !== null && settle.accepted > 0 ? loadMicros / settle.accepted : null,
    perSettledUs: consumerMicros !== null && settle.settled > 0 ? consumerMicros / settle.settled : null,
  }
}
