import { flowMessages } from '../shared/contracts/message.ts'
import { issueRequested, issueSettled } from './contracts.ts'

/**
 * The coupon topics' messages (`contracts.ts`), keyed by policy id: `requestMessage` and `decodeRequest`
 * on `coupon-issue-requests`, `outcomeMessage` and `decodeOutcome` on `coupon-issue-success|failures`.
 */
export const { requestMessage, decodeRequest, outcomeMessage, decodeOutcome } = flowMessages(
  issueRequested,
  issueSettled,
  'policyId',
)
