/**
 * One fault scenario on the running cluster topology: a paced burst of v3 requests through HAProxy
 * against a promotion with less stock than demand, a fault injected mid-burst, the topology healed, then
 * waiting until every accepted request settled (replaying dead letters once the fault is over), and the
 * SPEC §4 invariants, FIFO included, checked and reported.
 */
import assert from 'node:assert/strict'
import { fifoViolations } from '../../bench/lib/stats.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { createPool, type Pool } from '../../src/platform/postgres.ts'
import { createRedis } from '../../src/platform/redis.ts'
import type { FlowDriver } from '../chaos/flows.ts'
import { type Answer, burst, countAnswers } from '../chaos/load.ts'
import { publish } from '../chaos/report.ts'
import { type Check, checkInvariants, collectFacts, type Facts } from '../chaos/verify.ts'
import { userIds } from '../coupon/fixtures.ts'
import { post } from '../helpers/http.ts'
import { balancerUrl, heal, topologyConfig } from './topology.ts'

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export interface FaultContext {
  readonly promotionId: string
  /** Adds a timeline entry stamped with the time since the burst started. */
  note(event: string): void
}

export interface TopologyScenario {
  readonly title: string
  readonly flow: FlowDriver
  readonly users: number
  /** Stock in units. */
  readonly stock: number
  readonly ratePerSecond: number
  readonly faultAtMs: number
  readonly fault: (context: FaultContext) => Promise<void>
  /** Answers besides 202/409/503 that the fault may cause, e.g. HAProxy's 502 for requests in flight. */
  readonly tolerated?: readonly number[]
  /**
   * The fault kills an API instance between a request's accept script and its answer: the user's
   * pending mark stays in Redis (treated as abandoned after 60 s). Such marks are allowed for users whose
   * request got a tolerated non-answer, and only for them.
   */
  readonly unansweredMayLeavePending?: boolean
}

export interface TopologyResult {
  readonly answers: readonly Answer[]
  readonly accepted: readonly string[]
  readonly facts: Facts
  readonly checks: readonly Check[]
}

interface DeadLetterView {
  readonly requestId: string | null
  readonly replayed: boolean
}

async function settledCount(flow: FlowDriver, pool: Pool, id: string, accepted: readonly string[]) {
  const { rows } = await pool.query<{ n: number }>(flow.settledSql, [id, accepted])
  return rows[0]?.n ?? 0
}

/** Waits for every accepted request's outcome; replays ours from the DLQ when progress stalls. */
async function settle(
  flow: FlowDriver,
  pool: Pool,
  id: string,
  accepted: readonly string[],
  note: (e: string) => void,
) {
  const url = balancerUrl(flow.name)
  const ours = new Set(accepted)
  let last = -1
  let lastProgress = performance.now()
  for (;;) {
    const settled = await settledCount(flow, pool, id, accepted).catch(() => last)
    if (settled >= accepted.length) return
    if (settled !== last) {
      last = settled
      lastProgress = performance.now()
    } else if (performance.now() - lastProgress > 5_000) {
      const response = await fetch(`${url}${flow.apiPrefix}/admin/dlq`).catch(() => undefined)
      const letters = response?.ok ? ((await response.json()) as { messages: DeadLetterView[] }).messages : []
      const stuck = letters.flatMap((l) =>
        !l.replayed && l.requestId && ours.has(l.requestId) ? [l.requestId] : [],
      )
      if (stuck.length > 0) {
        const replayed = await post(`${url}${flow.apiPrefix}/admin/dlq/replay`, { requestIds: stuck })
        note(`replayed ${stuck.length} dead letters (HTTP ${replayed.status})`)
        lastProgress = performance.now()
      } else if (performance.now() - lastProgress > 60_000) {
        note(`gave up waiting: ${settled}/${accepted.length} settled`)
        return
      }
    }
    await sleep(250)
  }
}

