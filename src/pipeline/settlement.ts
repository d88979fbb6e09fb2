import type { Faults } from '../platform/faults.ts'
import type { BatchingProducer, FlowTopics, OutgoingMessage } from '../platform/kafka.ts'
import type { BatchFinish, RawMessage } from '../platform/kafka-consumer.ts'
import type { Logger } from '../platform/logger.ts'
import { perPromotion } from './per-promotion.ts'
import type { ProcessorOptions } from './processor.ts'
import { PublishedMarks } from './published-marks.ts'

/** What a promotion's persist step hands on to the rest of the sequence. */
export interface Persisted<O extends { readonly requestId: string } = { readonly requestId: string }> {
  /** Outcomes written by this call, plus those written before but never published. */
  readonly toPublish: readonly O[]
  /** Reservations PostgreSQL refused; the settle step gives them back in Redis. */
  readonly refused: readonly unknown[]
}

/**
 * What a promotion kind supplies to the settlement sequence: only what differs between kinds. Every step
 * must be idempotent by request id (a crash replays the batch).
 */
export interface SettlementSteps<T extends { readonly requestId: string }, D, P extends Persisted> {
  /** The flow name; fault points are `<flow>.after-reserve`, `<flow>.after-persist`, `<flow>.after-publish`. */
  readonly flow: string
  /** Turns a raw record into a request; throws a `MalformedMessageError` (envelope.ts) for one that never can be. */
  decode(raw: RawMessage): T
  /** The promotion a request belongs to (the partition key). */
  promotionOf(request: T): string
  /** Puts one promotion's requests in the order they are decided in (default: arrival order). */
  inOrder?(requests: T[]): T[]
  /** Runs the reserve step with the promotion's Redis state present (rebuilt from PostgreSQL if lost). */
  readonly state: { withState<R>(promotionId: string, fn: () => Promise<R>): Promise<R> }
  /** Decides the requests in Redis, one decision per request, in order. */
  readonly stock: { reserve(promotionId: string, requests: readonly NoInfer<T>[]): Promise<readonly D[]> }
  /** Writes rows and outcomes to PostgreSQL in one transaction; records published marks. */
  readonly requests: {
    persistBatch(promotionId: string, requests: readonly NoInfer<T>[], decisions: readonly D[]): Promise<P>
    markPublished(requestIds: readonly string[]): Promise<void>
  }
  /** Drops Redis's in-flight records of the requests and gives back what PostgreSQL refused. */
  settle(promotionId: string, requestIds: readonly string[], persisted: P): Promise<unknown>
  /** The outcome message of one outcome (its topic, key, value and headers). */
  outcomeMessage(topics: FlowTopics, outcome: P['toPublish'][number]): OutgoingMessage
}

/** The shared pieces the sequence uses around a kind's steps. */
export interface SettlementDeps {
  /** The flow's topics (outcomes go to `success` / `failures`). */
  readonly topics: FlowTopics
  /** The status index of accepted requests; a settled request leaves it. */
  readonly index: { forget(requestIds: readonly string[]): Promise<void> }
  readonly producer: Pick<BatchingProducer, 'sendAll'>
  /** Tells open result streams on every API instance which requests settled. */
  readonly settled: { publish(promotionId: string, requestIds: readonly string[]): Promise<void> }
  readonly faults: Pick<Faults, 'hit'>
  readonly logger: Logger
}

/**
 * The v3 consumer's work for a batch, written once for every promotion kind. Promotion by promotion
 * (promotions in parallel, each in its order):
 * 1. reserve in Redis — one script decides the whole group, idempotently per request id;
 * 2. persist to PostgreSQL — rows and outcomes in one transaction, idempotently;
 * 3. settle Redis — drop in-flight records and status-index entries, give back what PostgreSQL refused;
 * then, as the batch's finish (src/platform/kafka-consumer.ts `BatchFinish`, run while the consumer
 * reserves and persists the next batch, and before it commits this one):
 * 4. publish each outcome once and announce the settled requests to open result streams;
 * 5. mark the outcomes published.
 * Fault points sit after steps 1, 2 and 4. A crash anywhere replays the batch; each step then finds its
 * own earlier work and does not repeat it, and outcomes persisted but not marked are published again.
 */
export function settlementConsumer<T extends { readonly requestId: string }, D, P extends Persisted>(
  steps: SettlementSteps<T, D, P>,
  deps: SettlementDeps,
): Pick<ProcessorOptions<T>, 'decode'> & {
  process(batch: ReadonlyArray<{ readonly body: T }>): Promise<BatchFinish>
} {
  const published = new PublishedMarks((ids) => steps.requests.markPublished(ids), deps.logger)
  const point = (step: string) => `${steps.flow}.after-${step}`

  /** Steps 1–3 for one promotion; returns steps 4–5. */
  async function settlePromotion(promotionId: string, arrived: T[]): Promise<() => Promise<void>> {
    const requests = steps.inOrder ? steps.inOrder(arrived) : arrived
    const decisions = await steps.state.withState(promotionId, () =>
      steps.stock.reserve(promotionId, requests),
    )
    deps.faults.hit(point('reserve'))
    const persisted = await steps.requests.persistBatch(promotionId, requests, decisions)
    deps.faults.hit(point('persist'))
    const requestIds = requests.map((request) => request.requestId)
    await Promise.all([steps.settle(promotionId, requestIds, persisted), deps.index.forget(requestIds)])
    if (persisted.refused.length > 0) {
      deps.logger.warn(
        { promotionId, refused: persisted.refused.length },
        'PostgreSQL refused what Redis reserved; Redis gave it back',
      )
    }
    return async () => {
      await Promise.all([
        deps.producer.sendAll(
          persisted.toPublish.map((outcome) => steps.outcomeMessage(deps.topics, outcome)),
        ),
        deps.settled.publish(promotionId, requestIds),
      ])
      deps.faults.hit(point('publish'))
      await published.record(persisted.toPublish.map((outcome) => outcome.requestId))
    }
  }

  return {
    decode: (raw) => steps.decode(raw),
    process: async (batch) => {
      const publishes = await perPromotion(batch, (request) => steps.promotionOf(request), settlePromotion)
      return async () => {
        await Promise.all(publishes.map((publish) => publish()))
      }
    },
  }
}
