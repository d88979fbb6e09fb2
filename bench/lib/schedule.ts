/**
 * Arithmetic of the load schedules, kept pure so that it can be unit-tested.
 *
 * Open loop: request `g` (0, 1, 2, …) of a run at `rate` requests/s is due at `start + g * 1000 / rate`
 * whatever happened to earlier requests; its latency is measured from that intended time, so a stalled
 * server shows up as latency instead of as a generator that politely waited (coordinated omission).
 * With K workers, worker `w` owns the requests `g ≡ w (mod K)`; together they form one evenly spaced
 * stream.
 */

/** Epoch ms at which global request `g` is due. */
export function intendedTime(startMs: number, ratePerSecond: number, g: number): number {
  return startMs + (g * 1000) / ratePerSecond
}

/** Requests in an open-loop run of `durationMs` at `ratePerSecond` (the last one is due before the end). */
export function openLoopTotal(ratePerSecond: number, durationMs: number): number {
  return Math.max(0, Math.ceil((ratePerSecond * durationMs) / 1000))
}

/** How many of `total` requests worker `w` of `workers` owns (`g ≡ w mod workers`). */
export function workerShare(total: number, w: number, workers: number): number {
  if (w >= total) return 0
  return Math.floor((total - 1 - w) / workers) + 1
}

/** The global index of the worker's `j`-th request. */
export function globalIndex(j: number, w: number, workers: number): number {
  return w + j * workers
}

/**
 * Number of the worker's requests that are due at `nowMs` (its requests `j < result` are due), capped at
 * its share. Used by the send loop to fire everything that has fallen due since the last tick.
 */
export function dueUpTo(
  startMs: number,
  ratePerSecond: number,
  nowMs: number,
  w: number,
  workers: number,
  share: number,
): number {
  if (nowMs < startMs) return 0
  const globalDue = Math.floor(((nowMs - startMs) * ratePerSecond) / 1000) + 1
  return Math.min(share, workerShare(globalDue, w, workers))
}

/** Splits `total` (clients, requests) over `parts` as evenly as possible; larger parts first. */
export function splitEvenly(total: number, parts: number): number[] {
  const base = Math.floor(total / parts)
  const extra = total % parts
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0))
}

/**
 * The user of global request `g`. Users are 1, 2, 3, …; with `repeatEvery = n ≥ 2`, every n-th request
 * reuses the previous request's user, so duplicates race each other (they go out back to back on
 * different connections). `repeatEvery = 0` means every request has its own user.
 */
export function userIndex(g: number, repeatEvery: number): number {
  if (repeatEvery < 2) return g + 1
  return g - Math.floor((g + 1) / repeatEvery) + 1
}

/** Distinct users among the first `total` requests under {@link userIndex}. */
export function distinctUsers(total: number, repeatEvery: number): number {
  if (repeatEvery < 2) return total
  return total - Math.floor(total / repeatEvery)
}

/** The result of one open-loop step that decides how a sweep goes on. */
export interface SweepStep {
  readonly rate: number
  readonly passed: boolean
}

export interface SweepPlan {
  readonly startRate: number
  /** Multiplier between steps while every step passes, e.g. 1.5. */
  readonly factor: number
  /** Most steps in all, refinements included. */
  readonly maxSteps: number
  /** Refinement steps (bisection between the best pass and the first failure) once a step failed. */
  readonly refineSteps: number
  readonly maxRate: number
  /** Lowest rate worth a step: below it a step has too few requests for its p99 to mean anything. */
  readonly minRate: number
}

/**
 * The next offered rate of a sweep, or `undefined` when it is done: grows geometrically until a step
 * fails, then bisects between the highest passing and the lowest failing rate. Rates are rounded to
 * "nice" values so that reports compare across runs. While nothing has passed, it halves the rate.
 */
export function nextSweepRate(plan: SweepPlan, steps: readonly SweepStep[]): number | undefined {
  if (steps.length >= plan.maxSteps) return undefined
  if (steps.length === 0) return niceRate(Math.min(plan.startRate, plan.maxRate))
  const passed = steps.filter((s) => s.passed).map((s) => s.rate)
  const failed = steps.filter((s) => !s.passed).map((s) => s.rate)
  const best = passed.length > 0 ? Math.max(...passed) : 0
  if (failed.length === 0) {
    if (best >= plan.maxRate) return undefined
    return niceRate(Math.min(plan.maxRate, best * plan.factor))
  }
  const lowestFail = Math.min(...failed)
  if (best === 0) {
    // Nothing passed yet: halve until something does (within the step limit), whatever the refinements.
    const next = niceRate(lowestFail / 2)
    return next >= Math.max(1, plan.minRate) && next < lowestFail ? next : undefined
  }
  const refinements = steps.length - 1 - steps.findIndex((s) => !s.passed)
  if (refinements >= plan.refineSteps) return undefined
  const next = niceRate((best + lowestFail) / 2)
  return next > best && next < lowestFail ? next : undefined
}

/** Rounds to two significant digits (1234 → 1200, 87 → 87, 0.4 → 1). */
export function niceRate(rate: number): number {
  if (rate < 1) return 1
  const magnitude = 10 ** Math.max(0, Math.floor(Math.log10(rate)) - 1)
  return Math.round(rate / magnitude) * magnitude
}
