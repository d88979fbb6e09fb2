import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { STRATEGIES } from '../../src/shared/strategy.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { type JsonResponse, post, tally } from '../helpers/http.ts'
import { runLimited, startTestService, type TestService } from '../helpers/stack.ts'
import {
  assertConsistent,
  createSale,
  orderUrl,
  outcomeCounts,
  saleState,
  userIds,
  waitSettled,
} from './fixtures.ts'

describe('time-sale orders under concurrency, per strategy', () => {
  let service: TestService
  before(async () => {
    service = await startTestService(timesaleFeature)
  })
  after(() => service.close())

  /** Waits for the v3 requests a burst got accepted; returns the outcomes in PostgreSQL. */
  async function settle(saleId: string, responses: readonly JsonResponse[]) {
    const accepted = responses.filter((response) => response.status === 202).length
    await waitSettled(service.runtime, saleId, accepted)
    return outcomeCounts(service.runtime, saleId)
  }

  for (const strategy of STRATEGIES) {
    it(`${strategy}: 1000 users, 100 in flight, 100 units → exactly 100 sold, 900 SOLD_OUT, 0 errors`, async () => {
      const saleId = await createSale(service.url, { total: 100 })
      const responses = await runLimited(
        userIds(1000).map(
          (userId) => () => post(orderUrl(service.url, saleId, strategy), { userId, quantity: 1 }),
        ),
        100,
      )
      const counts = tally(responses)
      if (strategy === 'v3') {
        const accepted = counts['202'] ?? 0
        assert.equal(accepted + (counts['409:SOLD_OUT'] ?? 0), 1000, JSON.stringify(counts))
        const outcomes = await settle(saleId, responses)
        assert.equal(outcomes.COMPLETED, 100, JSON.stringify(outcomes))
        assert.equal((outcomes['FAILED:SOLD_OUT'] ?? 0) + (counts['409:SOLD_OUT'] ?? 0), 900)
        assert.equal(Object.keys(outcomes).length, 2, JSON.stringify(outcomes))
      } else {
        assert.deepEqual(counts, { '201': 100, '409:SOLD_OUT': 900 })
      }
      const state = await saleState(service.runtime, saleId)
      assert.equal(state.orderUnits, 100)
      assert.equal(state.orders, 100)
      assertConsistent(state)
    })

    it(`${strategy}: quantities 1–3 from 300 users → stock fully used, never exceeded`, async () => {
      const saleId = await createSale(service.url, { total: 100 })
      const quantityOf = (index: number) => 1 + (index % 3)
      const responses = await runLimited(
        userIds(300).map(
          (userId, index) => () =>
            post(orderUrl(service.url, saleId, strategy), { userId, quantity: quantityOf(index) }),
        ),
        100,
      )
      const counts = tally(responses)
      const winner = strategy === 'v3' ? '202' : '201'
      assert.equal((counts[winner] ?? 0) + (counts['409:SOLD_OUT'] ?? 0), 300, JSON.stringify(counts))
      if (strategy === 'v3') await settle(saleId, responses)
      const state = await saleState(service.runtime, saleId)
      assert.equal(state.orderUnits, 100, 'a later, smaller order used the last units')
      assertConsistent(state)
    })

    it(`${strategy}: one user's burst of 30 concurrent orders never exceeds maxPerUser`, async () => {
      const saleId = await createSale(service.url, { total: 100, maxPerUser: 3 })
      const [userId] = userIds(1) as [string]
      const responses = await Promise.all(
        Array.from({ length: 30 }, (_, index) =>
          post(orderUrl(service.url, saleId, strategy), { userId, quantity: 1 + (index % 2) }),
        ),
      )
      const counts = tally(responses)
      if (strategy === 'v3') {
        assert.equal((counts['202'] ?? 0) + (counts['409:LIMIT_EXCEEDED'] ?? 0), 30, JSON.stringify(counts))
        const outcomes = await settle(saleId, responses)
        assert.ok((outcomes.COMPLETED ?? 0) >= 2, JSON.stringify(outcomes))
        assert.equal(Object.keys(outcomes).length, 2, JSON.stringify(outcomes))
        assert.ok(outcomes['FAILED:LIMIT_EXCEEDED'], JSON.stringify(outcomes))
      } else {
        assert.ok((counts['201'] ?? 0) >= 2, JSON.stringify(counts))
        assert.equal((counts['201'] ?? 0) + (counts['409:LIMIT_EXCEEDED'] ?? 0), 30, JSON.stringify(counts))
      }
      const state = await saleState(service.runtime, saleId)
      assert.equal(state.perUser.get(userId), 3, 'the user reached the limit and not one unit beyond')
      assertConsistent(state)
    })
  }

  it('mixed strategies on one sale keep every invariant (v1 and v2 orders count for v3)', async () => {
    const saleId = await createSale(service.url, { total: 60, maxPerUser: 2 })
    const users = userIds(100)
    const strategyOf = (index: number) => STRATEGIES[index % 3] as string
    // Every user orders twice with quantity 1 and once with 2: only two units each are allowed.
    const tasks = [0, 1, 2].flatMap((round) =>
      users.map(
        (userId, index) => () =>
          post(orderUrl(service.url, saleId, strategyOf(index + round)), {
            userId,
            quantity: round === 2 ? 2 : 1,
          }),
      ),
    )
    const responses = await runLimited(tasks, 60)
    assert.equal(
      responses.filter((response) => response.status >= 500).length,
      0,
      JSON.stringify(tally(responses)),
    )
    await settle(saleId, responses)
    const state = await saleState(service.runtime, saleId)
    assert.equal(state.orderUnits, 60, 'all stock sold (no undersell), none beyond (no oversell)')
    assertConsistent(state)
  })
})
