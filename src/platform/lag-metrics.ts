import type { KafkaConfig } from '../config.ts'
import type { ConsumerStats } from './kafka-consumer.ts'
import { estimateDrainSeconds, type GroupLag, readGroupLag } from './lag.ts'
import { Gauge, type Registry } from './metrics.ts'

/** A lag reading shared by scrapes and the admin endpoint: refreshed at most every `maxAgeMs`. */
export class LagMonitor {
  readonly #kafka: KafkaConfig
  readonly #groupId: string
  readonly #topics: readonly string[]
  readonly #maxAgeMs: number
  #previous: { lag: GroupLag; at: number } | undefined
  #current: { lag: GroupLag; at: number; seconds: number | null } | undefined
  #reading: Promise<void> | undefined

  constructor(kafka: KafkaConfig, groupId: string, topics: readonly string[], maxAgeMs = 2_000) {
    this.#kafka = kafka
    this.#groupId = groupId
    this.#topics = topics
    this.#maxAgeMs = maxAgeMs
  }

  /** The latest reading with its estimated drain time in seconds (null: no progress between readings). */
  async read(): Promise<{ lag: GroupLag; seconds: number | null }> {
    if (!this.#current || Date.now() - this.#current.at > this.#maxAgeMs) {
      this.#reading ??= this.#refresh().finally(() => {
        this.#reading = undefined
      })
      await this.#reading
    }
    const current = this.#current
    if (!current) throw new Error('no lag reading')
    return { lag: current.lag, seconds: current.seconds }
  }

  async #refresh(): Promise<void> {
    const lag = await readGroupLag(this.#kafka, this.#groupId, this.#topics)
    const at = Date.now()
    const base = this.#previous
    const seconds = base ? estimateDrainSeconds(base.lag, lag, at - base.at) : lag.total === 0n ? 0 : null
    // Keep a base at least a few seconds old so the rate is not computed over a tiny window.
    if (!base || at - base.at > 5_000) this.#previous = { lag, at }
    this.#current = { lag, at, seconds }
  }
}

/** One consumer whose gauges a registry reports. */
interface ConsumerSource {
  readonly monitor: LagMonitor
  readonly groupId: string
  readonly stats: () => ConsumerStats | undefined
}

/** The consumers of each registry: one process may run several (`node src/main.ts all`). */
const sourcesOf = new WeakMap<Registry, ConsumerSource[]>()

/**
 * Prometheus gauges for a consumer: lag per partition and in estimated seconds (read from the brokers on
 * scrape, at most every 2 s), and a stall signal from the consumer's own progress. The gauges are created
 * once per registry, labelled by group; each further consumer of the process (one per flow) adds its
 * series to them.
 */
export function registerConsumerMetrics(
  registry: Registry,
  monitor: LagMonitor,
  groupId: string,
  stats: () => ConsumerStats | undefined,
): void {
  const known = sourcesOf.get(registry)
  if (known) {
    known.push({ monitor, groupId, stats })
    return
  }
  const sources: ConsumerSource[] = [{ monitor, groupId, stats }]
  sourcesOf.set(registry, sources)
  new Gauge({
    name: 'kafka_consumer_group_lag',
    help: 'Messages not yet committed by the consumer group, per partition',
    labelNames: ['group', 'topic', 'partition'],
    registers: [registry],
    async collect() {
      this.reset()
      await Promise.all(
        sources.map(async (source) => {
          try {
            const { lag } = await source.monitor.read()
            for (const p of lag.partitions) {
              const labels = { group: source.groupId, topic: p.topic, partition: String(p.partition) }
              this.set(labels, Number(p.lag))
            }
          } catch {
            // Brokers unreachable: the group's series disappear, which alerting on absence catches.
          }
        }),
      )
    },
  })
  new Gauge({
    name: 'kafka_consumer_group_lag_seconds',
    help: 'Estimated seconds for the group to drain its current lag at its recent rate (-1: no progress)',
    labelNames: ['group'],
    registers: [registry],
    async collect() {
      this.reset()
      await Promise.all(
        sources.map(async (source) => {
          try {
            const { seconds } = await source.monitor.read()
            this.set({ group: source.groupId }, seconds ?? -1)
          } catch {
            // As above: no series while the brokers are unreachable.
          }
        }),
      )
    },
  })
  new Gauge({
    name: 'consumer_last_batch_age_seconds',
    help: 'Seconds since this process last finished a batch (grows while the consumer is idle or stalled)',
    labelNames: ['group'],
    registers: [registry],
    collect() {
      for (const source of sources) {
        const last = source.stats()?.lastBatchAt
        if (last !== undefined) this.set({ group: source.groupId }, (Date.now() - last) / 1000)
      }
    },
  })
  new Gauge({
    name: 'consumer_buffered_messages',
    help: 'Messages fetched and waiting for the batch handler in this process',
    labelNames: ['group'],
    registers: [registry],
    collect() {
      for (const source of sources) this.set({ group: source.groupId }, source.stats()?.buffered ?? 0)
    },
  })
}
