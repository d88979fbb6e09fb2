import type { ConsumerConfig } from '../config.ts'
import { isRetryable, toAppError } from '../errors.ts'
import { retry } from '../platform/async.ts'
import type { BatchingProducer, FlowTopics, OutgoingMessage } from '../platform/kafka.ts'
import { headersToObject } from '../platform/kafka.ts'
import type { BatchFinish, RawMessage } from '../platform/kafka-consumer.ts'
import type { Logger } from '../platform/logger.ts'
import { Counter, Histogram, LATENCY_BUCKETS, type Registry } from '../platform/metrics.ts'
import { HEADERS } from './envelope.ts'

/** A decoded request message with where it came from. */
export interface Envelope<T> {
  readonly body: T
  readonly requestId: string
  readonly raw: RawMessage
}

export interface ProcessorOptions<T> {
  readonly flow: string
  readonly topics: FlowTopics
  /** Turns a raw record into a request; throws a `MalformedMessageError` (envelope.ts) for a record that never can be. */
  // Method signatures (not function-typed properties) so a flow's `Feature<IssueRequest>` is also a
  // `Feature` of the registry's list (src/flows.ts): the decoded type only ever meets its own `process`.
  decode(raw: RawMessage): T & { requestId: string }
  /**
   * Does the work of a batch (in partition order) and publishes every outcome, or returns the publishing
   * as a {@link BatchFinish} that the consumer runs while it processes the next batch (and before it
   * commits this one). Must be idempotent by `requestId`: after a crash or a retry it runs again on
   * messages it may already have handled.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a batch with nothing left to finish returns nothing
  process(batch: readonly Envelope<T>[]): Promise<void | BatchFinish>
  readonly producer: BatchingProducer
  readonly retry: Pick<ConsumerConfig, 'maxRetries' | 'retryBackoffMs'>
  readonly logger: Logger
  readonly registry: Registry
}

export interface PipelineMetrics {
  readonly processed: Counter<'flow'>
  readonly retries: Counter<'flow'>
  readonly deadLetters: Counter<'flow' | 'reason'>
  readonly batchSeconds: Histogram<'flow'>
}

function createMetrics(registry: Registry): PipelineMetrics {
  const existing = registry.getSingleMetric('pipeline_messages_processed_total')
  if (existing) {
    return {
      processed: existing as Counter<'flow'>,
      retries: registry.getSingleMetric('pipeline_retries_total') as Counter<'flow'>,
      deadLetters: registry.getSingleMetric('pipeline_dead_letters_total') as Counter<'flow' | 'reason'>,
      batchSeconds: registry.getSingleMetric('pipeline_batch_duration_seconds') as Histogram<'flow'>,
    }
  }
  return {
    processed: new Counter({
      name: 'pipeline_messages_processed_total',
      help: 'Request messages fully processed (outcome published)',
      labelNames: ['flow'],
      registers: [registry],
    }),
    retries: new Counter({
      name: 'pipeline_retries_total',
      help: 'Batch or message retries after a retryable error',
      labelNames: ['flow'],
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'pipeline_dead_letters_total',
      help: 'Messages sent to the dead-letter topic',
      labelNames: ['flow', 'reason'],
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'pipeline_batch_duration_seconds',
      help: 'Time to process one consumer batch',
      labelNames: ['flow'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
  }
}

/**
 * Builds the batch handler shared by every flow: decode (malformed → DLQ at once, the partition keeps
 * flowing), process the batch, retry retryable failures in place with exponential backoff (so a
 * promotion's order is kept), then isolate the failing messages one by one and dead-letter those that
 * still fail, with the error and their provenance.
 */
export function createBatchHandler<T>(
  options: ProcessorOptions<T>,
): (batch: readonly RawMessage[]) => Promise<BatchFinish | undefined> {
  const { flow, logger } = options
  const metrics = createMetrics(options.registry)

  return async (batch) => {
    const started = performance.now()
    const valid: Envelope<T>[] = []
    const malformed: Array<{ raw: RawMessage; error: Error }> = []
    for (const raw of batch) {
      try {
        const body = options.decode(raw)
        valid.push({ body, requestId: body.requestId, raw })
      } catch (error) {
        malformed.push({ raw, error: error instanceof Error ? error : new Error(String(error)) })
      }
    }
    if (malformed.length > 0) {
      for (const { raw, error } of malformed) {
        logger.warn({ ...provenance(raw), err: error }, 'malformed message sent to the DLQ')
      }
      await deadLetter(
        options,
        malformed.map(({ raw, error }) => ({ raw, error, attempts: 1 })),
      )
      metrics.deadLetters.inc({ flow, reason: 'malformed' }, malformed.length)
    }
    let finish: BatchFinish | undefined
    let processed = 0
    if (valid.length > 0) {
      const result = await processWithRetries(options, metrics, valid)
      if (result.failures.length > 0) {
        await deadLetter(options, result.failures)
        metrics.deadLetters.inc({ flow, reason: 'error' }, result.failures.length)
      }
      processed = valid.length - result.failures.length
      finish = result.finish
    }
    const done = () => {
      metrics.processed.inc({ flow }, processed)
      metrics.batchSeconds.observe({ flow }, (performance.now() - started) / 1000)
    }
    if (!finish) {
      done()
      return undefined
    }
    const last = finish
    // Publishing is retried in place like the rest of the batch; if it still fails, the consumer
    // delivers the batch again (a replay publishes what was not marked published).
    return async () => {
      await retry(last, {
        attempts: options.retry.maxRetries + 1,
        baseMs: options.retry.retryBackoffMs,
        shouldRetry: isRetryable,
        onRetry: (error, attempt, delayMs) => {
          metrics.retries.inc({ flow })
          logger.warn({ err: error, attempt, delayMs, size: batch.length }, 'publishing failed; retrying')
        },
      })
      done()
    }
  }
}

interface Failure {
  readonly raw: RawMessage
  readonly error: Error
  readonly attempts: number
}

/** What processing left: the messages that failed for good, and the publishing still to run. */
interface Processed {
  readonly failures: Failure[]
  readonly finish: BatchFinish | undefined
}

/** Runs finishes one after the other (the isolated messages' publishing, in partition order). */
function inOrder(finishes: readonly BatchFinish[]): BatchFinish | undefined {
  if (finishes.length === 0) return undefined
  return async () => {
    for (const finish of finishes) await finish()
  }
}

function finishOf(result: unknown): BatchFinish | undefined {
  return typeof result === 'function' ? (result as BatchFinish) : undefined
}

async function processWithRetries<T>(
  options: ProcessorOptions<T>,
  metrics: PipelineMetrics,
  batch: readonly Envelope<T>[],
): Promise<Processed> {
  const { maxRetries, retryBackoffMs } = options.retry
  let lastError: unknown
  try {
    const result = await retry(() => options.process(batch), {
      attempts: maxRetries + 1,
      baseMs: retryBackoffMs,
      shouldRetry: isRetryable,
      onRetry: (error, attempt, delayMs) => {
        metrics.retries.inc({ flow: options.flow })
        options.logger.warn(
          { err: error, attempt, delayMs, size: batch.length, ...provenance(batch[0]?.raw) },
          'batch failed; retrying',
        )
      },
    })
    return { failures: [], finish: finishOf(result) }
  } catch (error) {
    lastError = error
  }
  if (batch.length === 1) {
    const only = batch[0] as Envelope<T>
    return {
      failures: [{ raw: only.raw, error: asError(lastError), attempts: maxRetries + 1 }],
      finish: undefined,
    }
  }
  // The batch as a whole keeps failing: find the messages that fail on their own, so one bad message does
  // not take its neighbours to the DLQ.
  const failures: Failure[] = []
  const finishes: BatchFinish[] = []
  for (const envelope of batch) {
    try {
      const finish = finishOf(await options.process([envelope]))
      if (finish) finishes.push(finish)
    } catch (error) {
      failures.push({ raw: envelope.raw, error: asError(error), attempts: maxRetries + 2 })
      options.logger.error(
        { err: error, requestId: envelope.requestId, ...provenance(envelope.raw) },
        'message failed after retries; sending to the DLQ',
      )
    }
  }
  return { failures, finish: inOrder(finishes) }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}

function provenance(raw: RawMessage | undefined) {
  if (!raw) return {}
  return { topic: raw.topic, partition: raw.partition, offset: String(raw.offset) }
}

/** Writes failures to the flow's DLQ with the original key, value and headers plus the error and provenance. */
async function deadLetter<T>(options: ProcessorOptions<T>, failures: readonly Failure[]): Promise<void> {
  const messages: OutgoingMessage[] = failures.map(({ raw, error, attempts }) => {
    const headers = headersToObject(raw.headers)
    const coded = toAppError(error)
    return {
      topic: options.topics.dlq,
      ...(raw.key ? { key: raw.key.toString('utf8') } : {}),
      value: raw.value?.toString('utf8') ?? '',
      headers: {
        ...headers,
        [HEADERS.dlqError]: describe(coded).slice(0, 1_000),
        [HEADERS.dlqErrorCode]: coded.code,
        [HEADERS.dlqAttempts]: String(attempts),
        [HEADERS.dlqSourceTopic]: raw.topic,
        [HEADERS.dlqSourcePartition]: String(raw.partition),
        [HEADERS.dlqSourceOffset]: String(raw.offset),
        [HEADERS.dlqFailedAt]: new Date().toISOString(),
      },
    }
  })
  await options.producer.sendAll(messages)
}

/** What an operator reads in the DLQ: the error's message, then what caused it (a client's own words). */
function describe(error: Error): string {
  const cause = error.cause instanceof Error ? error.cause : undefined
  return cause ? `${error.message}: ${describe(cause)}` : error.message
}
