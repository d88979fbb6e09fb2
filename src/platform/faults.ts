import type { Logger } from './logger.ts'

/**
 * Crash points for fault-injection tests: when a point named in `FAULT_INJECTION` is reached, the process
 * dies at once with SIGKILL — no cleanup, no commit — exactly like a machine losing power there.
 */
export class Faults {
  readonly #points: ReadonlySet<string>
  readonly #logger: Logger

  constructor(points: readonly string[], logger: Logger) {
    this.#points = new Set(points)
    this.#logger = logger
  }

  hit(point: string): void {
    if (this.#points.size === 0 || !this.#points.has(point)) return
    this.#logger.fatal({ point }, 'fault injection: killing the process')
    process.kill(process.pid, 'SIGKILL')
  }
}
