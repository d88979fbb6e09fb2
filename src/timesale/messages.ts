import { flowMessages } from '../shared/contracts/message.ts'
import { orderRequested, orderSettled } from './contracts.ts'

/**
 * The time-sale topics' messages (`contracts.ts`), keyed by sale id: `requestMessage` and `decodeRequest`
 * on `timesale-order-requests`, `outcomeMessage` and `decodeOutcome` on `timesale-order-success|failures`
 * (an outcome's `queuePosition` is not written).
 */
export const { requestMessage, decodeRequest, outcomeMessage, decodeOutcome } = flowMessages(
  orderRequested,
  orderSettled,
  'timeSaleId',
)
