/**
 * The load of a scenario: v3 requests (coupon issues or orders) from distinct users, paced at a steady
 * rate (so a fault lands in the middle of the burst, not after it) with a bound on requests in flight.
 */

/** One answered (or failed) request. `status` 0 means no HTTP answer (connection refused, timeout). */
export interface Answer {
  readonly userId: string
  readonly status: number
  readonly code: string | undefined
  readonly requestId: string | undefined
  /** When the request was sent, in ms since the burst started. */
  readonly sentAtMs: number
  /** When its answer (or failure) came, in ms since the burst started. */
  readonly answeredAtMs: number
}

export interface BurstOptions {
  /** The v3 endpoint, e.g. `http://127.0.0.1:3001/api/coupons/issue?strategy=v3`. */
  readonly url: string
  readonly body: (userId: string) => unknown
  readonly users: readonly string[]
  /** Requests started per second. */
  readonly ratePerSecond: number
  /** Most requests in flight at once. */
  readonly concurrency: number
  /** Per-request timeout in ms. */
  readonly timeoutMs?: number
}

async function issue(
  options: BurstOptions,
  userId: string,
  started: number,
  sentAtMs: number,
): Promise<Answer> {
  try {
    const response = await fetch(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(options.body(userId)),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    })
    const body = (await response.json().catch(() => ({}))) as { code?: unknown; requestId?: unknown }
    return {
      userId,
      status: response.status,
      code: typeof body.code === 'string' ? body.code : undefined,
      requestId: typeof body.requestId === 'string' ? body.requestId : undefined,
      sentAtMs,
      answeredAtMs: Math.round(performance.now() - started),
    }
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error'
    const answeredAtMs = Math.round(performance.now() - started)
    return { userId, status: 0, code: name, requestId: undefined, sentAtMs, answeredAtMs }
  }
}

/** Sends one request per user at `ratePerSecond`; resolves with every answer once all are in. */
export async function burst(options: BurstOptions): Promise<Answer[]> {
  const started = performance.now()
  const answers: Promise<Answer>[] = []
  let inFlight = 0
  let freed: (() => void) | undefined
  for (const [index, userId] of options.users.entries()) {
    const due = (index * 1000) / options.ratePerSecond
    const wait = due - (performance.now() - started)
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    while (inFlight >= options.concurrency) await new Promise<void>((resolve) => (freed = resolve))
    inFlight += 1
    answers.push(
      issue(options, userId, started, Math.round(performance.now() - started)).finally(() => {
        inFlight -= 1
        freed?.()
      }),
    )
  }
  return Promise.all(answers)
}

/** Answers counted by `status` or `status:code`, e.g. `{ '202': 800, '409:SOLD_OUT': 200 }`. */
export function countAnswers(answers: readonly Answer[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const answer of answers) {
    const key =
      answer.code && answer.status !== 202 ? `${answer.status}:${answer.code}` : String(answer.status)
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}
