import {
  Admin,
  compatibilityPartitioner,
  type MessageToProduce,
  ProduceAcks,
  Producer,
  stringSerializers,
} from '@platformatic/kafka'
import type { KafkaConfig } from '../config.ts'
import { AppError } from '../errors.ts'
import { retry, withTimeout } from './async.ts'
import { kafkaFailure } from './client-errors.ts'
import type { Logger } from './logger.ts'

/** The four topics of one flow (SPEC §3); each flow names its own in its descriptor (src/flows.ts). */
export interface FlowTopics {
  readonly requests: string
  readonly success: string
  readonly failures: string
  readonly dlq: string
}

/** A flow's topics with the configured prefix (KAFKA_TOPIC_PREFIX) in front of each name. */
export function prefixTopics(topics: FlowTopics, prefix = ''): FlowTopics {
  return {
    requests: prefix + topics.requests,
    success: prefix + topics.success,
    failures: prefix + topics.failures,
    dlq: prefix + topics.dlq,
  }
}

/**
 * The one set of connection and retry settings of every Kafka client of the system, by what the client
 * is for. Budgets: a request is retried `retries` times `retryDelay` ms apart, each attempt bounded by
 * `timeout` ms.
 */
const KAFKA_CLIENT_PROFILES = {
  /** Producers and admin work that must get through: rides out a leader election (~1.5 s of retries). */
  standard: { connectTimeout: 5_000, timeout: 10_000, retries: 5, retryDelay: 250 },
  /** Group consumers: a fetch loop that gives up ends the stream, so it retries longer (~5 s). */
  consumer: { connectTimeout: 5_000, timeout: 10_000, retries: 10, retryDelay: 500 },
  /** Probes and monitoring (readiness, lag): answer quickly rather than wait out an outage. */
  probe: { connectTimeout: 3_000, timeout: 5_000, retries: 1, retryDelay: 250 },
} as const

export type KafkaClientProfile = keyof typeof KAFKA_CLIENT_PROFILES

/**
 * Options for a Kafka client (`Producer`, `Consumer`, `Admin`): client id `<KAFKA_CLIENT_ID>-<suffix>`,
 * the brokers, the profile's timeouts and retries, and no topic auto-creation.
 */
export function kafkaClientOptions(
  config: Pick<KafkaConfig, 'brokers' | 'clientId'>,
  suffix: string,
  profile: KafkaClientProfile = 'standard',
) {
  return {
    clientId: `${config.clientId}-${suffix}`,
    bootstrapBrokers: [...config.brokers],
    ...KAFKA_CLIENT_PROFILES[profile],
    // Topics are created explicitly at start with the configured partitions and replication.
    autocreateTopics: false,
  }
}

/**
 * Creates the topics that do not exist yet with the configured partition count and replication factor.
 * Existing topics are left as they are. With replication factor ≥ 3, `min.insync.replicas` is 2 so an
 * `acks=all` write survives the loss of one broker.
 */
export async function ensureTopics(
  config: KafkaConfig,
  topics: readonly string[],
  logger: Logger,
): Promise<string[]> {
  const admin = new Admin(kafkaClientOptions(config, 'admin'))
  try {
    const existing = new Set(await admin.listTopics())
    const missing = topics.filter((topic) => !existing.has(topic))
    if (missing.length === 0) return []
    const configs =
      config.replicationFactor >= 3
        ? [{ name: 'min.insync.replicas', value: String(config.replicationFactor - 1) }]
        : []
    try {
      await admin.createTopics({
        topics: missing,
        partitions: config.partitions,
        replicas: config.replicationFactor,
        configs,
      })
    } catch (error) {
      // Another process may be creating them at the same moment (two services starting together); its
      // topics take a moment to show in the metadata. Only a topic still missing after that is a failure.
      await retry(
        async () => {
          const now = new Set(await admin.listTopics())
          if (!missing.every((topic) => now.has(topic))) throw error
        },
        { attempts: 21, baseMs: 250, factor: 1 },
      )
      return []
    }
    logger.info(
      { topics: missing, partitions: config.partitions, replicas: config.replicationFactor },
      'created topics',
    )
    return missing
  } finally {
    await admin.close()
  }
}

export type OutgoingMessage = MessageToProduce<string, string, string, string>

export function createProducer(
  config: KafkaConfig,
  suffix: string,
): Producer<string, string, string, string> {
  return new Producer({
    ...kafkaClientOptions(config, suffix),
    serializers: stringSerializers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    // Java-client-compatible partitioning: a key lands on the same partition whichever client wrote it.
    partitioner: compatibilityPartitioner,
  })
}

