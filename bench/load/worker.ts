/**
 * A load-generator worker thread: its own event loop and its own undici pool of keep-alive connections,
 * so the generator never competes with the orchestration (polling, checks) for a loop. Started by
 * `generator.ts` with a {@link WorkerJob}; posts one {@link WorkerResult} and exits.
 */
import { performance } from 'node:perf_hooks'
import { parentPort, workerData } from 'node:worker_threads'
import { Pool } from 'undici'
import { LatencyHistogram } from '../lib/histogram.ts'
import { dueUpTo, globalIndex, intendedTime, splitEvenly, userIndex, workerShare } from '../lib/schedule.ts'
import { exchange } from './dispatch.ts'
import type { ClosedLoop, OpenLoop, WorkerJob, WorkerResult } from './types.ts'
import { COUNTER_SLOTS } from './types.ts'

const job = workerData as WorkerJob
const { template, worker: w, workers: k } = job
const counters = new Int32Array(job.counters, w * COUNTER_SLOTS * 4, COUNTER_SLOTS)
const HEADERS = { 'content-type': 'application/json' }

const now = () => performance.timeOrigin + performance.now()

const latency = new LatencyHistogram()
/** Measured latencies per answer kind (`statuses` keys, e.g. `202`, `503 OVERLOADED`). */
const latencyByStatus = new Map<string, LatencyHistogram>()
const sendLag = new LatencyHistogram()
const statuses: Record<string, number> = {}
const errors: Record<string, number> = {}
const success = {
  userIds: [] as number[],
  sentAt: [] as number[],
  answeredAt: [] as number[],
  ids: [] as string[],
}
let sent = 0
let completed = 0
let measured = 0
let measuredCompleted = 0
let notSent = 0
let inFlight = 0
let firstSentAt = Number.POSITIVE_INFINITY
let lastAnsweredAt = 0

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1
}

function codeOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { code?: unknown }
    return typeof body.code === 'string' ? body.code : undefined
  } catch {
    return undefined
  }
}

function idOf(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>
    return String(body.requestId ?? body.couponId ?? body.orderId ?? '')
  } catch {
    return ''
  }
}

/**
 * Sends global request `g` and records it. `measureSince` is the time latency is measured from (the
 * intended send time in an open loop, the actual one in a closed loop), or undefined if not measured.
 */
async function send(pool: Pool, g: number, measure: (sentAt: number) => number | undefined): Promise<void> {
  const user = template.userOffset + userIndex(g, template.repeatUserEvery)
  const body = template.bodyPrefix + user + template.bodySuffix
  const sentAt = now()
  if (sentAt < firstSentAt) firstSentAt = sentAt
  sent++
  inFlight++
  Atomics.add(counters, 2, 1)
  const since = measure(sentAt)
  try {
    const res = await exchange(pool, {
      path: template.path,
      method: 'POST',
      headers: HEADERS,
      body,
      headersTimeout: job.timeoutMs,
      bodyTimeout: job.timeoutMs,
    })
    const text = res.text
    const answeredAt = now()
    lastAnsweredAt = Math.max(lastAnsweredAt, answeredAt)
    let kind = String(res.status)
    if (res.status === template.successStatus) {
      success.userIds.push(user)
      success.sentAt.push(sentAt)
      success.answeredAt.push(answeredAt)
      success.ids.push(idOf(text))
    } else {
      const code = codeOf(text)
      if (code) kind = `${res.status} ${code}`
      if (res.status >= 500) Atomics.add(counters, 1, 1)
    }
    bump(statuses, kind)
    if (since !== undefined) {
      latency.record(answeredAt - since)
      let perKind = latencyByStatus.get(kind)
      if (!perKind) {
        perKind = new LatencyHistogram()
        latencyByStatus.set(kind, perKind)
      }
      perKind.record(answeredAt - since)
      measuredCompleted++
    }
  } catch (error) {
    const e = error as { code?: string; name?: string }
    bump(errors, e.code ?? e.name ?? 'Error')
    Atomics.add(counters, 1, 1)
  } finally {
    inFlight--
    completed++
    Atomics.sub(counters, 2, 1)
    Atomics.add(counters, 0, 1)
  }
}

