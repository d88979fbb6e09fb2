/**
 * Redis housekeeping between runs (see `ServiceTarget.dropPromotionState`): remembers each checked
 * promotion with the time its window closes, and drops its Redis state once that time has passed.
 */
import type { ServiceTarget } from './targets/types.ts'

export class Janitor {
  #pending: Array<{ target: ServiceTarget; id: string; closesAt: number }> = []

  defer(target: ServiceTarget, id: string, closesAt: number): void {
    this.#pending.push({ target, id, closesAt })
  }

  /** Drops the state of every promotion closed by `now`; with `all`, of every promotion (at the end). */
  async sweep(all = false, now = Date.now()): Promise<void> {
    const due = this.#pending.filter((p) => all || p.closesAt <= now)
    this.#pending = this.#pending.filter((p) => !due.includes(p))
    for (const p of due) await p.target.dropPromotionState(p.id)
  }
}
