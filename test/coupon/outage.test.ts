import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { couponFeature } from '../../src/coupon/feature.ts'
import { post } from '../helpers/http.ts'
import { eventually, startTestService, type TestService, testConfig } from '../helpers/stack.ts'
import { TcpProxy } from '../helpers/tcp-proxy.ts'
import { createPolicy, userIds } from './fixtures.ts'

/** Redis becomes unreachable for the service (a proxy in between drops every connection). */
describe('coupon accept path while Redis is down', () => {
  let proxy: TcpProxy
  let service: TestService
  before(async () => {
    const url = new URL(testConfig().redis.url)
    proxy = await TcpProxy.start(url.hostname, Number(url.port))
    url.port = String(proxy.port)
    service = await startTestService(couponFeature, testConfig({ REDIS_URL: url.toString() }), {
      consume: false,
    })
  })
  after(async () => {
    proxy.restore()
    await service.close()
    await proxy.close()
  })

  it('answers 503 DEPENDENCY_UNAVAILABLE (not 500), then accepts again once Redis is back', async () => {
    const policyId = await createPolicy(service.url, { total: 10 })
    const [first, second] = userIds(2) as [string, string]
    proxy.cut()
    for (const strategy of ['v2', 'v3']) {
      const response = await post(`${service.url}/api/coupons/issue?strategy=${strategy}`, {
        policyId,
        userId: first,
      })
      assert.equal(response.status, 503, `${strategy}: ${JSON.stringify(response.body)}`)
      assert.equal(response.body.code, 'DEPENDENCY_UNAVAILABLE')
      assert.match(String(response.body.message), /[가-힣]/)
    }
    proxy.restore()
    // The client reconnects with a backoff; the first requests after the restore may still fail.
    const accepted = await eventually(async () => {
      const response = await post(`${service.url}/api/coupons/issue?strategy=v3`, {
        policyId,
        userId: second,
      })
      return response.status === 503 ? undefined : response
    }, 10_000)
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body))
  })
})
