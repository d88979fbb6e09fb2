import { Gauge, metricOnce, type Registry } from '../platform/metrics.ts'

/** Open streams of one process against `SSE_MAX_CONNECTIONS`, shared by its HTTP servers. */
export class StreamBudget {
  readonly #max: number
  readonly #gauge: Gauge
  #open = 0

  constructor(max: number, registry: Registry) {
    this.#max = max
    this.#gauge = metricOnce(
      registry,
      'http_sse_streams_open',
      () =>
        new Gauge({
          name: 'http_sse_streams_open',
          help: 'Open result streams (SSE)',
          registers: [registry],
        }),
    )
  }

  get open(): number {
    return this.#open
  }

  /** Whether every slot is taken (the next {@link acquire} would fail). */
  get full(): boolean {
    return this.#open >= this.#max
  }

  /** Takes a slot, or returns undefined past the bound; the returned function gives it back (once). */
  acquire(): (() => void) | undefined {
    if (this.#open >= this.#max) return undefined
    this.#open++
    this.#gauge.inc()
    let released = false
    return () => {
      if (released) return
      released = true
      this.#open--
      this.#gauge.dec()
    }
  }
}
