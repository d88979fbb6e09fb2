/** What the scenarios need from a service under test: its API, and how to see its data for the checks. */
import type { RequestTemplate, SuccessLog } from '../load/types.ts'

export type ServiceName = 'coupon' | 'timesale'
export type Strategy = 'v1' | 'v2' | 'v3'
export const SERVICES: readonly ServiceName[] = ['coupon', 'timesale']
export const STRATEGIES: readonly Strategy[] = ['v1', 'v2', 'v3']

/** One invariant check: `ok: null` means "does not apply to this run" (with the reason in `detail`). */
export interface Check {
  readonly name: string
  readonly ok: boolean | null
  readonly detail: string
}

/** v3 requests of a promotion that reached a terminal state, and how many of those were announced. */
export interface SettleProgress {
  readonly terminal: number
  readonly published: number
}

/** What the client saw during a run; the checks compare it with PostgreSQL and Redis. */
export interface RunFacts {
  readonly strategy: Strategy
  readonly stock: number
  /** Distinct users that sent at least one request. */
  readonly distinctUsers: number
  readonly sent: number
  /** Transport errors and 5xx answers. */
  readonly failures: number
  readonly successes: SuccessLog
}

export interface ServiceTarget {
  readonly service: ServiceName
  readonly origin: string
  /** Whether the service implements its API (a service under construction answers 404); why not. */
  availability(): Promise<{ ok: true } | { ok: false; reason: string }>
  /** Creates a promotion with `stock` units, open from now for `openForMs`; returns its id. */
  createPromotion(stock: number, label: string, openForMs: number): Promise<string>
  /** The write request of `strategy` on a promotion, without the per-run user settings. */
  template(strategy: Strategy, promotionId: string): Omit<RequestTemplate, 'repeatUserEvery' | 'userOffset'>
  /**
   * v3: requests accepted but not yet persisted, according to Redis — O(1) to ask, so it can be polled
   * often without loading PostgreSQL (whose count would scan the promotion's rows every time).
   */
  backlog(promotionId: string): Promise<number>
  /** v3: how far the consumer got with the promotion's requests (the authoritative, costlier answer). */
  settleProgress(promotionId: string): Promise<SettleProgress>
  /**
   * v3: epoch ms at which each outcome was published, and when the first outcome was decided (the
   * consumer's first batch, before it was published).
   */
  settleTimes(promotionId: string): Promise<{ published: Float64Array; firstSettledAt: number }>
  /** SPEC §4 checks for the run, once it has settled. */
  check(promotionId: string, facts: RunFacts): Promise<Check[]>
  /**
   * Redis housekeeping after a checked run. PostgreSQL keeps the record (Redis is rebuildable from it,
   * SPEC §4.6); without this every run would leave tens of thousands of keys behind and make Redis's
   * snapshots slower and slower for the runs after it. The request index can go at once; a promotion's
   * own state only once its window has closed (before that the service would rebuild it).
   */
  dropRequestIndex(requestIds: readonly string[]): Promise<void>
  dropPromotionState(promotionId: string): Promise<void>
  close(): Promise<void>
}