async function closedLoop(shape: ClosedLoop, pool: Pool, startAt: number): Promise<[number, number]> {
  const clients = splitEvenly(shape.concurrency, k)[w] ?? 0
  const share = shape.total === undefined ? Number.POSITIVE_INFINITY : workerShare(shape.total, w, k)
  const measureFrom = startAt + shape.warmupMs
  const stopAt = shape.durationMs === undefined ? Number.POSITIVE_INFINITY : measureFrom + shape.durationMs
  let j = 0
  const measure = (sentAt: number) => {
    if (sentAt < measureFrom) return undefined
    measured++
    return sentAt
  }
  const client = async () => {
    while (j < share && now() < stopAt) {
      const g = globalIndex(j++, w, k)
      await send(pool, g, measure)
    }
  }
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - now())))
  await Promise.all(Array.from({ length: clients }, client))
  return [measureFrom, shape.durationMs === undefined ? lastAnsweredAt : stopAt]
}

async function openLoop(shape: OpenLoop, pool: Pool, startAt: number): Promise<[number, number]> {
  const rate = shape.ratePerSecond
  const share = workerShare(Math.ceil((rate * shape.durationMs) / 1000), w, k)
  const pending = new Set<Promise<void>>()
  let j = 0
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = dueUpTo(startAt, rate, now(), w, k, share)
      for (; j < due; j++) {
        if (inFlight >= shape.maxInFlight) {
          // Overloaded: the server (or the generator) cannot keep up; stop instead of queueing forever.
          notSent += share - j
          j = share
          break
        }
        const intended = intendedTime(startAt, rate, globalIndex(j, w, k))
        const p = send(pool, globalIndex(j, w, k), (sentAt) => {
          sendLag.record(sentAt - intended)
          measured++
          return intended
        })
        pending.add(p)
        void p.finally(() => pending.delete(p))
      }
      if (j >= share) return resolve()
      const next = intendedTime(startAt, rate, globalIndex(j, w, k))
      setTimeout(tick, Math.max(0, next - now()))
    }
    setTimeout(tick, Math.max(0, startAt - now()))
  })
  await Promise.all(pending)
  return [startAt, startAt + shape.durationMs]
}

/**
 * Opens every connection of the pool (and warms the code paths) with `GET /health` before the clock
 * starts, so that connection set-up does not land in the first measured requests.
 */
async function warmUp(pool: Pool, connections: number): Promise<void> {
  const once = () => exchange(pool, { path: '/health', method: 'GET', headersTimeout: job.timeoutMs })
  for (let round = 0; round < 3; round++) await Promise.all(Array.from({ length: connections }, once))
}

/** Resolves with the start time the main thread broadcasts once every worker is warm. */
function startSignal(): Promise<number> {
  return new Promise((resolve) => {
    parentPort?.once('message', (message: { startAt: number }) => resolve(message.startAt))
    parentPort?.postMessage({ ready: true })
  })
}

const shape = job.shape
const connections = Math.max(
  1,
  splitEvenly(shape.kind === 'closed' ? shape.concurrency : shape.connections, k)[w] ?? 1,
)
const pool = new Pool(template.origin, {
  connections,
  pipelining: shape.kind === 'open' ? shape.pipelining : 1,
})
await warmUp(pool, connections)
const startAt = await startSignal()
const eluStart = performance.eventLoopUtilization()
const [measureFrom, measureTo] =
  shape.kind === 'closed' ? await closedLoop(shape, pool, startAt) : await openLoop(shape, pool, startAt)
const elu = performance.eventLoopUtilization(eluStart)
await pool.close()

const result: WorkerResult = {
  worker: w,
  latency: latency.encode(),
  latencyByStatus: Object.fromEntries([...latencyByStatus].map(([kind, h]) => [kind, h.encode()])),
  sendLag: sendLag.encode(),
  sent,
  completed,
  measured,
  notSent,
  statuses,
  errors,
  firstSentAt: Number.isFinite(firstSentAt) ? firstSentAt : startAt,
  lastAnsweredAt,
  measureFrom,
  measureTo,
  measuredCompleted,
  eventLoopUtilization: elu.utilization,
  successes: {
    userIds: Float64Array.from(success.userIds),
    sentAt: Float64Array.from(success.sentAt),
    answeredAt: Float64Array.from(success.answeredAt),
    ids: success.ids,
  },
}
parentPort?.postMessage({ result })
