/**
 * The two waiting helpers of the code base: a deadline on a promise, and retries with exponential backoff.
 */
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Settles as `promise` does, or rejects with `onTimeout()` if it has not settled after `ms` milliseconds.
 * The promise itself is not cancelled (callers that can abort it pass an `AbortSignal` instead).
 */
export async function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => Error = () => new Error(`no answer within ${ms} ms`),
): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

export interface RetryOptions {
  /** Attempts in all, the first included; `Infinity` retries until `shouldRetry` says no. */
  readonly attempts: number
  /** Wait before the second attempt, in ms; each further wait is `factor` times the one before. */
  readonly baseMs: number
  /** Growth of the wait per attempt (2 = doubling, 1 = a fixed interval). Default 2. */
  readonly factor?: number
  /** Longest wait, in ms. Default: no bound. */
  readonly maxMs?: number
  /** Whether the failure of attempt `attempt` (1-based) is worth another try. Default: always. */
  readonly shouldRetry?: (error: unknown, attempt: number) => boolean
  /** Called before waiting `delayMs` after the failed attempt `attempt`, e.g. to log or count it. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void
}

/** The wait after failed attempt `attempt` (1-based): `baseMs · factor^(attempt-1)`, at most `maxMs`. */
export function backoffDelay(
  attempt: number,
  options: Pick<RetryOptions, 'baseMs' | 'factor' | 'maxMs'>,
): number {
  const delay = options.baseMs * (options.factor ?? 2) ** (attempt - 1)
  return Math.min(delay, options.maxMs ?? Number.POSITIVE_INFINITY)
}

/**
 * Runs `fn` until it resolves, waiting with exponential backoff between attempts. Rethrows the last error
 * when the attempts are used up or `shouldRetry` declines.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (error) {
      if (attempt >= options.attempts || !(options.shouldRetry?.(error, attempt) ?? true)) throw error
      const delay = backoffDelay(attempt, options)
      options.onRetry?.(error, attempt, delay)
      await sleep(delay)
    }
  }
}
