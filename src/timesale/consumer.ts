import { perPromotion } from '../pipeline/per-promotion.ts'
import type { Envelope, ProcessorOptions } from '../pipeline/processor.ts'
import { PublishedMarks } from '../pipeline/published-marks.ts'
import type { Faults } from '../platform/faults.ts'
import type { BatchingProducer, FlowTopics } from '../platform/kafka.ts'
import type { Logger } from '../platform/logger.ts'
import type { RequestIndex } from '../shared/request-index.ts'
import type { SettlementSignal } from '../shared/settlement-feed.ts'
import { decodeRequest, outcomeMessage } from './messages.ts'
import type { RequestRepository } from './request-repository.ts'
import type { TimeSaleState } from './state.ts'
import type { TimeSaleStock } from './stock.ts'
import type { OrderRequest, QueuedRequest } from './types.ts'

export interface TimeSaleConsumerDeps {
  readonly requests: RequestRepository
  readonly stock: TimeSaleStock
  readonly state: TimeSaleState
  readonly index: RequestIndex<QueuedRequest>
  readonly producer: BatchingProducer
  readonly topics: FlowTopics
  readonly faults: Faults
  /** Tells open result streams on every API instance which requests settled. */
  readonly settled: SettlementSignal
  readonly logger: Logger
}

/**
 * The v3 consumer's work for a batch, sale by sale (sales in parallel, each in queue order):
 * 1. reserve in Redis — one script decides the whole group, idempotently per request id;
 * 2. persist to PostgreSQL — orders and outcomes in one transaction, idempotently: this is the
 *    asynchronous database update, in batches, off the API's path;
 * 3. settle Redis — drop outcome records and status-index entries, give back what PostgreSQL refused,
 *    raise the watermark;
 * 4. publish each outcome once (and announce the settled requests to open result streams), then mark it
 *    published.
 * A crash anywhere replays the batch; each step then finds its own earlier work and does not repeat it.
 */
export function timesaleConsumer(
  deps: TimeSaleConsumerDeps,
): Pick<ProcessorOptions<OrderRequest>, 'decode' | 'process'> {
  const published = new PublishedMarks((ids) => deps.requests.markPublished(ids), deps.logger)

  async function processSale(saleId: string, requests: OrderRequest[]): Promise<void> {
    const decisions = await deps.state.withState(saleId, () => deps.stock.reserve(saleId, requests))
    deps.faults.hit('timesale.after-reserve')
    const result = await deps.requests.persistBatch(saleId, requests, decisions)
    deps.faults.hit('timesale.after-persist')
    const requestIds = requests.map((request) => request.requestId)
    await Promise.all([
      deps.stock.settle(saleId, requestIds, result.refused, result.watermark),
      deps.index.forget(requestIds),
    ])
    if (result.refused.length > 0) {
      deps.logger.warn(
        { timeSaleId: saleId, refused: result.refused.length },
        'PostgreSQL refused orders Redis reserved; their units were given back',
      )
    }
    await Promise.all([
      deps.producer.sendAll(result.toPublish.map((outcome) => outcomeMessage(deps.topics, outcome))),
      deps.settled.publish(saleId, requestIds),
    ])
    deps.faults.hit('timesale.after-publish')
    await published.record(result.toPublish.map((outcome) => outcome.requestId))
  }

  return {
    decode: decodeRequest,
    // Tickets are the acceptance order; a sale's messages arrive in it (one key, one partition), and
    // sorting keeps it even if two accepts raced between drawing a ticket and handing the message over.
    process: (batch: readonly Envelope<OrderRequest>[]) =>
      perPromotion(
        batch,
        (request) => request.timeSaleId,
        (saleId, requests) =>
          processSale(
            saleId,
            requests.sort((a, b) => a.ticket - b.ticket),
          ),
      ),
  }
}
