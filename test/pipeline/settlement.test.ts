import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { couponFeature } from '../../src/coupon/feature.ts'
import { decodeRequest, outcomeMessage } from '../../src/coupon/messages.ts'
import { CouponRepository } from '../../src/coupon/repository.ts'
import { createCouponState } from '../../src/coupon/state.ts'
import { CouponStock } from '../../src/coupon/stock.ts'
import type { Decision, IssueRequest } from '../../src/coupon/types.ts'
import { flowTopics } from '../../src/flows.ts'
import { type SettlementDeps, settlementConsumer } from '../../src/pipeline/settlement.ts'
import type { OutgoingMessage } from '../../src/platform/kafka.ts'
import { RequestIndex } from '../../src/shared/request-index.ts'
import { createPolicy, policyState, userIds } from '../coupon/fixtures.ts'
import { startTestService, type TestService } from '../helpers/stack.ts'

/** Raised by a fault point in these tests instead of SIGKILL: the sequence stops where it is. */
class Crash extends Error {}

/**
 * The settlement sequence of src/pipeline/settlement.ts on the real Redis, PostgreSQL and Kafka, with the
 * coupon kind's steps: every step and fault point is recorded in the order it ran.
 */
describe('settlement sequence', () => {
  let service: TestService
  let journal: string[]
  let sent: OutgoingMessage[]
  let crashAt: string | undefined
  let settleBatch: (batch: ReadonlyArray<{ readonly body: IssueRequest }>) => Promise<() => Promise<void>>

  before(async () => {
    service = await startTestService(couponFeature, undefined, { consume: false })
    const { runtime } = service
    const topics = flowTopics('coupon', runtime.config.kafka.topicPrefix)
    const repository = new CouponRepository(runtime.pool)
    const stock = new CouponStock(runtime.redis)
    const state = createCouponState(repository, stock, runtime.logger)
    const index = new RequestIndex(runtime.redis, 'c')
    const deps: SettlementDeps = {
      index: {
        forget: async (ids) => {
          journal.push('forget')
          await index.forget(ids)
        },
      },
      producer: {
        sendAll: async (messages) => {
          journal.push('publish')
          sent.push(...messages)
          await runtime.producer.sendAll(messages)
        },
      },
      settled: {
        publish: async () => {
          journal.push('announce')
        },
      },
      faults: {
        hit: (point) => {
          journal.push(point)
          if (point === crashAt) throw new Crash(point)
        },
      },
      logger: runtime.logger,
      topics,
    }
    settleBatch = settlementConsumer(
      {
        flow: 'coupon',
        decode: decodeRequest,
        promotionOf: (request) => request.policyId,
        state,
        stock: {
          reserve: (policyId: string, requests: readonly IssueRequest[]) => {
            journal.push('reserve')
            return stock.reserve(policyId, requests)
          },
        },
        requests: {
          persistBatch: (
            policyId: string,
            requests: readonly IssueRequest[],
            decisions: readonly Decision[],
          ) => {
            journal.push('persist')
            return repository.requests.persistBatch(policyId, requests, decisions)
          },
          markPublished: (requestIds: readonly string[]) => {
            journal.push('mark')
            return repository.requests.markPublished(requestIds)
          },
        },
        settle: (policyId, requestIds, { refused }) => {
          journal.push('settle')
          return stock.settle(policyId, requestIds, refused)
        },
        outcomeMessage,
      },
      deps,
    ).process
  })
  after(() => service.close())

  function batchOf(policyId: string, users: readonly string[]) {
    return users.map((userId, index) => ({
      body: { requestId: randomUUID(), policyId, userId, acceptedAt: Date.now() - 1_000 + index },
    }))
  }

  async function run(batch: ReturnType<typeof batchOf>, crash?: string) {
    journal = []
    sent = []
    crashAt = crash
    const finish = await settleBatch(batch)
    journal.push('front done')
    await finish()
  }

  async function publishedCount(policyId: string) {
    const { rows } = await service.runtime.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM coupon_requests WHERE policy_id = $1 AND published_at IS NOT NULL',
      [policyId],
    )
    return rows[0]?.n ?? 0
  }

  it('runs reserve, persist, settle, publish, mark in that order with the fault points between them', async () => {
    const policyId = await createPolicy(service.url, { total: 3 })
    await run(batchOf(policyId, userIds(5)))
    assert.deepEqual(journal.slice(0, 4), [
      'reserve',
      'coupon.after-reserve',
      'persist',
      'coupon.after-persist',
    ])
    assert.deepEqual(journal.slice(4, 6).sort(), ['forget', 'settle'])
    assert.deepEqual(journal.slice(6, 7), ['front done'], 'publishing is left to the finish')
    assert.deepEqual(journal.slice(7, 9).sort(), ['announce', 'publish'])
    assert.deepEqual(journal.slice(9), ['coupon.after-publish', 'mark'])
    assert.equal(sent.length, 5, 'one outcome message per request')
    assert.equal(sent.filter((message) => message.topic.endsWith('coupon-issue-success')).length, 3)
    assert.equal(await publishedCount(policyId), 5)
  })

  it("publishes a batch's outcomes after the next batch of the promotion was reserved and persisted", async () => {
    const policyId = await createPolicy(service.url, { total: 3 })
    journal = []
    sent = []
    crashAt = undefined
    const users = userIds(6)
    const first = batchOf(policyId, users.slice(0, 3))
    const second = batchOf(policyId, users.slice(3))
    const finishFirst = await settleBatch(first)
    const finishSecond = await settleBatch(second)
    assert.equal(sent.length, 0, 'nothing published before the finishes')
    assert.equal((await policyState(service.runtime, policyId)).coupons, 3)
    await finishFirst()
    await finishSecond()
    const order = sent.map((message) => JSON.parse(message.value ?? '{}').requestId)
    assert.deepEqual(
      order,
      [...first, ...second].map((envelope) => envelope.body.requestId),
      'outcomes in arrival order',
    )
    assert.equal(await publishedCount(policyId), 6)
  })

  it('stops at a fault point: nothing after it runs', async () => {
    const policyId = await createPolicy(service.url, { total: 3 })
    await assert.rejects(run(batchOf(policyId, userIds(2)), 'coupon.after-reserve'), Crash)
    assert.deepEqual(journal, ['reserve', 'coupon.after-reserve'])
    assert.equal((await policyState(service.runtime, policyId)).coupons, 0)
  })

  for (const point of ['coupon.after-reserve', 'coupon.after-persist', 'coupon.after-publish']) {
    it(`replays a batch that stopped at ${point}: every row once, every outcome published, nothing twice after marking`, async () => {
      const policyId = await createPolicy(service.url, { total: 4 })
      const users = userIds(6)
      // A repeated request (a redelivered message inside one batch) and a second request of one user.
      const batch = batchOf(policyId, users)
      const first = batch[0] as (typeof batch)[number]
      batch.push(first, ...batchOf(policyId, [users[1] as string]))
      const requestIds = new Set(batch.map((envelope) => envelope.body.requestId))

      await assert.rejects(run(batch, point), Crash)
      await run(batch)
      const replayed = new Set(sent.map((message) => JSON.parse(message.value ?? '{}').requestId))
      const state = await policyState(service.runtime, policyId)
      assert.equal(state.coupons, 4, 'four coupons, none twice')
      assert.equal(state.issuedColumn, 4)
      assert.equal(state.distinctUsers, 4)
      assert.equal(state.redisOutcomes, 0, 'no reservation left in flight')
      assert.equal(await publishedCount(policyId), requestIds.size, 'one outcome per distinct request')
      // Outcomes not marked published are published (again, after a crash past the publish): at least once.
      assert.deepEqual(replayed, requestIds)

      await run(batch)
      assert.equal(sent.length, 0, 'a replay after the mark publishes nothing')
      assert.equal((await policyState(service.runtime, policyId)).coupons, 4)
    })
  }
})
