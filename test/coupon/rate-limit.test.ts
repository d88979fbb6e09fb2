import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { couponFeature } from '../../src/coupon/feature.ts'
import { post, tally } from '../helpers/http.ts'
import { startTestService, type TestService, testConfig } from '../helpers/stack.ts'
import { createPolicy, policyState, userIds, waitSettled } from './fixtures.ts'

describe('coupon issue rate limits', () => {
  let service: TestService
  before(async () => {
    service = await startTestService(
      couponFeature,
      testConfig({ RATE_LIMIT_MAX: '3', RATE_LIMIT_BY: 'user', RATE_LIMIT_WINDOW_MS: '60000' }),
    )
  })
  after(() => service.close())

  it("answers 429 RATE_LIMITED past a user's budget, leaves other users alone, and changes nothing then", async () => {
    const policyId = await createPolicy(service.url, { total: 100 })
    const [first, ...others] = userIds(10) as [string, ...string[]]
    const own = []
    for (let i = 0; i < 5; i++)
      own.push(await post(`${service.url}/api/coupons/issue?strategy=v3`, { policyId, userId: first }))
    assert.deepEqual(tally(own), { '202': 1, '409:ALREADY_ISSUED': 2, '429:RATE_LIMITED': 2 })
    const limited = own.at(-1)?.body ?? {}
    assert.equal(limited.statusCode, 429)
    assert.match(String(limited.message), /[가-힣]/)
    assert.equal(limited.path, '/api/coupons/issue')

    const rest = []
    for (const userId of others)
      rest.push(await post(`${service.url}/api/coupons/issue?strategy=v3`, { policyId, userId }))
    assert.deepEqual(tally(rest), { '202': 9 }, 'each user has a budget of its own')

    await waitSettled(service.runtime, policyId, 10)
    assert.equal(
      (await policyState(service.runtime, policyId)).coupons,
      10,
      'limited requests issued nothing',
    )
  })

  it('counts one budget per user whatever the spelling of a UUID user id', async () => {
    const policyId = await createPolicy(service.url, { total: 100 })
    const uuid = randomUUID()
    const answers = []
    for (const userId of [uuid, uuid.toUpperCase(), uuid, uuid.toUpperCase()])
      answers.push(await post(`${service.url}/api/coupons/issue?strategy=v1`, { policyId, userId }))
    assert.deepEqual(tally(answers), { '201': 1, '409:ALREADY_ISSUED': 2, '429:RATE_LIMITED': 1 })
  })
})
