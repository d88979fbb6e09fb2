import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { couponFeature } from '../../src/coupon/feature.ts'
import { flowTopics } from '../../src/flows.ts'
import type { Pool } from '../../src/platform/postgres.ts'
import { get } from '../helpers/http.ts'
import { BAD_PAGE_QUERIES, links, totalCount, walkPages } from '../helpers/paging.ts'
import { eventually, startTestService, type TestService, uniqueSuffix } from '../helpers/stack.ts'
import { createPolicy } from './fixtures.ts'

/**
 * Gives `userId` one coupon in each of `count` new policies, straight in PostgreSQL (the policies' windows
 * are over, so no service warms their Redis state). Returns the coupon ids, newest first.
 */
async function userWithCoupons(pool: Pool, userId: string, count: number): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `WITH p AS (
       INSERT INTO coupon_policies (title, total_quantity, issued_quantity, start_time, end_time,
                                    discount_type, discount_value)
       SELECT 'paging ' || i, 1, 1, now() - interval '2 hours', now() - interval '1 hour', 'FIXED', 1000
       FROM generate_series(1, $2) AS i
       RETURNING id)
     INSERT INTO coupons (policy_id, user_id, request_id, strategy)
     SELECT id, $1, gen_random_uuid(), 'v1' FROM p ORDER BY id
     RETURNING id`,
    [userId, count],
  )
  return rows.map((row) => row.id).sort((a, b) => Number(BigInt(b) - BigInt(a)))
}

interface OpenApi {
  readonly paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Array<{ in: string; name: string }>
        responses: Record<string, { headers?: Record<string, unknown> }>
      }
    >
  >
}

describe('coupon lists page', () => {
  let service: TestService
  const userId = `pager-${uniqueSuffix()}`
  let couponIds: string[]
  before(async () => {
    service = await startTestService(couponFeature)
    couponIds = await userWithCoupons(service.runtime.pool, userId, 1003)
  })
  after(() => service.close())

  const userPath = () => `/api/coupons/users/${userId}`

  it('a user with 1,003 coupons: the default page says more exist', async () => {
    const first = await get<Array<{ id: string }>>(`${service.url}${userPath()}`)
    assert.equal(first.status, 200)
    assert.deepEqual(
      first.body.map((coupon) => coupon.id),
      couponIds.slice(0, 100),
    )
    assert.equal(totalCount(first), 1003)
    assert.deepEqual(links(first.headers), { next: `${userPath()}?limit=100&offset=100` })
  })

  it('?limit=100&offset=1000 answers the last 3 and says there is no more', async () => {
    const last = await get<Array<{ id: string; userId: string }>>(
      `${service.url}${userPath()}?limit=100&offset=1000`,
    )
    assert.equal(last.status, 200)
    assert.deepEqual(
      last.body.map((coupon) => coupon.id),
      couponIds.slice(1000),
    )
    assert.ok(last.body.every((coupon) => coupon.userId === userId))
    assert.equal(totalCount(last), 1003)
    assert.deepEqual(links(last.headers), { prev: `${userPath()}?limit=100&offset=900` })
  })

  it('following rel="next" reads every coupon once, in order', async () => {
    const walked = await walkPages<{ id: string }>(service.url, `${userPath()}?limit=1000`)
    assert.equal(walked.pages, 2)
    assert.deepEqual(
      walked.items.map((coupon) => coupon.id),
      couponIds,
    )
    const past = await get<unknown[]>(`${service.url}${userPath()}?offset=5000`)
    assert.deepEqual([past.status, past.body, totalCount(past)], [200, [], 1003])
    assert.equal(links(past.headers).next, undefined)
  })

  it('lists policies a page at a time, newest first', async () => {
    const newest = await createPolicy(service.url, { total: 1 })
    const page = await get<Array<{ id: string }>>(`${service.url}/api/coupons/policies?limit=2`)
    assert.equal(page.status, 200)
    assert.equal(page.body.length, 2)
    assert.ok(BigInt(page.body[0]?.id ?? 0) >= BigInt(newest), 'newest first')
    assert.ok(BigInt(page.body[0]?.id ?? 0) > BigInt(page.body[1]?.id ?? 0))
    assert.ok(totalCount(page) >= 1004)
    assert.equal(links(page.headers).next, '/api/coupons/policies?limit=2&offset=2')
    const defaults = await get<unknown[]>(`${service.url}/api/coupons/policies`)
    assert.equal(defaults.body.length, 100)
    const past = await get<unknown[]>(`${service.url}/api/coupons/policies?offset=999999999`)
    assert.deepEqual(past.body, [])
    assert.equal(links(past.headers).next, undefined)
  })

  it('refuses a bad or unknown query parameter on every list with 400', async () => {
    for (const path of [userPath(), '/api/coupons/policies', '/api/coupons/admin/dlq']) {
      for (const query of BAD_PAGE_QUERIES) {
        const response = await get(`${service.url}${path}?${query}`)
        assert.deepEqual(
          [response.status, response.body.code],
          [400, 'VALIDATION_FAILED'],
          `${path}?${query}`,
        )
      }
      const largest = await get(`${service.url}${path}?limit=1000&offset=0`)
      assert.equal(largest.status, 200, `${path}: limit=1000 is allowed`)
    }
  })

  it('pages the dead letters: count is every letter on the topic', async () => {
    const topics = flowTopics('coupon', service.runtime.config.kafka.topicPrefix)
    const policyId = await createPolicy(service.url, { total: 1 })
    await service.runtime.producer.sendAll(
      Array.from({ length: 5 }, () => ({
        topic: topics.requests,
        key: policyId,
        value: JSON.stringify({ v: 1, requestId: randomUUID(), policyId: 'not-an-id' }),
      })),
    )
    await eventually(async () => {
      const all = await get<{ count: number }>(`${service.url}/api/coupons/admin/dlq`)
      return all.body.count === 5 ? true : undefined
    }, 30_000)
    const first = await get<{ count: number; messages: Array<{ offset: string }> }>(
      `${service.url}/api/coupons/admin/dlq?limit=2`,
    )
    assert.deepEqual([first.body.count, first.body.messages.length, totalCount(first)], [5, 2, 5])
    assert.equal(links(first.headers).next, '/api/coupons/admin/dlq?limit=2&offset=2')
    const last = await get<{ count: number; messages: unknown[] }>(
      `${service.url}/api/coupons/admin/dlq?limit=2&offset=4`,
    )
    assert.deepEqual([last.body.count, last.body.messages.length], [5, 1])
    assert.equal(links(last.headers).next, undefined)
  })

  it('documents limit, offset and the paging headers of every list', async () => {
    const doc = await get<OpenApi>(`${service.url}/docs/json`)
    for (const path of ['/api/coupons/policies', '/api/coupons/users/{userId}', '/api/coupons/admin/dlq']) {
      const operation = doc.body.paths[path]?.get
      assert.ok(operation, path)
      const query = (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name)
      assert.deepEqual(query.sort(), ['limit', 'offset'], path)
      assert.deepEqual(Object.keys(operation.responses['200']?.headers ?? {}).sort(), [
        'Link',
        'X-Total-Count',
      ])
    }
  })
})
