import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { flowTopics } from '../../src/flows.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { post } from '../helpers/http.ts'
import { readTopics } from '../helpers/kafka.ts'
import { envFor, spawnService } from '../helpers/process.ts'
import { runLimited, startTestService, type TestService } from '../helpers/stack.ts'
import { assertConsistent, createSale, orderUrl, saleState, userIds, waitSettled } from './fixtures.ts'

/**
 * The consumer runs as its own process and is killed with SIGKILL at a chosen point of a batch; a fresh
 * process must finish the work with every invariant intact: no unit lost, no second order.
 */
describe('time-sale v3 consumer crashes', () => {
  let api: TestService
  before(async () => {
    api = await startTestService(timesaleFeature, undefined, { consume: false })
  })
  after(() => api.close())

  const points = ['timesale.after-reserve', 'timesale.after-persist', 'timesale.after-publish'] as const
  for (const point of points) {
    it(`SIGKILL at ${point}, then a restart: nothing lost, nothing ordered twice`, async () => {
      const config = api.runtime.config
      const topics = flowTopics('timesale', config.kafka.topicPrefix)
      const saleId = await createSale(api.url, { total: 30, maxPerUser: 4 })
      // 80 users, a few of them ordering twice, quantities 1–2.
      const users = userIds(80)
      const tasks = [...users, ...users.slice(0, 20)].map(
        (userId, index) => () =>
          post<{ requestId: string }>(orderUrl(api.url, saleId, 'v3'), { userId, quantity: 1 + (index % 2) }),
      )
      const responses = await runLimited(tasks, 50)
      assert.ok(
        responses.every((response) => response.status === 202),
        'no consumer yet: all accepted',
      )
      const accepted = responses.map((response) => response.body.requestId)

      const doomed = spawnService(['timesale', '--no-http'], envFor(config, { FAULT_INJECTION: point }))
      const death = await doomed.exited
      assert.equal(death.signal, 'SIGKILL', doomed.output())
      const crashed = await saleState(api.runtime, saleId)
      assert.ok(crashed.redis.reservations > 0, 'Redis took units before the crash')
      const { rows } = await api.runtime.pool.query<{ settled: number; published: number }>(
        `SELECT count(*)::int AS settled, count(published_at)::int AS published FROM timesale_requests
         WHERE time_sale_id = $1`,
        [saleId],
      )
      if (point === 'timesale.after-reserve') {
        assert.equal(crashed.orders, 0, 'nothing reached PostgreSQL')
        assert.equal(rows[0]?.settled, 0)
      } else {
        assert.equal(crashed.orderUnits, 30, 'the batch reached PostgreSQL')
        assert.ok((rows[0]?.settled ?? 0) > 0)
        assert.equal(rows[0]?.published, 0, 'the crash came before the outcomes were marked published')
        assert.ok(crashed.redis.outcomes > 0 || point !== 'timesale.after-persist', 'Redis not settled yet')
      }

      const survivor = spawnService(['timesale', '--no-http'], envFor(config))
      try {
        await waitSettled(api.runtime, saleId, accepted.length)
      } finally {
        await survivor.stop()
      }
      const state = await saleState(api.runtime, saleId)
      assert.equal(state.orderUnits, 30, 'every unit sold once')
      assertConsistent(state)
      assert.equal(state.redis.settled, accepted.length, 'the watermark counts each request once')

      const messages = (await readTopics(config, [topics.success, topics.failures], accepted.length)).filter(
        (message) => JSON.parse(message.value).timeSaleId === saleId,
      )
      const byRequest = new Map<string, Set<string>>()
      for (const message of messages) {
        const { requestId } = JSON.parse(message.value) as { requestId: string }
        byRequest.set(requestId, (byRequest.get(requestId) ?? new Set()).add(message.value))
      }
      assert.deepEqual([...byRequest.keys()].sort(), [...accepted].sort(), 'an outcome for every request')
      assert.ok(
        [...byRequest.values()].every((values) => values.size === 1),
        'a repeated outcome is identical to the first',
      )
      if (point !== 'timesale.after-publish') {
        assert.equal(messages.length, accepted.length, 'exactly one outcome per request')
      }
    })
  }
})
