import { perPromotion } from '../pipeline/per-promotion.ts'
import type { Envelope, ProcessorOptions } from '../pipeline/processor.ts'
import { PublishedMarks } from '../pipeline/published-marks.ts'
import type { Faults } from '../platform/faults.ts'
import type { BatchingProducer, FlowTopics } from '../platform/kafka.ts'
import type { Logger } from '../platform/logger.ts'
import type { RequestIndex } from '../shared/request-index.ts'
import type { SettlementSignal } from '../shared/settlement-feed.ts'
import { decodeRequest, outcomeMessage } from './messages.ts'
import type { CouponRepository } from './repository.ts'
import type { CouponState } from './state.ts'
import type { CouponStock } from './stock.ts'
import type { IssueRequest, PendingRequest } from './types.ts'

export interface CouponConsumerDeps {
  readonly repository: CouponRepository
  readonly stock: CouponStock
  readonly state: CouponState
  readonly index: RequestIndex<PendingRequest>
  readonly producer: BatchingProducer
  readonly topics: FlowTopics
  readonly faults: Faults
  /** Tells open result streams on every API instance which requests settled. */
  readonly settled: SettlementSignal
  readonly logger: Logger
}

/**
 * The v3 consumer's work for a batch, policy by policy (policies in parallel, each in arrival order):
 * 1. reserve in Redis — one script decides the whole group, idempotently per request id;
 * 2. persist to PostgreSQL — coupons and outcomes in one transaction, idempotently;
 * 3. settle Redis — drop reservation records and status-index entries, give back what PostgreSQL refused;
 * 4. publish each outcome once (and announce the settled requests to open result streams), then mark it
 *    published.
 * A crash anywhere replays the batch; each step then finds its own earlier work and does not repeat it.
 */
export function couponConsumer(
  deps: CouponConsumerDeps,
): Pick<ProcessorOptions<IssueRequest>, 'decode' | 'process'> {
  const published = new PublishedMarks((ids) => deps.repository.markPublished(ids), deps.logger)

  async function processPolicy(policyId: string, requests: IssueRequest[]): Promise<void> {
    const decisions = await deps.state.withState(policyId, () => deps.stock.reserve(policyId, requests))
    deps.faults.hit('coupon.after-reserve')
    const result = await deps.repository.persistBatch(policyId, requests, decisions)
    deps.faults.hit('coupon.after-persist')
    const requestIds = requests.map((request) => request.requestId)
    await Promise.all([
      deps.stock.settle(policyId, requestIds, result.refused),
      deps.index.forget(requestIds),
    ])
    if (result.refused.length > 0) {
      deps.logger.warn(
        { policyId, refused: result.refused.length },
        'PostgreSQL refused coupons Redis reserved',
      )
    }
    await Promise.all([
      deps.producer.sendAll(result.toPublish.map((outcome) => outcomeMessage(deps.topics, outcome))),
      deps.settled.publish(policyId, requestIds),
    ])
    deps.faults.hit('coupon.after-publish')
    await published.record(result.toPublish.map((outcome) => outcome.requestId))
  }

  return {
    decode: decodeRequest,
    process: (batch: readonly Envelope<IssueRequest>[]) =>
      perPromotion(batch, (request) => request.policyId, processPolicy),
  }
}
