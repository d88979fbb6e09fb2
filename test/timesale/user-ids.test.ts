import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { STRATEGIES } from '../../src/shared/strategy.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { get, post, tally } from '../helpers/http.ts'
import { startTestService, type TestService } from '../helpers/stack.ts'
import { BAD_USER_ID_PATHS, BAD_USER_IDS, opaqueUserIds } from '../helpers/user-ids.ts'
import { assertConsistent, createSale, orderUrl, saleState, userIds, waitSettled } from './fixtures.ts'

describe('time-sale API with opaque user ids', () => {
  let service: TestService
  before(async () => {
    service = await startTestService(timesaleFeature)
  })
  after(() => service.close())

  for (const strategy of STRATEGIES) {
    it(`${strategy}: orders for UUID, email-like, namespaced and 64-character ids within their limit`, async () => {
      const saleId = await createSale(service.url, { total: 100, maxPerUser: 2 })
      const users = opaqueUserIds()
      const url = orderUrl(service.url, saleId, strategy)
      let accepted = 0
      for (const [name, sent, answered] of users) {
        // Two units as sent, then one more with the UUID in lower case: the limit counts one user.
        const first = await post(url, { userId: sent, quantity: 2 })
        assert.equal(first.status, strategy === 'v3' ? 202 : 201, `${name}: ${JSON.stringify(first.body)}`)
        assert.equal(first.body.userId, answered, name)
        accepted++
        if (strategy === 'v3') await waitSettled(service.runtime, saleId, accepted)
        const over = await post(url, { userId: answered, quantity: 1 })
        assert.deepEqual([over.status, over.body.code], [409, 'LIMIT_EXCEEDED'], name)
      }
      for (const [name, sent, answered] of users) {
        const orders = await get<Array<{ userId: string; quantity: number }>>(
          `${service.url}/api/timesales/users/${encodeURIComponent(sent)}/orders`,
        )
        assert.equal(orders.status, 200, name)
        assert.deepEqual(
          orders.body.map((order) => [order.userId, order.quantity]),
          [[answered, 2]],
          name,
        )
      }
      const state = await saleState(service.runtime, saleId)
      assert.deepEqual(new Map(state.perUser), new Map(users.map(([, , answered]) => [answered, 2])))
      assertConsistent(state)
    })

    it(`${strategy}: an integer and its string are one user`, async () => {
      const saleId = await createSale(service.url, { total: 10, maxPerUser: 1 })
      const [userId] = userIds(1) as [string]
      const url = orderUrl(service.url, saleId, strategy)
      const first = await post(url, { userId: Number(userId), quantity: 1 })
      assert.equal(first.body.userId, userId)
      if (strategy === 'v3') await waitSettled(service.runtime, saleId, 1)
      const second = await post(url, { userId, quantity: 1 })
      assert.deepEqual([second.status, second.body.code], [409, 'LIMIT_EXCEEDED'])
    })

    it(`${strategy}: a burst from UUID users spelling their ids in both cases never exceeds maxPerUser`, async () => {
      const saleId = await createSale(service.url, { total: 100, maxPerUser: 2 })
      const users: string[] = Array.from({ length: 10 }, () => randomUUID())
      const url = orderUrl(service.url, saleId, strategy)
      const bodies = users.flatMap((id) =>
        [id, id.toUpperCase(), id.toUpperCase()].map((userId) => ({ userId, quantity: 1 })),
      )
      const responses = await Promise.all(bodies.map((body) => post(url, body)))
      const counts = tally(responses)
      if (strategy === 'v3') await waitSettled(service.runtime, saleId, counts['202'] ?? 0)
      const state = await saleState(service.runtime, saleId)
      assert.deepEqual(new Map(state.perUser), new Map(users.map((id) => [id, 2])), JSON.stringify(counts))
      assertConsistent(state)
    })

    it(`${strategy}: refuses malformed user ids with 400 and changes nothing`, async () => {
      const saleId = await createSale(service.url, { total: 10 })
      for (const [name, userId] of BAD_USER_IDS) {
        const response = await post(orderUrl(service.url, saleId, strategy), { userId, quantity: 1 })
        assert.equal(response.status, 400, `${name}: ${JSON.stringify(response.body)}`)
        assert.equal(response.body.code, 'VALIDATION_FAILED', name)
      }
      const state = await saleState(service.runtime, saleId)
      assert.equal(state.orders, 0)
      assert.equal(state.redis.tickets, 0, 'nothing queued')
    })
  }

  it("refuses malformed user ids in the path of a user's orders", async () => {
    for (const path of BAD_USER_ID_PATHS) {
      const response = await get(`${service.url}/api/timesales/users/${path}/orders`)
      assert.deepEqual([response.status, response.body.code], [400, 'VALIDATION_FAILED'], path)
    }
  })

  it('answers the status of a v3 order with the normalised user id', async () => {
    const saleId = await createSale(service.url, { total: 1 })
    const uuid = randomUUID()
    const accepted = await post<{ requestId: string; userId: string }>(orderUrl(service.url, saleId, 'v3'), {
      userId: uuid.toUpperCase(),
      quantity: 1,
    })
    assert.equal(accepted.body.userId, uuid)
    await waitSettled(service.runtime, saleId, 1)
    const status = await get(`${service.url}/api/timesales/orders/requests/${accepted.body.requestId}`)
    assert.deepEqual([status.body.status, status.body.userId], ['COMPLETED', uuid])
  })
})
