import type { ProcessorOptions } from '../pipeline/processor.ts'
import { type SettlementDeps, settlementProcessor } from '../pipeline/settlement.ts'
import type { FlowTopics } from '../platform/kafka.ts'
import { decodeRequest, outcomeMessage } from './messages.ts'
import type { RequestRepository } from './request-repository.ts'
import type { TimeSaleState } from './state.ts'
import type { TimeSaleStock } from './stock.ts'
import type { OrderRequest } from './types.ts'

export interface TimeSaleConsumerDeps extends SettlementDeps {
  readonly requests: RequestRepository
  readonly stock: TimeSaleStock
  readonly state: TimeSaleState
  readonly topics: FlowTopics
}

/**
 * The time-sale kind's steps of the v3 settlement sequence (src/pipeline/settlement.ts), sale by sale in
 * queue order: reserve units in Redis (the state is rebuilt from PostgreSQL first if it was lost), persist
 * orders and outcomes (the asynchronous database update, in batches, off the API's path), settle the
 * reservations and raise the watermark, publish to `timesale-order-success` / `-failures`.
 * Fault points: `timesale.after-reserve`, `timesale.after-persist`, `timesale.after-publish`.
 */
export function timesaleConsumer(
  deps: TimeSaleConsumerDeps,
): Pick<ProcessorOptions<OrderRequest>, 'decode' | 'process'> {
  return {
    decode: decodeRequest,
    process: settlementProcessor(
      {
        flow: 'timesale',
        promotionOf: (request) => request.timeSaleId,
        // Tickets are the acceptance order; a sale's messages arrive in it (one key, one partition), and
        // sorting keeps it even if two accepts raced between drawing a ticket and handing the message over.
        inOrder: (requests) => requests.sort((a, b) => a.ticket - b.ticket),
        reserve: (saleId, requests) =>
          deps.state.withState(saleId, () => deps.stock.reserve(saleId, requests)),
        persist: (saleId, requests, decisions) => deps.requests.persistBatch(saleId, requests, decisions),
        settle: async (saleId, requestIds, persisted) => {
          await deps.stock.settle(saleId, requestIds, persisted.refused, persisted.watermark)
        },
        outcomeMessage: (outcome) => outcomeMessage(deps.topics, outcome),
        markPublished: (requestIds) => deps.requests.markPublished(requestIds),
      },
      deps,
    ),
  }
}
