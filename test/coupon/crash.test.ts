import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { couponFeature } from '../../src/coupon/feature.ts'
import { flowTopics } from '../../src/flows.ts'
import { post } from '../helpers/http.ts'
import { readTopics } from '../helpers/kafka.ts'
import { envFor, spawnService } from '../helpers/process.ts'
import { eventually, runLimited, startTestService, type TestService } from '../helpers/stack.ts'
import { assertConsistent, createPolicy, policyState, userIds, waitSettled } from './fixtures.ts'

/**
 * The consumer runs as its own process and is killed with SIGKILL at a chosen point of a batch; a fresh
 * process must finish the work with every invariant intact.
 */
describe('coupon v3 consumer crashes', () => {
  let api: TestService
  before(async () => {
    api = await startTestService(couponFeature, undefined, { consume: false })
  })
  after(() => api.close())

  for (const point of ['coupon.after-reserve', 'coupon.after-persist']) {
    it(`SIGKILL at ${point}, then a restart: nothing lost, nothing issued twice, one outcome per request`, async () => {
      const config = api.runtime.config
      const topics = flowTopics('coupon', config.kafka.topicPrefix)
      const policyId = await createPolicy(api.url, { total: 30 })
      const responses = await runLimited(
        userIds(100).map(
          (userId) => () => post(`${api.url}/api/coupons/issue?strategy=v3`, { policyId, userId }),
        ),
        50,
      )
      const accepted = responses.filter((response) => response.status === 202).length
      assert.equal(accepted, 100, 'no consumer yet: every request is accepted')

      const doomed = spawnService(['coupon', '--no-http'], envFor(config, { FAULT_INJECTION: point }))
      const death = await doomed.exited
      assert.equal(death.signal, 'SIGKILL', doomed.output())
      const crashed = await policyState(api.runtime, policyId)
      assert.ok(crashed.redisHolders > 0, 'the reservation happened before the crash')
      if (point === 'coupon.after-reserve') assert.equal(crashed.coupons, 0, 'nothing reached PostgreSQL')
      else assert.equal(crashed.coupons, 30, 'the batch reached PostgreSQL')

      const survivor = spawnService(['coupon', '--no-http'], envFor(config))
      try {
        await waitSettled(api.runtime, policyId, accepted)
      } finally {
        await survivor.stop()
      }
      const state = await policyState(api.runtime, policyId)
      assert.equal(state.coupons, 30)
      assertConsistent(state)
      const outcomes = (await readTopics(config, [topics.success, topics.failures], accepted))
        .map((message) => JSON.parse(message.value))
        .filter((body) => body.policyId === policyId)
      assert.equal(outcomes.length, accepted, 'exactly one outcome per request')
      assert.equal(new Set(outcomes.map((body) => body.requestId)).size, accepted)
      assert.equal(outcomes.filter((body) => body.status === 'ISSUED').length, 30)
    })
  }

  it('a consumer stopped gracefully mid-burst leaves nothing behind for the next one', async () => {
    const config = api.runtime.config
    const policyId = await createPolicy(api.url, { total: 200 })
    const first = spawnService(['coupon', '--no-http'], envFor(config))
    const responses = await runLimited(
      userIds(500).map(
        (userId) => () => post(`${api.url}/api/coupons/issue?strategy=v3`, { policyId, userId }),
      ),
      100,
    )
    const accepted = responses.filter((response) => response.status === 202).length
    await first.stop()
    const second = spawnService(['coupon', '--no-http'], envFor(config))
    try {
      await waitSettled(api.runtime, policyId, accepted)
    } finally {
      await second.stop()
    }
    const state = await eventually(async () => policyState(api.runtime, policyId))
    assert.equal(state.coupons, 200)
    assertConsistent(state)
  })
})
