import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { couponFeature } from '../../src/coupon/feature.ts'
import { lockKey } from '../../src/coupon/stock.ts'
import { RedisLock } from '../../src/platform/lock.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { createPolicy, userIds } from '../coupon/fixtures.ts'
import { startTestService, type TestService, testConfig } from '../helpers/stack.ts'
import { createSale, orderUrl } from '../timesale/fixtures.ts'

interface Answer {
  status: number
  replayed: boolean
  location: string | null
  body: Record<string, unknown>
}

async function issue(url: string, body: object, key?: string, strategy = 'v3'): Promise<Answer> {
  const response = await fetch(`${url}/api/coupons/issue?strategy=${strategy}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) },
    body: JSON.stringify(body),
  })
  return {
    status: response.status,
    replayed: response.headers.get('idempotent-replayed') === 'true',
    location: response.headers.get('location'),
    body: (await response.json()) as Record<string, unknown>,
  }
}

describe('Idempotency-Key across two instances', () => {
  const config = testConfig()
  let a: TestService
  let b: TestService
  let impatient: TestService
  before(async () => {
    a = await startTestService(couponFeature, config)
    b = await startTestService(couponFeature, config, { consume: false })
    const noWait = { ...config.clientApi, idempotency: { ...config.clientApi.idempotency, waitMs: 0 } }
    // Also a short v2 lock wait: it answers 503 LOCK_TIMEOUT while a test holds the lock.
    const shortLock = { ...config.http, lock: { ...config.http.lock, waitMs: 300 } }
    impatient = await startTestService(
      couponFeature,
      { ...config, http: shortLock, clientApi: noWait },
      { consume: false },
    )
  })
  after(async () => {
    await impatient.runtime.lifecycle.close()
    await b.runtime.lifecycle.close()
    await a.close()
  })

  it('gives concurrent retries on both instances the one original v3 answer (same requestId)', async () => {
    const policyId = await createPolicy(a.url, { total: 10 })
    const [userId] = userIds(1)
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => issue(i % 2 ? b.url : a.url, { policyId, userId }, 'retry-1')),
    )
    const first = answers.find((answer) => !answer.replayed)
    assert.ok(first)
    assert.equal(answers.filter((answer) => !answer.replayed).length, 1, 'the work was done once')
    for (const answer of answers) {
      assert.equal(answer.status, 202)
      assert.deepEqual(answer.body, first.body)
      assert.equal(answer.location, `/api/coupons/requests/${String(first.body.requestId)}`)
    }
    // Without the key the same request is a duplicate.
    const plain = await issue(b.url, { policyId, userId })
    assert.equal(plain.status, 409)
    assert.equal(plain.body.code, 'ALREADY_ISSUED')
  })

  it('replays a synchronous answer (v1 201) and business errors, but keys are per user', async () => {
    const policyId = await createPolicy(a.url, { total: 1 })
    const [first, second] = userIds(2)
    const issued = await issue(a.url, { policyId, userId: first }, 'k-1', 'v1')
    assert.equal(issued.status, 201)
    const again = await issue(b.url, { policyId, userId: first }, 'k-1', 'v1')
    assert.equal(again.status, 201)
    assert.ok(again.replayed)
    assert.deepEqual(again.body, issued.body)

    // The same key of another user is that user's own: it does its own work (sold out here).
    const other = await issue(b.url, { policyId, userId: second }, 'k-1', 'v1')
    assert.equal(other.status, 409)
    assert.equal(other.body.code, 'SOLD_OUT')
    assert.equal(other.replayed, false)
    const otherAgain = await issue(a.url, { policyId, userId: second }, 'k-1', 'v1')
    assert.equal(otherAgain.status, 409)
    assert.ok(otherAgain.replayed)
  })

  it('fingerprints the normalised request: a user id in another spelling replays the answer', async () => {
    const policyId = await createPolicy(a.url, { total: 5 })
    const uuid = randomUUID()
    const first = await issue(a.url, { policyId, userId: uuid }, 'case-1', 'v1')
    assert.equal(first.status, 201)
    // Same user (a UUID in upper case), same key, policy id as a number: the same request, replayed.
    const spelt = await issue(
      b.url,
      { policyId: Number(policyId), userId: uuid.toUpperCase() },
      'case-1',
      'v1',
    )
    assert.deepEqual([spelt.status, spelt.replayed, spelt.body], [201, true, first.body])
    // An integer user id as a JSON number and as its string are one user, and one request.
    const [numeric] = userIds(1)
    const asString = await issue(a.url, { policyId, userId: numeric }, 'case-2', 'v1')
    assert.equal(asString.status, 201)
    const asNumber = await issue(b.url, { policyId, userId: Number(numeric) }, 'case-2', 'v1')
    assert.deepEqual([asNumber.status, asNumber.replayed, asNumber.body], [201, true, asString.body])
  })

  it('refuses the same key with another request (422) and malformed keys (400)', async () => {
    const policyId = await createPolicy(a.url, { total: 5 })
    const otherPolicy = await createPolicy(a.url, { total: 5 })
    const [userId] = userIds(1)
    assert.equal((await issue(a.url, { policyId, userId }, 'k-2')).status, 202)
    const reused = await issue(b.url, { policyId: otherPolicy, userId }, 'k-2')
    assert.equal(reused.status, 422)
    assert.equal(reused.body.code, 'IDEMPOTENCY_KEY_REUSED')
    const otherStrategy = await issue(b.url, { policyId, userId }, 'k-2', 'v1')
    assert.equal(otherStrategy.status, 422)

    for (const bad of ['', 'x'.repeat(256), 'has space', 'ümlaut', 'semi;colon']) {
      const answer = await issue(a.url, { policyId, userId }, bad)
      assert.equal(answer.status, 400, `key ${JSON.stringify(bad)}`)
      assert.equal(answer.body.code, 'IDEMPOTENCY_KEY_INVALID')
    }
    assert.equal((await issue(a.url, { policyId: otherPolicy, userId }, 'x'.repeat(255))).status, 202)
  })

  it('answers 409 IDEMPOTENCY_KEY_IN_USE while the first is in flight, then the original answer', async () => {
    const policyId = await createPolicy(a.url, { total: 5 })
    const [userId] = userIds(1)
    // Hold the policy's v2 lock so the first request waits inside its work.
    const lock = new RedisLock(a.runtime.redis, { ttlMs: 5_000, waitMs: 1_000, retryMs: 2 })
    const token = await lock.acquire(lockKey(policyId))
    const inFlight = issue(a.url, { policyId, userId }, 'k-3', 'v2')
    await new Promise((resolve) => setTimeout(resolve, 300))
    const busy = await issue(impatient.url, { policyId, userId }, 'k-3', 'v2')
    assert.equal(busy.status, 409)
    assert.equal(busy.body.code, 'IDEMPOTENCY_KEY_IN_USE')
    // A patient retry (IDEMPOTENCY_WAIT_MS 3 s) waits for the answer instead.
    const patient = issue(b.url, { policyId, userId }, 'k-3', 'v2')
    await new Promise((resolve) => setTimeout(resolve, 300))
    await lock.release(lockKey(policyId), token)
    const [original, waited] = await Promise.all([inFlight, patient])
    assert.equal(original.status, 201)
    assert.equal(waited.status, 201)
    assert.ok(waited.replayed)
    assert.deepEqual(waited.body, original.body)
  })

  it('keeps no 5xx answer: a retry after 503 does the work', async () => {
    const policyId = await createPolicy(a.url, { total: 5 })
    const [userId] = userIds(1)
    const lock = new RedisLock(a.runtime.redis, { ttlMs: 5_000, waitMs: 1_000, retryMs: 2 })
    const token = await lock.acquire(lockKey(policyId))
    const refused = await issue(impatient.url, { policyId, userId }, 'k-4', 'v2')
    assert.equal(refused.status, 503)
    assert.equal(refused.body.code, 'LOCK_TIMEOUT')
    await lock.release(lockKey(policyId), token)
    const retried = await issue(impatient.url, { policyId, userId }, 'k-4', 'v2')
    assert.equal(retried.status, 201)
    assert.equal(retried.replayed, false)
  })

  it('takes the header on promotion creation too', async () => {
    const body = {
      title: 'idempotent policy',
      totalQuantity: 3,
      startTime: new Date(Date.now() - 60_000).toISOString(),
      endTime: new Date(Date.now() + 600_000).toISOString(),
      discountType: 'FIXED',
      discountValue: 500,
    }
    const create = (url: string) =>
      fetch(`${url}/api/coupons/policies`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': `policy-${config.redis.keyPrefix}`,
        },
        body: JSON.stringify(body),
      }).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as { id: string },
      }))
    const [one, two] = [await create(a.url), await create(b.url)]
    assert.equal(one.status, 201)
    assert.equal(two.status, 201)
    assert.equal(two.body.id, one.body.id)
  })
})

describe('Idempotency-Key on time-sale orders', () => {
  const config = testConfig()
  let a: TestService
  let b: TestService
  before(async () => {
    // No consumer: the queue stays as accepted, so positions show how many orders were queued.
    a = await startTestService(timesaleFeature, config, { consume: false })
    b = await startTestService(timesaleFeature, config, { consume: false })
  })
  after(async () => {
    await b.runtime.lifecycle.close()
    await a.close()
  })

  it('queues a retried order once: same requestId and queue position from either instance', async () => {
    const saleId = await createSale(a.url, { total: 10 })
    const [userId] = userIds(1)
    const order = (url: string, key: string) =>
      fetch(orderUrl(url, saleId, 'v3'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ userId, quantity: 1 }),
      }).then(async (response) => ({
        status: response.status,
        replayed: response.headers.get('idempotent-replayed') === 'true',
        body: (await response.json()) as Record<string, unknown>,
      }))
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => order(i % 2 ? b.url : a.url, 'o-1')),
    )
    const original = answers.filter((answer) => !answer.replayed)
    assert.equal(original.length, 1)
    for (const answer of answers) {
      assert.equal(answer.status, 202)
      assert.deepEqual(answer.body, original[0]?.body)
    }
    // The user id spelled as a JSON number is the same request: replayed, not refused as a reused key.
    const numeric = await fetch(orderUrl(b.url, saleId, 'v3'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'o-1' },
      body: JSON.stringify({ userId: Number(userId), quantity: 1 }),
    })
    assert.equal(numeric.status, 202)
    assert.equal(numeric.headers.get('idempotent-replayed'), 'true')
    assert.deepEqual(await numeric.json(), original[0]?.body)
    // A new key is a new order: the user has no per-user limit here, so it queues behind the first.
    const next = await order(b.url, 'o-2')
    assert.equal(next.status, 202)
    assert.notEqual(next.body.requestId, original[0]?.body.requestId)
    assert.equal(next.body.queuePosition, Number(original[0]?.body.queuePosition) + 1)
  })
})
