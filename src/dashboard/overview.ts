import type { LagMonitor } from '../platform/lag-metrics.ts'
import type { Registry } from '../platform/metrics.ts'
import type { WriteCounts, WriteMetrics } from '../shared/write-metrics.ts'

/**
 * Prometheus counter of requests shed under overload (503 `OVERLOADED`), when the process exports it.
 * The dashboard shows shed/s from it, and "—" while it does not exist.
 */
export const SHED_METRIC = 'http_requests_shed_total'

/** One promotion as the dashboard shows it; quantities are units (coupons or items). */
export interface PromotionSummary {
  readonly id: string
  readonly name: string
  /** Stock: `totalQuantity`. */
  readonly total: number
  /** Settled in PostgreSQL, as the API's `issuedQuantity` / `soldQuantity`. */
  readonly taken: number
  /** v3 requests accepted and not yet settled (coupons: users pending; time sales: queued requests). */
  readonly pending: number
  /** As the API's `remainingQuantity`. */
  readonly remaining: number
  readonly startAt: string
  readonly endAt: string
  /** Time sales: the v3 queue (tickets drawn, requests settled, requests waiting). */
  readonly queue?: { readonly tickets: number; readonly settled: number; readonly waiting: number }
}

/** What the overview of a flow is made of. */
export interface OverviewDeps {
  readonly flow: string
  readonly lag: LagMonitor
  readonly registry: Registry
  readonly requests: WriteMetrics
  /** The newest `limit` promotions of the flow. */
  readonly promotions: (limit: number) => Promise<PromotionSummary[]>
}

export interface Overview {
  readonly flow: string
  readonly at: string
  readonly promotions: PromotionSummary[]
  /** Answers of the write endpoint since this process started, per strategy and status class. */
  readonly requests: WriteCounts
  /** Requests shed since start, or null where the process does not export {@link SHED_METRIC}. */
  readonly shed: number | null
  /**
   * The consumer group's position: `committed` (end − lag) and `end` are offsets summed over partitions, so the
   * dashboard's settled/s is the change of `committed` and v3 accepted/s the change of `end`.
   */
  readonly lag: {
    readonly total: number
    readonly estimatedSeconds: number | null
    readonly committed: number
    readonly end: number
    readonly partitions: ReadonlyArray<{ partition: number; lag: number; member: string | null }>
  } | null
}

/** A snapshot for the dashboard: promotions, request counters, shed requests and lag (null if Kafka is down). */
export async function readOverview(deps: OverviewDeps, limit = 20): Promise<Overview> {
  const [promotions, requests, shed, lag] = await Promise.all([
    deps.promotions(limit),
    deps.requests.read(),
    readShed(deps.registry),
    deps.lag.read().catch(() => undefined),
  ])
  return {
    flow: deps.flow,
    at: new Date().toISOString(),
    promotions,
    requests,
    shed,
    lag: lag
      ? {
          total: Number(lag.lag.total),
          estimatedSeconds: lag.seconds,
          committed: lag.lag.partitions.reduce((sum, p) => sum + Number(p.end - p.lag), 0),
          end: lag.lag.partitions.reduce((sum, p) => sum + Number(p.end), 0),
          partitions: lag.lag.partitions.map((p) => ({
            partition: p.partition,
            lag: Number(p.lag),
            member: p.member,
          })),
        }
      : null,
  }
}

async function readShed(registry: Registry): Promise<number | null> {
  const metric = registry.getSingleMetric(SHED_METRIC)
  if (!metric) return null
  const { values } = await metric.get()
  return values.reduce((sum, value) => sum + value.value, 0)
}
