import type { ProcessorOptions } from '../pipeline/processor.ts'
import { type SettlementDeps, settlementConsumer } from '../pipeline/settlement.ts'
import { decodeRequest, outcomeMessage } from './messages.ts'
import type { TimeSaleServiceDeps } from './service.ts'
import type { OrderRequest } from './types.ts'

/**
 * The time-sale kind's part of the v3 settlement sequence (src/pipeline/settlement.ts), sale by sale in
 * queue order: reserve units in Redis, persist orders and outcomes (the asynchronous database update, in
 * batches, off the API's path), settle the reservations and raise the watermark, publish to
 * `timesale-order-success` / `-failures`. Fault points: `timesale.after-reserve`,
 * `timesale.after-persist`, `timesale.after-publish`.
 */
export function timesaleConsumer(
  deps: SettlementDeps & Pick<TimeSaleServiceDeps, 'requests' | 'stock' | 'state'>,
): Pick<ProcessorOptions<OrderRequest>, 'decode' | 'process'> {
  const { stock } = deps
  return settlementConsumer(
    {
      flow: 'timesale',
      decode: decodeRequest,
      promotionOf: (request) => request.timeSaleId,
      // Tickets are the acceptance order; a sale's messages arrive in it (one key, one partition), and
      // sorting keeps it even if two accepts raced between drawing a ticket and handing the message over.
      inOrder: (requests) => requests.sort((a, b) => a.ticket - b.ticket),
      state: deps.state,
      stock,
      requests: deps.requests,
      settle: (saleId, requestIds, { refused, watermark }) =>
        stock.settle(saleId, requestIds, refused, watermark),
      outcomeMessage,
    },
    deps,
  )
}
