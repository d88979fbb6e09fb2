/**
 * What a scenario proves once processing settled: the facts in PostgreSQL, Redis and the outcome topics
 * for one promotion, and the SPEC §4 invariants computed from them.
 */
import type { Config } from '../../src/config.ts'
import { flowTopics } from '../../src/flows.ts'
import type { Pool } from '../../src/platform/postgres.ts'
import type { Redis } from '../../src/platform/redis.ts'
import { readTopics } from '../helpers/kafka.ts'
import type { FlowDriver, Outcome, StoredFacts } from './flows.ts'

export interface Facts extends StoredFacts {
  /** requestId → outcome messages on the success and failures topics. */
  readonly messages: ReadonlyMap<string, readonly Outcome[]>
}

export async function collectFacts(
  config: Config,
  flow: FlowDriver,
  pool: Pool,
  redis: Redis,
  id: string,
): Promise<Facts> {
  const stored = await flow.stored(pool, redis, id)
  const topics = flowTopics(flow.name, config.kafka.topicPrefix)
  const read = await readTopics(config, [topics.success, topics.failures], stored.settled.size, {
    timeoutMs: 30_000,
    settleMs: 1_500,
  })
  const messages = new Map<string, Outcome[]>()
  for (const message of read) {
    const parsed = flow.readMessage(message.value, id)
    if (!parsed) continue
    const list = messages.get(parsed.requestId) ?? []
    list.push(parsed.outcome)
    messages.set(parsed.requestId, list)
  }
  return { ...stored, messages }
}

export interface Check {
  readonly name: string
  readonly ok: boolean
  readonly detail: string
}

const sample = (ids: readonly string[]) => (ids.length === 0 ? '' : ` (e.g. ${ids.slice(0, 3).join(', ')})`)

/** The SPEC §4 invariants for the requests a scenario got a 202 for, each asking `units`. */
export function checkInvariants(facts: Facts, accepted: readonly string[], units: number): Check[] {
  const grantedUnits = [...facts.granted.values()].reduce((sum, n) => sum + n, 0)
  const overLimit = [...facts.granted].filter(([, n]) => n > facts.perUserLimit).map(([user]) => user)
  const unsettled = accepted.filter((id) => !facts.settled.has(id))
  const silent = accepted.filter((id) => !facts.messages.has(id))
  const withoutRow = [...facts.settled]
    .filter(([id, outcome]) => outcome.ok && !facts.grantRequests.has(id))
    .map(([id]) => id)
  const duplicated = [...facts.messages].filter(([, list]) => list.length > 1).map(([id]) => id)
  const disagreeing = [...facts.messages]
    .filter(([id, list]) => {
      const record = facts.settled.get(id)
      return !record || list.some((m) => m.ok !== record.ok || String(m.resultId) !== String(record.resultId))
    })
    .map(([id]) => id)
  const demand = accepted.length * units
  return [
    {
      name: 'no oversell',
      ok: grantedUnits <= facts.total && facts.recorded === grantedUnits,
      detail: `${grantedUnits} units granted ≤ ${facts.total} stock; counter column ${facts.recorded}`,
    },
    {
      name: 'per-user limit',
      ok: overLimit.length === 0,
      detail: `${facts.granted.size} users, none above ${facts.perUserLimit} unit(s)${sample(overLimit)}`,
    },
    {
      name: 'nothing lost',
      ok: unsettled.length === 0 && silent.length === 0 && withoutRow.length === 0,
      detail:
        `${accepted.length - unsettled.length}/${accepted.length} accepted settled in PostgreSQL, ` +
        `${accepted.length - silent.length} with an outcome message, ` +
        `${withoutRow.length} successes without their row${sample([...unsettled, ...silent, ...withoutRow])}`,
    },
    {
      // SPEC §7: outcome messages are safe to repeat. A process killed between publishing an outcome and
      // recording that it did publishes it again after the restart; a repeat must match the record.
      name: 'outcomes match PostgreSQL',
      ok: disagreeing.length === 0,
      detail:
        `${disagreeing.length} outcome messages disagreeing with PostgreSQL, ` +
        `${duplicated.length} requests announced more than once (identical repeats)${sample([...disagreeing, ...duplicated])}`,
    },
    {
      name: 'no undersell',
      ok: demand < facts.total || grantedUnits === facts.total,
      detail:
        demand >= facts.total
          ? `${accepted.length} accepted × ${units} ≥ ${facts.total} stock → ${grantedUnits} granted`
          : `only ${demand} units accepted < ${facts.total} stock (not applicable)`,
    },
    { name: 'Redis = PostgreSQL', ok: facts.redis.agrees, detail: facts.redis.detail },
  ]
}
