/**
 * One chaos scenario for one flow (coupon or timesale): the service as separate processes on the isolated
 * stack, a paced burst of v3 requests against a promotion with less stock than demand, a fault injected
 * mid-burst, then waiting until every accepted request settled (replaying dead letters once the fault is
 * over), and the SPEC §4 invariants checked and reported.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { Config } from '../../src/config.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { createPool, type Pool } from '../../src/platform/postgres.ts'
import { createRedis, type Redis } from '../../src/platform/redis.ts'
import { userIds } from '../coupon/fixtures.ts'
import { post } from '../helpers/http.ts'
import { testConfig } from '../helpers/stack.ts'
import type { FlowDriver } from './flows.ts'
import { type Answer, burst, countAnswers } from './load.ts'
import { publish } from './report.ts'
import { adminHeaders, ServiceProcesses, serviceEnv } from './services.ts'
import { databaseUrl, ensureStack, type KafkaLayout, redisUrl } from './stack.ts'
import { type Check, checkInvariants, collectFacts, type Facts } from './verify.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** `promise`, or a rejection naming `what` after `ms`: a fault step never hangs the suite. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Runs `node src/main.ts <args>` with the scenario's environment; returns its stdout. */
export async function cli(config: Config, args: readonly string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['src/main.ts', ...args], {
    cwd: ROOT,
    env: serviceEnv(config, { LOG_LEVEL: 'warn' }),
  })
  return stdout
}

/** What a fault sees of the scenario it disturbs. */
export interface ScenarioContext {
  readonly config: Config
  readonly flow: FlowDriver
  readonly processes: ServiceProcesses
  /** The promotion (coupon policy or time sale) under load. */
  readonly promotionId: string
  /** Adds a timeline entry stamped with the time since the burst started; returns that time. */
  note(event: string): number
  /** Adds a line to the scenario's report. */
  remark(text: string): void
  /** Reads the promotion's facts again (e.g. after a repair). */
  facts(): Promise<Facts>
}

/** The DLQ as a scenario ends: accepted requests dead-lettered (and replayed), malformed messages. */
export interface DeadLetterCounts {
  readonly accepted: number
  readonly replayed: number
  readonly malformed: number
}

export interface ScenarioOptions {
  /** Short name for log files, e.g. `kafka-restart`. */
  readonly name: string
  readonly title: string
  readonly flow: FlowDriver
  readonly layout: KafkaLayout
  readonly users: number
  /** Stock in units. */
  readonly stock: number
  readonly ratePerSecond: number
  readonly concurrency?: number
  /** Extra environment for every service process. */
  readonly env?: Readonly<Record<string, string>>
  readonly faultAtMs: number
  readonly fault: (context: ScenarioContext) => Promise<void>
  /** How dead letters of accepted requests are replayed once processing stalls (default `http`). */
  readonly replayWith?: 'cli' | 'http'
  /** Gives up waiting when nothing settled for this long and nothing was left to replay (default 45 s). */
  readonly stallTimeoutMs?: number
  /** Checks of the scenario's own claims, next to the invariants; runs after settling. */
  readonly checks?: (
    context: ScenarioContext,
    answers: readonly Answer[],
    facts: Facts,
    dlq: DeadLetterCounts,
  ) => Check[] | Promise<Check[]>
}

export interface ScenarioResult {
  readonly answers: readonly Answer[]
  readonly accepted: readonly string[]
  readonly facts: Facts
  readonly checks: readonly Check[]
}

interface DeadLetterView {
  readonly requestId: string | null
  readonly errorCode: string | null
  readonly replayed: boolean
}

/** Every dead letter of the flow, page by page (`count` is the number on the topic). */
async function deadLetters(flow: FlowDriver, url: string): Promise<DeadLetterView[]> {
  const letters: DeadLetterView[] = []
  for (;;) {
    const page = `limit=1000&offset=${letters.length}`
    const response = await fetch(`${url}${flow.apiPrefix}/admin/dlq?${page}`, { headers: adminHeaders })
    if (!response.ok) throw new Error(`GET admin/dlq answered ${response.status}`)
    const body = (await response.json()) as { count: number; messages: DeadLetterView[] }
    letters.push(...body.messages)
    if (body.messages.length === 0 || letters.length >= body.count) return letters
  }
}

