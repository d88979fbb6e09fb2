import type { ConsumerConfig } from '../config.ts'
import { isRetryable, toAppError } from '../errors.ts'
import { retry } from '../platform/async.ts'
import type { BatchingProducer, FlowTopics, OutgoingMessage } from '../platform/kafka.ts'
import { headersToObject } from '../platform/kafka.ts'
import type { RawMessage } from '../platform/kafka-consumer.ts'
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
   * Does the work of a batch (in partition order) and publishes every outcome. Must be idempotent by
   * `requestId`: after a crash or a retry it runs again on messages it may already have handled.
   */
  process(batch: readonly Envelope<T>[]): Promise<void>
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
): (batch: readonly RawMessage[]) => Promise<void> {
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
    if (valid.length > 0) {
      const failed = await processWithRetries(options, metrics, valid)
      if (failed.length > 0) {
        await deadLetter(options, failed)
        metrics.deadLetters.inc({ flow, reason: 'error' }, failed.length)
      }
      metrics.processed.inc({ flow }, valid.length - failed.length)
    }
    metrics.batchSeconds.observe({ flow }, (performance.now() - started) / 1000)
  }
}

interface Failure {
  readonly raw: RawMessage
  readonly error: Error
  readonly attempts: number
}

async function processWithRetries<T>(
  options: ProcessorOptions<T>,
  metrics: PipelineMetrics,
  batch: readonly Envelope<T>[],
): Promise<Failure[]> {
  const { maxRetries, retryBackoffMs } = options.retry
  let lastError: unknown
  try {
    await retry(() => options.process(batch), {
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
    return []
  } catch (error) {
    lastError = error
  }
  if (batch.length === 1) {
    const only = batch[0] as Envelope<T>
    return [{ raw: only.raw, error: asError(lastError), attempts: maxRetries + 1 }]
  }
  // The batch as a whole keeps failing: find the messages that fail on their own, so one bad message does
  // not take its neighbours to the DLQ.
  const failures: Failure[] = []
  for (const envelope of batch) {
    try {
      await options.process([envelope])
    } catch (error) {
      failures.push({ raw: envelope.raw, error: asError(error), attempts: maxRetries + 2 })
      options.logger.error(
        { err: error, requestId: envelope.requestId, ...provenance(envelope.raw) },
        'message failed after retries; sending to the DLQ',
      )
    }
  }
  return failures
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
