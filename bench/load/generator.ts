/**
 * The load generator's main-thread side: starts worker threads with one share of the load each, reports
 * progress from shared counters once a second, and merges what the workers measured.
 */
import { Worker } from 'node:worker_threads'
import { type LatencySummary, mergeEncoded } from '../lib/histogram.ts'
import { ratePerSecond } from '../lib/stats.ts'
import {
  COUNTER_SLOTS,
  type LoadShape,
  type RequestTemplate,
  type SuccessLog,
  type WorkerJob,
  type WorkerResult,
} from './types.ts'

export interface LoadRun {
  readonly template: RequestTemplate
  readonly shape: LoadShape
  readonly workers: number
  readonly timeoutMs: number
  /** Called about once a second while the load runs. */
  readonly onProgress?: (progress: LoadProgress) => void
}

export interface LoadProgress {
  readonly elapsedMs: number
  readonly completed: number
  readonly failed: number
  readonly inFlight: number
  /** Answers per second over the last interval. */
  readonly recentRate: number
}

export interface LoadResult {
  readonly latency: LatencySummary
  /** Latency per answer kind (the keys of `statuses`, e.g. `202`, `503 OVERLOADED`). */
  readonly latencyByStatus: Record<string, LatencySummary>
  /** Open loop: how late requests left compared with the schedule (the generator's own health). */
  readonly sendLag: LatencySummary
  readonly sent: number
  readonly completed: number
  readonly notSent: number
  readonly statuses: Record<string, number>
  readonly errors: Record<string, number>
  /** Answers (any status) per second over the measured window. */
  readonly throughput: number
  readonly firstSentAt: number
  readonly lastAnsweredAt: number
  readonly measureFrom: number
  readonly measureTo: number
  /** Highest event-loop utilisation of a worker thread (near 1: the generator was the bottleneck). */
  readonly generatorUtilization: number
  readonly successes: SuccessLog
}

const WORKER_URL = new URL('./worker.ts', import.meta.url)

interface RunningWorker {
  readonly ready: Promise<void>
  readonly result: Promise<WorkerResult>
  start(startAt: number): void
}

function startWorker(job: WorkerJob): RunningWorker {
  const worker = new Worker(WORKER_URL, { workerData: job })
  let onReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => {
    onReady = resolve
  })
  const result = new Promise<WorkerResult>((resolve, reject) => {
    let value: WorkerResult | undefined
    worker.on('message', (message: { ready?: true; result?: WorkerResult }) => {
      if (message.ready) onReady()
      if (message.result) value = message.result
    })
    worker.once('error', reject)
    worker.once('exit', (code) => {
      if (value) resolve(value)
      else reject(new Error(`load worker ${job.worker} exited with code ${code} without a result`))
    })
  })
  // A worker that dies while warming up must not leave the caller waiting for "ready" forever.
  const readyOrFailed = Promise.race([ready, result.then(() => undefined)])
  return { ready: readyOrFailed, result, start: (startAt) => worker.postMessage({ startAt }) }
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n
}

function concatSuccesses(logs: readonly SuccessLog[]): SuccessLog {
  const size = logs.reduce((n, l) => n + l.userIds.length, 0)
  const out = {
    userIds: new Float64Array(size),
    sentAt: new Float64Array(size),
    answeredAt: new Float64Array(size),
    ids: [] as string[],
  }
  let at = 0
  for (const l of logs) {
    out.userIds.set(l.userIds, at)
    out.sentAt.set(l.sentAt, at)
    out.answeredAt.set(l.answeredAt, at)
    for (const id of l.ids) out.ids.push(id)
    at += l.userIds.length
  }
  return out
}

/** Runs one load shape to completion and returns the merged measurements. */
export async function runLoad(run: LoadRun): Promise<LoadResult> {
  const workers = Math.max(1, run.workers)
  const counters = new SharedArrayBuffer(workers * COUNTER_SLOTS * 4)
  const view = new Int32Array(counters)
  const jobs = Array.from(
    { length: workers },
    (_, worker): WorkerJob => ({
      template: run.template,
      shape: run.shape,
      worker,
      workers,
      timeoutMs: run.timeoutMs,
      counters,
    }),
  )
  const running = jobs.map(startWorker)
  await Promise.all(running.map((r) => r.ready))
  // Every worker is warm: all of them begin at the same instant.
  const startAt = Date.now() + 20
  for (const r of running) r.start(startAt)
  const sum = (slot: number) => {
    let n = 0
    for (let w = 0; w < workers; w++) n += Atomics.load(view, w * COUNTER_SLOTS + slot)
    return n
  }
  let lastCompleted = 0
  let lastAt = startAt
  const timer = setInterval(() => {
    const at = Date.now()
    const completed = sum(0)
    run.onProgress?.({
      elapsedMs: at - startAt,
      completed,
      failed: sum(1),
      inFlight: sum(2),
      recentRate: ratePerSecond(completed - lastCompleted, at - lastAt),
    })
    lastCompleted = completed
    lastAt = at
  }, 1000)
  let results: WorkerResult[]
  try {
    results = await Promise.all(running.map((r) => r.result))
  } finally {
    clearInterval(timer)
  }

  const statuses: Record<string, number> = {}
  const errors: Record<string, number> = {}
  for (const r of results) {
    addCounts(statuses, r.statuses)
    addCounts(errors, r.errors)
  }
  const total = (pick: (r: WorkerResult) => number) => results.reduce((n, r) => n + pick(r), 0)
  const firstSentAt = Math.min(...results.map((r) => r.firstSentAt))
  const lastAnsweredAt = Math.max(...results.map((r) => r.lastAnsweredAt))
  const measureFrom = Math.min(...results.map((r) => r.measureFrom))
  const measureTo = Math.max(...results.map((r) => r.measureTo))
  const completed = total((r) => r.completed)
  const measuredCompleted = total((r) => r.measuredCompleted)
  const throughput =
    run.shape.kind === 'closed' && run.shape.durationMs !== undefined
      ? ratePerSecond(measuredCompleted, measureTo - measureFrom)
      : run.shape.kind === 'open'
        ? ratePerSecond(completed, Math.max(run.shape.durationMs, lastAnsweredAt - startAt))
        : ratePerSecond(completed, lastAnsweredAt - firstSentAt)
  const kinds = new Set(results.flatMap((r) => Object.keys(r.latencyByStatus)))
  const latencyByStatus = Object.fromEntries(
    [...kinds].map((kind) => [
      kind,
      mergeEncoded(results.flatMap((r) => r.latencyByStatus[kind] ?? [])).summary(),
    ]),
  )
  return {
    latency: mergeEncoded(results.map((r) => r.latency)).summary(),
    latencyByStatus,
    sendLag: mergeEncoded(results.map((r) => r.sendLag)).summary(),
    sent: total((r) => r.sent),
    completed,
    notSent: total((r) => r.notSent),
    statuses,
    errors,
    throughput,
    firstSentAt,
    lastAnsweredAt,
    measureFrom,
    measureTo,
    generatorUtilization: Math.max(...results.map((r) => r.eventLoopUtilization)),
    successes: concatSuccesses(results.map((r) => r.successes)),
  }
}
