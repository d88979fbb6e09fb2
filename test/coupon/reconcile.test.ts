import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { couponFeature } from '../../src/coupon/feature.ts'
import { post } from '../helpers/http.ts'
import { startTestService, type TestService } from '../helpers/stack.ts'
import { assertConsistent, createPolicy, policyState, userIds } from './fixtures.ts'

describe('coupon reconciliation of Redis with PostgreSQL', () => {
  let service: TestService
  before(async () => {
    service = await startTestService(couponFeature)
  })
  after(() => service.close())

  async function issueV1(policyId: string, users: readonly string[]) {
    for (const userId of users) {
      const response = await post(`${service.url}/api/coupons/issue?strategy=v1`, { policyId, userId })
      assert.equal(response.status, 201)
    }
  }

  it('reports drift without touching Redis on a dry run, then repairs it; reservations in flight are left alone', async () => {
    const policyId = await createPolicy(service.url, { total: 10 })
    const users = userIds(4)
    await issueV1(policyId, users)
    const redis = service.runtime.redis
    const tag = `{c:${policyId}}`
    // Drift: a lost holder, a phantom holder, a wrong total; plus a legitimate reservation in flight.
    await redis.hdel(`${tag}:holders`, users[0] as string)
    await redis.hset(`${tag}:holders`, '424242', randomUUID())
    await redis.hset(`${tag}:meta`, 'total', '99')
    const inFlight = randomUUID()
    await redis.hset(`${tag}:holders`, '434343', inFlight)
    await redis.hset(`${tag}:outcomes`, inFlight, 'ISSUED')

    const dry = await post<{ reports: Array<Record<string, unknown>> }>(
      `${service.url}/api/coupons/admin/reconcile`,
      {
        repair: false,
        ids: [policyId],
      },
    )
    assert.equal(dry.status, 200)
    const [report] = dry.body.reports
    assert.equal(report?.missingInRedis, 1)
    assert.equal(report?.unknownToPostgres, 1)
    assert.equal(report?.totalMismatch, true)
    assert.equal(report?.inFlight, 1)
    assert.equal(report?.repaired, null)
    assert.equal(await redis.hget(`${tag}:meta`, 'total'), '99', 'a dry run changes nothing')

    const fixed = await post<{ reports: Array<Record<string, unknown>> }>(
      `${service.url}/api/coupons/admin/reconcile`,
      {
        ids: [policyId],
      },
    )
    assert.deepEqual(fixed.body.reports[0]?.repaired, { added: 1, removed: 1 })
    assert.equal(await redis.hget(`${tag}:meta`, 'total'), '10')
    assert.equal(await redis.hget(`${tag}:holders`, '434343'), inFlight, 'the reservation in flight stays')
    assert.equal(await redis.hexists(`${tag}:holders`, '424242'), 0)
    assert.ok(await redis.hexists(`${tag}:holders`, users[0] as string))

    // Once the in-flight reservation is gone, the state matches PostgreSQL exactly.
    await redis.hdel(`${tag}:outcomes`, inFlight)
    await redis.hdel(`${tag}:holders`, '434343')
    assertConsistent(await policyState(service.runtime, policyId))
  })

  it('rebuilds a policy whose Redis state was lost entirely, and v3 then respects the earlier coupons', async () => {
    const policyId = await createPolicy(service.url, { total: 3 })
    const users = userIds(3)
    await issueV1(policyId, users.slice(0, 2))
    const tag = `{c:${policyId}}`
    await service.runtime.redis.del(`${tag}:meta`, `${tag}:holders`)
    const repeat = await post(`${service.url}/api/coupons/issue?strategy=v3`, { policyId, userId: users[0] })
    assert.equal(repeat.status, 409, 'the rebuilt state knows the v1 coupon')
    assert.equal(repeat.body.code, 'ALREADY_ISSUED')
    const fixed = await post<{ reports: Array<Record<string, unknown>> }>(
      `${service.url}/api/coupons/admin/reconcile`,
      {
        ids: [policyId],
      },
    )
    assert.equal(fixed.body.reports[0]?.drifted, false, 'the rebuild on access already restored it')
    assertConsistent(await policyState(service.runtime, policyId))
  })

  it('removes the holder a v2 request left behind when it died between Redis and PostgreSQL', async () => {
    const policyId = await createPolicy(service.url, { total: 2 })
    const [userId] = userIds(1) as [string]
    const tag = `{c:${policyId}}`
    // What v2 leaves after a crash inside its lock: a holder without an in-flight record.
    await service.runtime.redis.hset(`${tag}:holders`, userId, randomUUID())
    const refused = await post(`${service.url}/api/coupons/issue?strategy=v2`, { policyId, userId })
    assert.equal(refused.body.code, 'ALREADY_ISSUED', 'until reconciliation, the phantom holder counts')
    const fixed = await post<{ reports: Array<Record<string, unknown>> }>(
      `${service.url}/api/coupons/admin/reconcile`,
      {
        ids: [policyId],
      },
    )
    assert.deepEqual(fixed.body.reports[0]?.repaired, { added: 0, removed: 1 })
    const issued = await post(`${service.url}/api/coupons/issue?strategy=v2`, { policyId, userId })
    assert.equal(issued.status, 201)
    assertConsistent(await policyState(service.runtime, policyId))
  })
})