interface Pending {
  readonly message: OutgoingMessage
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

/**
 * An idempotent, `acks=all` producer that coalesces concurrent single-message sends: while one produce
 * request is in flight, new messages queue and leave together in the next request. Under a burst this turns
 * thousands of tiny requests into a few large ones; with no load a message leaves at once. One request at a
 * time keeps the arrival order of messages within each partition.
 */
type StringProducer = Producer<string, string, string, string>

export interface BatchingProducerOptions {
  /** Most messages in one produce request. */
  readonly maxBatch?: number
  /** A request not acknowledged within this many ms fails (and, with a factory, the client is replaced). */
  readonly timeoutMs?: number
}

export class BatchingProducer {
  readonly #factory: (() => StringProducer) | undefined
  readonly #maxBatch: number
  readonly #timeoutMs: number
  #producer: StringProducer
  #queue: Pending[] = []
  #inFlight: Promise<void> | undefined
  #inFlightCount = 0

  /**
   * Give a factory rather than a client to let the producer replace a client that stopped answering (seen
   * when a broker dies mid-request): the request fails after `timeoutMs` and a fresh client takes over.
   */
  constructor(producer: StringProducer | (() => StringProducer), options: BatchingProducerOptions = {}) {
    this.#factory = typeof producer === 'function' ? producer : undefined
    this.#producer = typeof producer === 'function' ? producer() : producer
    this.#maxBatch = options.maxBatch ?? 2_000
    this.#timeoutMs = options.timeoutMs ?? 30_000
  }

  /** Resolves once the broker acknowledged the message on all in-sync replicas. */
  send(message: OutgoingMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ message, resolve, reject })
      if (!this.#inFlight) this.#flush()
    })
  }

  /** Sends a list as one request (still behind any request in flight). */
  async sendAll(messages: readonly OutgoingMessage[]): Promise<void> {
    await Promise.all(messages.map((message) => this.send(message)))
  }

  /** Messages waiting for the request in flight. */
  get queued(): number {
    return this.#queue.length
  }

  /** Messages handed to {@link send} that the broker has not acknowledged yet (queued + in flight). */
  get unacknowledged(): number {
    return this.#queue.length + this.#inFlightCount
  }

  #flush(): void {
    const batch = this.#queue.splice(0, this.#maxBatch)
    this.#inFlightCount = batch.length
    if (batch.length === 0) {
      this.#inFlight = undefined
      return
    }
    this.#inFlight = this.#sendWithTimeout(batch.map((pending) => pending.message)).then(
      () => {
        for (const pending of batch) pending.resolve()
        this.#flush()
      },
      (error: unknown) => {
        for (const pending of batch) pending.reject(error)
        this.#flush()
      },
    )
  }

  async #sendWithTimeout(messages: OutgoingMessage[]): Promise<void> {
    const producer = this.#producer
    let timedOut = false
    try {
      await withTimeout(producer.send({ messages }), this.#timeoutMs, () => {
        timedOut = true
        return new AppError('DEPENDENCY_UNAVAILABLE', {
          cause: new Error(`Kafka did not acknowledge within ${this.#timeoutMs} ms`),
        })
      })
    } catch (error) {
      // A client that stopped answering is replaced; one that answered with an error is kept.
      if (timedOut && this.#factory && producer === this.#producer) {
        this.#producer = this.#factory()
        void producer.close().catch(() => {})
      }
      throw kafkaFailure(error)
    }
  }

  /** Waits for queued messages, then closes the connection. */
  async close(): Promise<void> {
    while (this.#inFlight) await this.#inFlight.catch(() => {})
    await this.#producer.close()
  }

  get producer(): StringProducer {
    return this.#producer
  }
}

/** Checks the brokers answer a metadata request. */
export async function pingKafka(config: KafkaConfig): Promise<void> {
  const admin = new Admin(kafkaClientOptions(config, 'ping', 'probe'))
  try {
    await admin.listTopics()
  } finally {
    await admin.close()
  }
}

/** Header values as strings (UTF-8), which is how every message of this system writes them. */
export function headersToObject(headers: Map<Buffer, Buffer> | Map<string, string>): Record<string, string> {
  const result: Record<string, string> = {}
  for (const [key, value] of headers) result[key.toString()] = value.toString()
  return result
}