async function settledCount(flow: FlowDriver, pool: Pool, id: string, accepted: readonly string[]) {
  const { rows } = await pool.query<{ n: number }>(flow.settledSql, [id, accepted])
  return rows[0]?.n ?? 0
}

/** Replays dead letters of accepted requests: all of the flow via the CLI, or the given ids via HTTP. */
async function replay(
  how: 'cli' | 'http',
  context: ScenarioContext,
  url: string,
  requestIds: readonly string[],
): Promise<number> {
  if (how === 'cli') {
    const stdout = await cli(context.config, ['dlq', 'replay', '--flow', context.flow.name, '--json'])
    return (JSON.parse(stdout) as { replayed: unknown[] }).replayed.length
  }
  const response = await post<{ replayed: number }>(
    `${url}${context.flow.apiPrefix}/admin/dlq/replay`,
    { requestIds },
    adminHeaders,
  )
  assert.equal(response.status, 200, JSON.stringify(response.body))
  return response.body.replayed
}

/**
 * Waits for every accepted request's published outcome; when progress stalls, replays what of ours sits in
 * the DLQ (the fault is over by then) and keeps waiting. Returns how many dead letters it replayed.
 */
async function settle(
  context: ScenarioContext,
  options: ScenarioOptions,
  pool: Pool,
  url: string,
  accepted: readonly string[],
): Promise<number> {
  const acceptedSet = new Set(accepted)
  let replayed = 0
  let last = -1
  let lastProgress = performance.now()
  let lastLook = performance.now()
  for (;;) {
    const settled = await settledCount(options.flow, pool, context.promotionId, accepted).catch(() => last)
    if (settled >= accepted.length) return replayed
    if (settled !== last) {
      last = settled
      lastProgress = performance.now()
      lastLook = lastProgress
    } else if (performance.now() - lastLook > 3_000) {
      lastLook = performance.now()
      const stuck = (await deadLetters(options.flow, url).catch(() => []))
        .filter((letter) => !letter.replayed && letter.requestId && acceptedSet.has(letter.requestId))
        .map((letter) => letter.requestId as string)
      if (stuck.length > 0) {
        const count = await replay(options.replayWith ?? 'http', context, url, stuck)
        replayed += count
        lastProgress = performance.now()
        context.note(`replayed ${count} dead letters (${options.replayWith ?? 'http'})`)
      } else if (performance.now() - lastProgress > (options.stallTimeoutMs ?? 45_000)) {
        const idle = ((performance.now() - lastProgress) / 1000).toFixed(0)
        context.remark(`gave up waiting: ${settled}/${accepted.length} settled, no progress for ${idle} s`)
        return replayed
      }
    }
    await sleep(250)
  }
}

