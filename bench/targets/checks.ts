/**
 * The SPEC §4 invariants as pure functions of what the client saw and what PostgreSQL and Redis hold
 * once a run has settled. Each returns a {@link Check}; `ok: null` means the check does not apply.
 */
import { type AcceptedRequest, fifoViolations, missingFrom } from '../lib/stats.ts'
import type { Check } from './types.ts'

const fmt = (n: number) => n.toLocaleString('en-US')

/** §4.1 No oversell: units handed out ≤ stock, and the promotion's own counter says the same. */
export function oversellCheck(taken: number, stock: number, counter: number): Check {
  const ok = taken <= stock && counter === taken
  return {
    name: 'no oversell',
    ok,
    detail: `${fmt(taken)} taken of ${fmt(stock)}${counter === taken ? '' : `; counter column says ${fmt(counter)}`}`,
  }
}

/**
 * §4.2 One per user (or within `maxPerUser`): users above the limit in PostgreSQL, and users the client was
 * told "success" more often than allowed.
 */
export function perUserCheck(overLimitInDb: number, clientUserIds: ArrayLike<number>, limit = 1): Check {
  const counts = new Map<number, number>()
  for (let i = 0; i < clientUserIds.length; i++) {
    const u = clientUserIds[i] as number
    counts.set(u, (counts.get(u) ?? 0) + 1)
  }
  let clientOver = 0
  for (const n of counts.values()) if (n > limit) clientOver++
  return {
    name: limit === 1 ? 'no duplicates per user' : `per-user limit ${limit}`,
    ok: overLimitInDb === 0 && clientOver === 0,
    detail: `${overLimitInDb} users over the limit in PostgreSQL, ${clientOver} told success too often`,
  }
}

/** §4.3 No undersell: when more distinct users asked than there was stock, all stock went. */
export function undersellCheck(taken: number, stock: number, distinctUsers: number): Check {
  if (distinctUsers <= stock) {
    return { name: 'no undersell', ok: null, detail: `demand ${fmt(distinctUsers)} ≤ stock ${fmt(stock)}` }
  }
  return {
    name: 'no undersell',
    ok: taken === stock,
    detail: `${fmt(taken)} of ${fmt(stock)} taken by ${fmt(distinctUsers)} users asking`,
  }
}

/**
 * §4.4 for v1/v2: every success the client was told about is a row, and every row is a success someone was
 * told about (a row without an answer is only acceptable when answers were lost in transport).
 */
export function syncLostCheck(
  toldSuccess: readonly string[],
  rows: ReadonlySet<string>,
  failures: number,
): Check {
  const told = new Set(toldSuccess)
  const missing = missingFrom(told, rows)
  const untold = missingFrom(rows, told)
  const ok = missing.count === 0 && (untold.count === 0 || failures > 0)
  return {
    name: 'nothing lost',
    ok,
    detail:
      `${fmt(told.size)} successes answered, ${fmt(rows.size)} rows; ${missing.count} answered without a row` +
      `${missing.examples.length ? ` (e.g. ${missing.examples.join(', ')})` : ''}, ${untold.count} rows without an answer`,
  }
}

/** One v3 outcome row as the checks need it. */
export interface OutcomeRow {
  readonly won: boolean
  /** Refused for lack of stock (as opposed to a duplicate, a limit, …). */
  readonly soldOut: boolean
  readonly published: boolean
}

/** §4.4 for v3: every accepted request has a terminal row and its outcome was published. */
export function asyncLostCheck(accepted: readonly string[], rows: ReadonlyMap<string, OutcomeRow>): Check {
  const missing = missingFrom(accepted, new Set(rows.keys()))
  let unpublished = 0
  for (const id of accepted) if (rows.get(id)?.published === false) unpublished++
  const unknown = rows.size - (accepted.length - missing.count)
  return {
    name: 'nothing lost',
    ok: missing.count === 0 && unpublished === 0,
    detail:
      `${fmt(accepted.length)} accepted, ${fmt(accepted.length - missing.count)} with a terminal row, ` +
      `${unpublished} not published${missing.examples.length ? `; missing e.g. ${missing.examples.join(', ')}` : ''}` +
      `${unknown > 0 ? `; ${unknown} rows for requests the client saw no 202 for` : ''}`,
  }
}

/**
 * The users told "you got it": every success of v1/v2; for v3 only the accepted requests the consumer
 * decided in their favour (a 202 is "queued", not "won").
 */
export function winners(
  strategy: string,
  successes: { readonly userIds: ArrayLike<number>; readonly ids: readonly string[] },
  rows: ReadonlyMap<string, OutcomeRow>,
): number[] {
  const out: number[] = []
  for (let i = 0; i < successes.userIds.length; i++) {
    if (strategy !== 'v3' || rows.get(successes.ids[i] as string)?.won)
      out.push(successes.userIds[i] as number)
  }
  return out
}

/** §4.5 First come, first served, as far as the client can observe order (see `fifoViolations`). */
export function fifoCheck(
  ids: readonly string[],
  sentAt: ArrayLike<number>,
  answeredAt: ArrayLike<number>,
  rows: ReadonlyMap<string, OutcomeRow>,
): Check {
  const requests: AcceptedRequest[] = []
  let lost = 0
  for (let i = 0; i < ids.length; i++) {
    const row = rows.get(ids[i] as string)
    const outcome = row?.won ? 'WON' : row?.soldOut ? 'LOST' : 'OTHER'
    if (outcome === 'LOST') lost++
    requests.push({ sentAt: sentAt[i] as number, answeredAt: answeredAt[i] as number, outcome })
  }
  if (lost === 0) return { name: 'FIFO', ok: null, detail: 'no accepted request lost for lack of stock' }
  const violations = fifoViolations(requests)
  return {
    name: 'FIFO',
    ok: violations === 0,
    detail: `${violations} winners sent after a loser had been accepted (${fmt(lost)} accepted losers)`,
  }
}

/** §4.6 Redis and PostgreSQL agree once settled: same count taken, no pending or reservation leftovers. */
export function agreementCheck(
  redisTaken: number,
  dbTaken: number,
  leftovers: Record<string, number>,
): Check {
  const left = Object.entries(leftovers).filter(([, n]) => n !== 0)
  return {
    name: 'Redis = PostgreSQL',
    ok: redisTaken === dbTaken && left.length === 0,
    detail:
      `Redis ${fmt(redisTaken)}, PostgreSQL ${fmt(dbTaken)}` +
      (left.length ? `; leftovers ${left.map(([k, n]) => `${k}=${n}`).join(', ')}` : ''),
  }
}
