import type { FastifyReply, FastifyRequest } from '../platform/http.ts'
import { Counter, metricOnce, type Registry } from '../platform/metrics.ts'
import { STRATEGIES, type Strategy } from './strategy.ts'

const NAME = 'http_write_requests_total'
const CLASSES = ['2xx', '4xx', '5xx'] as const
type StatusClass = (typeof CLASSES)[number]

/** Answers of one flow's write endpoint so far, per strategy and status class (counts since start). */
export type WriteCounts = Record<Strategy, Record<StatusClass, number>>

/**
 * Counts the answers of a flow's write endpoint (issue / order) per strategy and status class, for the
 * dashboard's accepted/s and 4xx/5xx per strategy and for Prometheus (`http_write_requests_total{flow,
 * strategy, class}`). One counter per registry, shared by the flows of a process.
 */
export class WriteMetrics {
  readonly #flow: string
  readonly #counter: Counter<'flow' | 'strategy' | 'class'>

  constructor(registry: Registry, flow: string) {
    this.#flow = flow
    this.#counter = metricOnce(
      registry,
      NAME,
      () =>
        new Counter({
          name: NAME,
          help: 'Answers of the issue/order endpoints by flow, strategy (v1|v2|v3) and status class (2xx|4xx|5xx)',
          labelNames: ['flow', 'strategy', 'class'],
          registers: [registry],
        }) as Counter<'flow' | 'strategy' | 'class'>,
    )
    for (const strategy of STRATEGIES) {
      for (const statusClass of CLASSES) this.#counter.inc({ flow, strategy, class: statusClass }, 0)
    }
  }

  /** Route `onResponse` hook; a request refused before its query was validated counts under the default v3. */
  readonly onResponse = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const given = (request.query as { strategy?: unknown } | undefined)?.strategy ?? 'v3'
    const strategy = STRATEGIES.find((name) => name === given)
    const statusClass = CLASSES.find((name) => name[0] === String(reply.statusCode)[0])
    if (strategy && statusClass) this.#counter.inc({ flow: this.#flow, strategy, class: statusClass })
  }

  /** Totals since the process started; the dashboard turns successive readings into rates. */
  async read(): Promise<WriteCounts> {
    const counts = Object.fromEntries(
      STRATEGIES.map((strategy) => [strategy, { '2xx': 0, '4xx': 0, '5xx': 0 }]),
    ) as WriteCounts
    for (const { labels, value } of (await this.#counter.get()).values) {
      const strategy = STRATEGIES.find((name) => name === labels.strategy)
      const statusClass = CLASSES.find((name) => name === labels.class)
      if (labels.flow === this.#flow && strategy && statusClass) counts[strategy][statusClass] = value
    }
    return counts
  }
}