export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const { flow } = options
  const brokers = await ensureStack(options.layout)
  const config = testConfig({
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_REPLICATION_FACTOR: options.layout === 'cluster' ? '3' : '1',
    REDIS_URL: redisUrl(),
    DATABASE_URL: databaseUrl(),
    // The production default, not the unit tests' 50 ms: a 10 s outage must outlast the retries.
    CONSUMER_RETRY_BACKOFF_MS: '200',
    // No periodic repair of Redis from PostgreSQL: the checks see what the services did by themselves.
    RECONCILE_INTERVAL_MS: '0',
    ...options.env,
  })
  const pool = createPool(
    { url: config.postgres.url, poolMax: 4 },
    createLogger({ level: 'silent', name: 'chaos' }),
  )
  const redis: Redis = createRedis(config.redis, 'chaos-probe')
  redis.on('error', () => {}) // Redis is restarted on purpose; the client reconnects by itself.
  const processes = new ServiceProcesses(config, flow, options.name)
  const timeline: string[] = []
  const notes: string[] = []
  let started = 0
  try {
    const url = await processes.startApi()
    await processes.startConsumer()
    const promotionId = await flow.create(url, options.stock, adminHeaders)
    const context: ScenarioContext = {
      config,
      flow,
      processes,
      promotionId,
      note(event) {
        const at = performance.now() - started
        timeline.push(`t+${(at / 1000).toFixed(1)}s ${event}`)
        return at
      },
      remark: (text) => notes.push(text),
      facts: () => collectFacts(config, flow, pool, redis, promotionId),
    }

    started = performance.now()
    const [answers] = await Promise.all([
      burst({
        url: flow.requestUrl(url, promotionId),
        body: (userId) => flow.requestBody(promotionId, userId),
        users: userIds(options.users),
        ratePerSecond: options.ratePerSecond,
        concurrency: options.concurrency ?? 64,
      }),
      sleep(options.faultAtMs).then(() => options.fault(context)),
    ])
    const burstEnded = performance.now()
    const accepted = answers.flatMap((a) => (a.status === 202 && a.requestId ? [a.requestId] : []))
    const acceptedSet = new Set(accepted)
    const replayed = await settle(context, options, pool, url, accepted)
    const settleSeconds = (performance.now() - burstEnded) / 1000

    const facts = await context.facts()
    const letters = await deadLetters(flow, url)
    const dlq: DeadLetterCounts = {
      accepted: new Set(
        letters.flatMap((l) => (l.requestId && acceptedSet.has(l.requestId) ? [l.requestId] : [])),
      ).size,
      replayed,
      malformed: letters.filter((l) => l.errorCode === 'MALFORMED_MESSAGE').length,
    }
    const serverErrors = answers.filter((a) => a.status === 0 || (a.status >= 500 && a.status !== 503))
    const checks: Check[] = [
      ...checkInvariants(facts, accepted, flow.unitsPerRequest),
      {
        name: 'errors are 503, not 500',
        ok: serverErrors.length === 0,
        detail:
          serverErrors.length === 0
            ? `${answers.filter((a) => a.status === 503).length} answered 503, none 500 or unanswered`
            : `${serverErrors.length} answers were ${JSON.stringify(countAnswers(serverErrors))}`,
      },
      {
        name: 'no process crashed',
        ok: processes.crashes.length === 0,
        detail:
          processes.crashes.length === 0
            ? 'only the processes the scenario killed died'
            : `restarted after: ${processes.crashes.join(' ;; ')}`,
      },
      ...((await options.checks?.(context, answers, facts, dlq)) ?? []),
    ]
    const failed: Record<string, number> = {}
    for (const id of accepted) {
      const code = facts.settled.get(id)?.code
      if (code) failed[code] = (failed[code] ?? 0) + 1
    }
    publish({
      title: `[${flow.name}] ${options.title}`,
      timeline,
      sent: answers.length,
      answers: countAnswers(answers),
      accepted: accepted.length,
      settled: accepted.filter((id) => facts.settled.has(id)).length,
      settleSeconds,
      granted: [...facts.granted.values()].reduce((sum, n) => sum + n, 0),
      stock: options.stock,
      failed,
      deadLettered: dlq.accepted,
      replayed: dlq.replayed,
      malformedDeadLetters: dlq.malformed,
      outcomeMessages: [...facts.messages.values()].reduce((sum, list) => sum + list.length, 0),
      unacknowledgedProcessed: [...facts.settled.keys()].filter((id) => !acceptedSet.has(id)).length,
      checks,
      notes,
    })
    return { answers, accepted, facts, checks }
  } finally {
    await processes.stopAll()
    await pool.end()
    redis.disconnect()
  }
}

/** Fails the test with every check that did not hold. */
export function assertChecks(result: ScenarioResult): void {
  const failed = result.checks.filter((check) => !check.ok).map((check) => `${check.name}: ${check.detail}`)
  assert.deepEqual(failed, [], 'every invariant holds')
}
