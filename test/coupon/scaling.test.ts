import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { couponFeature } from '../../src/coupon/feature.ts'
import { flowTopics } from '../../src/flows.ts'
import { readGroupLag } from '../../src/platform/lag.ts'
import { post } from '../helpers/http.ts'
import { readTopics } from '../helpers/kafka.ts'
import { envFor, spawnService } from '../helpers/process.ts'
import { eventually, runLimited, startTestService, type TestService, testConfig } from '../helpers/stack.ts'
import { assertConsistent, createPolicy, policyState, userIds, waitSettled } from './fixtures.ts'

/** Consumers scale out as separate processes in one group; members joining and leaving under load lose nothing. */
describe('coupon consumers scaled out', () => {
  let api: TestService
  before(async () => {
    api = await startTestService(couponFeature, testConfig({ KAFKA_TOPIC_PARTITIONS: '4' }), {
      consume: false,
    })
  })
  after(() => api.close())

  it('two instances split the partitions; a member joining and one leaving mid-burst lose and duplicate nothing', async () => {
    const config = api.runtime.config
    const topics = flowTopics('coupon', config.kafka.topicPrefix)
    const scaled = spawnService(['scale', '--service', 'coupon', '--instances', '2'], envFor(config))
    let joiner: ReturnType<typeof spawnService> | undefined
    try {
      const split = await eventually(
        async () => {
          const lag = await readGroupLag(config.kafka, config.coupon.groupId, [topics.requests])
          const owners = new Set(lag.partitions.map((p) => p.member))
          return lag.members === 2 && owners.size === 2 && !owners.has(null) ? lag : undefined
        },
        60_000,
        'two members sharing the partitions',
      )
      assert.equal(split.partitions.length, 4)

      const policies = await Promise.all(
        Array.from({ length: 6 }, () => createPolicy(api.url, { total: 40 })),
      )
      const requests = policies.flatMap((policyId) => userIds(120).map((userId) => ({ policyId, userId })))
      const burst = runLimited(
        requests.map((body) => () => post(`${api.url}/api/coupons/issue?strategy=v3`, body)),
        50,
      )
      joiner = spawnService(['coupon', '--no-http', '--instance', 'joiner'], envFor(config))
      await eventually(async () => {
        const lag = await readGroupLag(config.kafka, config.coupon.groupId, [topics.requests])
        return lag.members === 3 ? true : undefined
      }, 60_000)
      await joiner.stop()
      const responses = await burst
      const accepted = responses.filter((response) => response.status === 202).length
      assert.equal(responses.filter((response) => response.status >= 500).length, 0)

      for (const policyId of policies) {
        const count = responses.filter(
          (r, i) => r.status === 202 && requests[i]?.policyId === policyId,
        ).length
        await waitSettled(api.runtime, policyId, count)
        const state = await policyState(api.runtime, policyId)
        assert.equal(state.coupons, 40, `policy ${policyId}: all stock issued, none beyond`)
        assertConsistent(state)
      }
      const outcomes = (await readTopics(config, [topics.success, topics.failures], accepted)).map((m) =>
        JSON.parse(m.value),
      )
      assert.equal(outcomes.length, accepted, 'one outcome per accepted request')
      assert.equal(new Set(outcomes.map((o) => o.requestId)).size, accepted, 'no outcome twice')
    } finally {
      await joiner?.stop()
      await scaled.stop()
    }
  })
})
