import { Consumer, type Message, type MessagesStream } from '@platformatic/kafka'
import type { KafkaConfig } from '../config.ts'
import { retry, withTimeout } from './async.ts'
import { kafkaClientOptions } from './kafka.ts'
import type { Logger } from './logger.ts'

const COMMIT_TIMEOUT_MS = 15_000

/** A record as the consumer hands it to a batch handler; key, value and headers are raw bytes. */
export type RawMessage = Message<Buffer, Buffer, Buffer, Buffer>

export interface BatchConsumerOptions {
  readonly kafka: KafkaConfig
  readonly groupId: string
  readonly topics: readonly string[]
  /** Most messages handed to one `handle` call. */
  readonly batchSize: number
  /** How long the group waits for a silent member, in ms. */
  readonly sessionTimeoutMs?: number
  /**
   * Called with messages in partition order; offsets are committed only after it resolves, and, when it
   * resolves with a {@link BatchFinish}, only after that finished too.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler with nothing left to finish returns nothing
  readonly handle: (batch: readonly RawMessage[]) => Promise<void | BatchFinish>
  readonly logger: Logger
  /** Distinguishes several instances in one group in logs and client ids. */
  readonly instanceId?: string
  /**
   * Pause after a batch when more messages wait, in ms (0 = none): while a backlog drains, Redis,
   * PostgreSQL and the CPU serve the accept path between batches.
   */
  readonly pauseMs?: number
}

/**
 * The last part of a batch's work (e.g. publishing its results), which may run while the next batch is
 * handled. It is called once the previous batch's finish succeeded, so finishes run in batch order; the
 * batch's offsets are committed after it resolved. If it rejects, neither this batch nor the one handled
 * meanwhile is committed: the consumer rejoins and both are delivered again.
 */
export type BatchFinish = () => Promise<void>

export interface ConsumerStats {
  readonly messages: number
  readonly batches: number
  readonly lastBatchAt: number | undefined
  readonly buffered: number
}

/**
 * A consumer-group member that processes its partitions in batches: it buffers what the fetch loop
 * delivers, hands at most `batchSize` messages at a time to `handle`, and commits the last offset of each
 * partition only after `handle` resolved. A crash before the commit redelivers the batch, so handlers must
 * be idempotent. The fetch stream is paused while the buffer is full, bounding memory and batch work.
 */
export class BatchConsumer {
  readonly #options: BatchConsumerOptions
  #consumer: Consumer<Buffer, Buffer, Buffer, Buffer>
  #stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined
  #buffer: RawMessage[] = []
  /** Counts rejoins: a batch taken before one belongs to a delivery that was abandoned. */
  #generation = 0
  #wake: (() => void) | undefined
  #running = false
  #loop: Promise<void> | undefined
  #restarting: Promise<void> | undefined
  #messages = 0
  #batches = 0
  #lastBatchAt: number | undefined

  constructor(options: BatchConsumerOptions) {
    this.#options = options
    this.#consumer = this.#createClient()
  }

