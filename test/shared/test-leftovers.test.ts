/**
 * `npm test` shares the developer's broker: a test run must leave no consumer group or topic of its own
 * behind (they would show in `kafka-consumer-groups --list` and in lag dashboards).
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { Admin } from '@platformatic/kafka'
import { couponFeature } from '../../src/coupon/feature.ts'
import { flowTopics } from '../../src/flows.ts'
import { createPolicy, userIds, waitSettled } from '../coupon/fixtures.ts'
import { post } from '../helpers/http.ts'
import { readTopics } from '../helpers/kafka.ts'
import { startTestService, testConfig } from '../helpers/stack.ts'

describe('test helpers clean up the broker', () => {
  const config = testConfig()
  const stem = config.kafka.topicPrefix.replace(/\.$/, '')
  const admin = new Admin({ clientId: 'test-leftovers', bootstrapBrokers: [...config.kafka.brokers] })
  after(() => admin.close())

  const groupsOfStem = async () =>
    [...(await admin.listGroups()).keys()].filter((group) => group.includes(stem)).sort()

  it('deletes the consumer groups and topics a test service and a topic reader created', async () => {
    const service = await startTestService(couponFeature, config)
    const policyId = await createPolicy(service.url, { total: 5 })
    const [userId] = userIds(1)
    const accepted = await post(`${service.url}/api/coupons/issue?strategy=v3`, { policyId, userId })
    assert.equal(accepted.status, 202)
    // Settled: the service's group has committed offsets, so it outlives its members unless deleted.
    await waitSettled(service.runtime, policyId, 1)
    const read = await readTopics(config, [flowTopics('coupon', config.kafka.topicPrefix).requests], 1, {
      timeoutMs: 10_000,
      settleMs: 0,
    })
    assert.ok(read.length >= 1, 'the reader saw the request')
    assert.ok((await groupsOfStem()).some((group) => group === config.coupon.groupId))
    await service.close()
    assert.deepEqual(await groupsOfStem(), [])
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(config.kafka.topicPrefix))
    assert.deepEqual(topics, [])
  })
})