/** §4.5 as the client observes it: no winner was sent after a loser had already been answered 202. */
function fifoCheck(answers: readonly Answer[], facts: Facts): Check {
  const requests = answers.flatMap((answer) => {
    const outcome = answer.requestId ? facts.settled.get(answer.requestId) : undefined
    if (answer.status !== 202 || !outcome) return []
    const kind = outcome.ok ? 'WON' : outcome.code === 'SOLD_OUT' ? 'LOST' : 'OTHER'
    return [{ sentAt: answer.sentAtMs, answeredAt: answer.answeredAtMs, outcome: kind } as const]
  })
  const violations = fifoViolations(requests)
  const losers = requests.filter((r) => r.outcome === 'LOST').length
  return {
    name: 'FIFO',
    ok: violations === 0,
    detail: `${violations} winners sent after a loser had been accepted (${losers} accepted losers)`,
  }
}

export async function runTopologyScenario(options: TopologyScenario): Promise<TopologyResult> {
  const { flow } = options
  const config = topologyConfig()
  const pool = createPool(
    { ...config.postgres, poolMax: 4 },
    createLogger({ level: 'silent', name: 'cluster' }),
  )
  const redis = createRedis(config.redis, 'cluster-probe')
  redis.on('error', () => {}) // nodes are killed on purpose; the client follows the failover
  const timeline: string[] = []
  let started = performance.now()
  const note = (event: string) => {
    timeline.push(`t+${((performance.now() - started) / 1000).toFixed(1)}s ${event}`)
  }
  try {
    const url = balancerUrl(flow.name)
    const promotionId = await flow.create(url, options.stock, {})
    started = performance.now()
    const [answers] = await Promise.all([
      burst({
        url: flow.requestUrl(url, promotionId),
        body: (userId) => flow.requestBody(promotionId, userId),
        users: userIds(options.users),
        ratePerSecond: options.ratePerSecond,
        concurrency: 64,
      }),
      sleep(options.faultAtMs).then(() => options.fault({ promotionId, note })),
    ])
    const burstEnded = performance.now()
    await heal()
    note('healed: every part of the topology running again')
    const accepted = answers.flatMap((a) => (a.status === 202 && a.requestId ? [a.requestId] : []))
    await settle(flow, pool, promotionId, accepted, note)
    const settleSeconds = (performance.now() - burstEnded) / 1000
    const facts = await collectFacts(config, flow, pool, redis, promotionId)
    const allowed = new Set([202, 409, 503, ...(options.tolerated ?? [])])
    const unexpected = answers.filter((a) => !allowed.has(a.status))
    const checks: Check[] = [
      ...checkInvariants(facts, accepted, flow.unitsPerRequest),
      fifoCheck(answers, facts),
      {
        name: 'answers expected',
        ok: unexpected.length === 0,
        detail:
          unexpected.length === 0
            ? `all answers in ${[...allowed].join('/')}`
            : `${unexpected.length} answers were ${JSON.stringify(countAnswers(unexpected))}`,
      },
    ]
    if (options.unansweredMayLeavePending) {
      const tolerated = new Set(options.tolerated ?? [])
      const unanswered = new Set(answers.filter((a) => tolerated.has(a.status)).map((a) => a.userId))
      const stray = facts.redis.pendingUsers.filter((user) => !unanswered.has(user))
      const index = checks.findIndex((check) => check.name === 'Redis = PostgreSQL')
      checks[index] = {
        name: 'Redis = PostgreSQL',
        ok: facts.redis.agreesBesidesPending && stray.length === 0,
        detail:
          `${facts.redis.detail}; ${facts.redis.pendingUsers.length - stray.length} pending marks of requests ` +
          `the killed instance never answered, ${stray.length} of others`,
      }
    }
    const acceptedSet = new Set(accepted)
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
      deadLettered: 0,
      replayed: timeline.filter((event) => event.includes('replayed')).length,
      malformedDeadLetters: 0,
      outcomeMessages: [...facts.messages.values()].reduce((sum, list) => sum + list.length, 0),
      unacknowledgedProcessed: [...facts.settled.keys()].filter((id) => !acceptedSet.has(id)).length,
      checks,
      notes: [],
    })
    return { answers, accepted, facts, checks }
  } finally {
    await pool.end()
    redis.disconnect()
  }
}

/** Fails the test with every check that did not hold. */
export function assertChecks(result: TopologyResult): void {
  const failed = result.checks
    .filter((check) => check.ok === false)
    .map((check) => `${check.name}: ${check.detail}`)
  assert.deepEqual(failed, [], 'every invariant holds')
}