  #createClient(): Consumer<Buffer, Buffer, Buffer, Buffer> {
    const options = this.#options
    const suffix = options.instanceId ? `consumer-${options.instanceId}` : 'consumer'
    const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
      ...kafkaClientOptions(options.kafka, suffix, 'consumer'),
      groupId: options.groupId,
      autocommit: false,
      // Short broker-side waits keep the end-to-end latency low when traffic is light.
      maxWaitTime: 50,
      minBytes: 1,
      maxBytes: 8 * 1024 * 1024,
      sessionTimeout: options.sessionTimeoutMs ?? 10_000,
      rebalanceTimeout: 30_000,
      heartbeatInterval: Math.min(1_000, Math.floor((options.sessionTimeoutMs ?? 10_000) / 4)),
      highWaterMark: options.batchSize * 2,
    })
    const { logger } = options
    consumer.on('consumer:group:join', (event: unknown) => logger.info({ event }, 'joined consumer group'))
    consumer.on('consumer:group:rebalance', (event: unknown) =>
      logger.info({ event }, 'consumer group rebalance'),
    )
    return consumer
  }

  async start(): Promise<void> {
    await this.#open()
    this.#running = true
    this.#loop = this.#run()
    this.#options.logger.info(
      { groupId: this.#options.groupId, topics: this.#options.topics },
      'consumer started',
    )
  }

  async #open(): Promise<void> {
    const stream = await this.#consumer.consume({
      topics: [...this.#options.topics],
      // A group with no committed offset starts from the beginning: nothing accepted before the first
      // consumer joined may be skipped.
      mode: 'committed',
      fallbackMode: 'earliest',
    })
    this.#stream = stream
    stream.on('data', (message: RawMessage) => {
      // A stream being replaced (see #restart) may still deliver; its messages will come again.
      if (this.#stream !== stream) return
      this.#buffer.push(message)
      if (this.#buffer.length >= this.#options.batchSize * 2) stream.pause()
      this.#wake?.()
    })
    stream.on('error', (error: unknown) => {
      this.#options.logger.error({ err: error }, 'consumer stream failed; reconnecting')
      this.#restart()
    })
    stream.on('close', () => {
      if (this.#running && this.#stream === stream) this.#restart()
    })
  }

  /**
   * The client gives up fetching after its own retries (a broker down longer than they last, a leader
   * election): the stream ends, and without this the process would stay up consuming nothing. A fresh
   * client rejoins the group and resumes from the committed offsets; what was buffered is redelivered.
   */
  #restart(): void {
    if (this.#restarting || !this.#running) return
    const { logger } = this.#options
    this.#restarting = (async () => {
      await retry(
        async () => {
          if (!this.#running) return
          const old = this.#consumer
          this.#stream = undefined
          this.#buffer = []
          this.#generation += 1
          await old.close(true).catch(() => {})
          this.#consumer = this.#createClient()
          await this.#open()
          logger.info('consumer stream restarted')
        },
        {
          attempts: Number.POSITIVE_INFINITY,
          baseMs: 1_000,
          maxMs: 15_000,
          shouldRetry: () => this.#running,
          onRetry: (error, _attempt, retryInMs) =>
            logger.warn({ err: error, retryInMs }, 'consumer restart failed'),
        },
      ).catch(() => {
        // Only when the consumer was closed meanwhile: nothing left to restart.
      })
    })().finally(() => {
      this.#restarting = undefined
    })
  }

  get stats(): ConsumerStats {
    return {
      messages: this.#messages,
      batches: this.#batches,
      lastBatchAt: this.#lastBatchAt,
      buffered: this.#buffer.length,
    }
  }

  async #run(): Promise<void> {
    const { batchSize, handle, logger } = this.#options
    // The previous batch's finish and commit, running while this batch is handled.
    let finishing: { readonly done: Promise<void>; readonly generation: number } | undefined
    while (this.#running) {
      if (this.#buffer.length === 0) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve
        })
        this.#wake = undefined
        continue
      }
      const batch = this.#buffer.splice(0, batchSize)
      const generation = this.#generation
      if (this.#stream?.isPaused() && this.#buffer.length < batchSize) this.#stream.resume()
      let finish: BatchFinish | undefined
      try {
        const result = await handle(batch)
        finish = typeof result === 'function' ? result : undefined
      } catch (error) {
        // The handler owns retries and dead-lettering; reaching here means it could not even do that
        // (for instance Kafka itself is unreachable). Put the batch back and try again shortly, so
        // nothing is skipped and nothing is committed.
        logger.error({ err: error, size: batch.length }, 'batch handler failed; retrying the batch')
        this.#buffer.unshift(...batch)
        await new Promise((resolve) => setTimeout(resolve, 1_000))
        continue
      }
      const previous = finishing
      finishing = undefined
      const previousFailed = previous
        ? !(await previous.done.then(
            () => true,
            () => false,
          ))
        : false
      if (generation !== this.#generation || (previousFailed && previous?.generation === generation)) {
        // This batch was taken before a rejoin (the previous batch was not finished, or the stream was
        // replaced): it must not be committed. The rejoin delivers it again from the last committed
        // offsets (the handler is idempotent).
        await this.#restarting
        continue
      }
      const done = this.#finish(batch, finish)
      // Looked at when the next batch was handled; a failure is logged and acted on by #finish itself.
      done.catch(() => {})
      finishing = { done, generation }
      const pauseMs = this.#options.pauseMs ?? 0
      if (pauseMs > 0 && this.#buffer.length > 0 && this.#running) {
        await new Promise((resolve) => setTimeout(resolve, pauseMs))
      }
    }
    await finishing?.done.catch(() => {})
  }

  /** Runs a batch's finish, then commits the batch; rejects (after logging) when the finish failed. */
  async #finish(batch: readonly RawMessage[], finish: BatchFinish | undefined): Promise<void> {
    try {
      if (finish) await finish()
    } catch (error) {
      this.#options.logger.error(
        { err: error, size: batch.length },
        'batch could not be finished; it will be delivered again',
      )
      // Rejoin now rather than at the next batch: in a quiet moment there may be none.
      this.#restart()
      throw error
    }
    await this.#commit(batch)
    this.#messages += batch.length
    this.#batches += 1
    this.#lastBatchAt = Date.now()
  }

  async #commit(batch: readonly RawMessage[]): Promise<void> {
    const last = new Map<string, RawMessage>()
    for (const message of batch) last.set(`${message.topic}:${message.partition}`, message)
    await Promise.all(
      [...last.values()].map(async (message) => {
        try {
          // A commit on a stream that is going away (the client gave up on a dead broker) may never settle;
          // waiting for it would stop this consumer for good.
          await withTimeout(
            Promise.resolve(message.commit()),
            COMMIT_TIMEOUT_MS,
            () => new Error(`offset commit did not finish within ${COMMIT_TIMEOUT_MS} ms`),
          )
        } catch (error) {
          // Typically the partition moved to another member during a rebalance: the new owner reprocesses
          // from the last commit and the idempotent handler makes that harmless.
          this.#options.logger.warn(
            {
              err: error,
              topic: message.topic,
              partition: message.partition,
              offset: String(message.offset),
            },
            'offset commit failed',
          )
        }
      }),
    )
  }

  /** Stops fetching, finishes the batch in hand (and the one finishing), commits them and leaves the group. */
  async close(): Promise<void> {
    this.#running = false
    this.#buffer = []
    this.#wake?.()
    await this.#loop
    await this.#restarting
    await this.#stream?.close().catch(() => {})
    await this.#consumer.close(true)
  }
}
