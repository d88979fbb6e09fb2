/**
 * The contract between the load generator (main thread) and its worker threads. A worker opens its
 * connections, posts `{ ready: true }`, waits for `{ startAt }` (epoch ms, the same for all workers; in an
 * open loop request 0 is due then), runs, and posts `{ result }`.
 */

/** N clients, each sending its next request as soon as it has the previous answer (the seed's style). */
export interface ClosedLoop {
  readonly kind: 'closed'
  /** Clients over all workers; each client has its own keep-alive connection. */
  readonly concurrency: number
  /** Stop after this many requests in all … */
  readonly total?: number
  /** … or once this long has passed (after the warm-up). */
  readonly durationMs?: number
  /** Requests sent during this first stretch are answered but left out of the latency figures. */
  readonly warmupMs: number
}

/** A fixed offered rate held for a duration, whatever the server does (no coordinated omission). */
export interface OpenLoop {
  readonly kind: 'open'
  readonly ratePerSecond: number
  readonly durationMs: number
  /** Keep-alive connections over all workers. */
  readonly connections: number
  /** Requests in flight per connection (HTTP/1.1 pipelining); 1 = none. */
  readonly pipelining: number
  /**
   * Requests in flight (per worker) above which the run counts as overloaded: the rest of the schedule is
   * recorded as not sent and the step fails, instead of queueing without bound.
   */
  readonly maxInFlight: number
}

export type LoadShape = ClosedLoop | OpenLoop

/** One HTTP request template: the body is `bodyPrefix + userId + bodySuffix`. */
export interface RequestTemplate {
  readonly origin: string
  readonly path: string
  readonly bodyPrefix: string
  readonly bodySuffix: string
  /** Every n-th request reuses the previous request's user (0 = all users distinct); see `userIndex`. */
  readonly repeatUserEvery: number
  /** Added to the user index, so that two runs on one promotion can use different users. */
  readonly userOffset: number
  /** The status of a success (201 for v1/v2, 202 for v3); successes are kept one by one. */
  readonly successStatus: number
}

export interface WorkerJob {
  readonly template: RequestTemplate
  readonly shape: LoadShape
  readonly worker: number
  readonly workers: number
  readonly timeoutMs: number
  /** Int32 counters per worker: [completed, failed (non-success + transport errors), in flight]. */
  readonly counters: SharedArrayBuffer
}

export const COUNTER_SLOTS = 3

/** Successful requests one by one, for the invariant checks (columnar to keep transfers cheap). */
export interface SuccessLog {
  readonly userIds: Float64Array
  readonly sentAt: Float64Array
  readonly answeredAt: Float64Array
  /** v3 `requestId`s, or the resource id (coupon, order) of a synchronous success. */
  readonly ids: string[]
}

export interface WorkerResult {
  readonly worker: number
  /** Compressed HDR histogram of measured latencies (open loop: from the intended send time). */
  readonly latency: string
  /** The same per answer kind (the keys of `statuses`). */
  readonly latencyByStatus: Record<string, string>
  /** Open loop: how late the generator itself sent, compared with the schedule. */
  readonly sendLag: string
  readonly sent: number
  readonly completed: number
  /** Requests counted in the latency figures (after the warm-up). */
  readonly measured: number
  /** Open loop: requests the schedule wanted but that were not sent because of overload. */
  readonly notSent: number
  /** `"<status>"` or `"<status> <code>"` → count, e.g. `"409 SOLD_OUT"`. */
  readonly statuses: Record<string, number>
  /** Transport errors by code, e.g. `ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`. */
  readonly errors: Record<string, number>
  readonly firstSentAt: number
  readonly lastAnsweredAt: number
  /** Epoch ms at which the measured window began (after the warm-up). */
  readonly measureFrom: number
  readonly measureTo: number
  /** Answers completed for requests sent inside the measured window. */
  readonly measuredCompleted: number
  /** Event-loop utilisation of the worker while it ran (1 = the generator thread was saturated). */
  readonly eventLoopUtilization: number
  readonly successes: SuccessLog
}
