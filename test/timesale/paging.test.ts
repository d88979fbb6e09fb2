import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { flowTopics } from '../../src/flows.ts'
import type { Pool } from '../../src/platform/postgres.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { get } from '../helpers/http.ts'
import { BAD_PAGE_QUERIES, links, totalCount, walkPages } from '../helpers/paging.ts'
import { eventually, startTestService, type TestService, uniqueSuffix } from '../helpers/stack.ts'
import { createSale } from './fixtures.ts'

/**
 * Gives `userId` `count` one-unit orders of a new sale, straight in PostgreSQL (the sale's window is over,
 * so no service warms its Redis state). Returns the order ids, newest first.
 */
async function userWithOrders(pool: Pool, userId: string, count: number): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `WITH s AS (
       INSERT INTO time_sales (product_name, original_price, sale_price, total_quantity, sold_quantity,
                               start_at, end_at)
       VALUES ('paging', 100, 50, $2, $2, now() - interval '2 hours', now() - interval '1 hour')
       RETURNING id)
     INSERT INTO timesale_orders (time_sale_id, user_id, quantity, unit_price, total_price, request_id, strategy)
     SELECT s.id, $1, 1, 50, 50, gen_random_uuid(), 'v1' FROM s, generate_series(1, $2)
     RETURNING id`,
    [userId, count],
  )
  return rows.map((row) => row.id).sort((a, b) => Number(BigInt(b) - BigInt(a)))
}

describe('time-sale lists page', () => {
  let service: TestService
  const userId = `pager-${uniqueSuffix()}`
  let orderIds: string[]
  before(async () => {
    service = await startTestService(timesaleFeature)
    orderIds = await userWithOrders(service.runtime.pool, userId, 1003)
  })
  after(() => service.close())

  const userPath = () => `/api/timesales/users/${userId}/orders`

  it('a user with 1,003 orders: the default page says more exist, offset 1000 answers the last 3', async () => {
    const first = await get<Array<{ id: string }>>(`${service.url}${userPath()}`)
    assert.equal(first.status, 200)
    assert.deepEqual(
      first.body.map((order) => order.id),
      orderIds.slice(0, 100),
    )
    assert.equal(totalCount(first), 1003)
    assert.deepEqual(links(first.headers), { next: `${userPath()}?limit=100&offset=100` })

    const last = await get<Array<{ id: string; userId: string }>>(
      `${service.url}${userPath()}?limit=100&offset=1000`,
    )
    assert.deepEqual(
      last.body.map((order) => order.id),
      orderIds.slice(1000),
    )
    assert.ok(last.body.every((order) => order.userId === userId))
    assert.equal(totalCount(last), 1003)
    assert.deepEqual(links(last.headers), { prev: `${userPath()}?limit=100&offset=900` })
  })

  it('following rel="next" reads every order once, in order', async () => {
    const walked = await walkPages<{ id: string }>(service.url, `${userPath()}?limit=300`)
    assert.equal(walked.pages, 4)
    assert.deepEqual(
      walked.items.map((order) => order.id),
      orderIds,
    )
  })

  it('lists sales a page at a time, newest first', async () => {
    const newest = await createSale(service.url, { total: 1 })
    const page = await get<Array<{ id: string }>>(`${service.url}/api/timesales?limit=2`)
    assert.equal(page.status, 200)
    assert.equal(page.body.length, 2)
    assert.ok(BigInt(page.body[0]?.id ?? 0) >= BigInt(newest), 'newest first')
    assert.ok(BigInt(page.body[0]?.id ?? 0) > BigInt(page.body[1]?.id ?? 0))
    assert.ok(totalCount(page) >= 2)
    assert.equal(links(page.headers).next, '/api/timesales?limit=2&offset=2')
    const past = await get<unknown[]>(`${service.url}/api/timesales?offset=999999999`)
    assert.deepEqual(past.body, [])
    assert.equal(links(past.headers).next, undefined)
  })

  it('refuses a bad or unknown query parameter on every list with 400', async () => {
    for (const path of [userPath(), '/api/timesales', '/api/timesales/admin/dlq']) {
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
    const topics = flowTopics('timesale', service.runtime.config.kafka.topicPrefix)
    const saleId = await createSale(service.url, { total: 1 })
    await service.runtime.producer.sendAll(
      Array.from({ length: 3 }, () => ({
        topic: topics.requests,
        key: saleId,
        value: JSON.stringify({ v: 1, requestId: randomUUID(), timeSaleId: 'not-an-id' }),
      })),
    )
    await eventually(async () => {
      const all = await get<{ count: number }>(`${service.url}/api/timesales/admin/dlq`)
      return all.body.count === 3 ? true : undefined
    }, 30_000)
    const first = await get<{ count: number; messages: unknown[] }>(
      `${service.url}/api/timesales/admin/dlq?limit=2`,
    )
    assert.deepEqual([first.body.count, first.body.messages.length, totalCount(first)], [3, 2, 3])
    assert.equal(links(first.headers).next, '/api/timesales/admin/dlq?limit=2&offset=2')
  })

  it('documents limit, offset and the paging headers of every list', async () => {
    const doc = await get<{
      paths: Record<
        string,
        Record<
          string,
          {
            parameters?: Array<{ in: string; name: string }>
            responses: Record<string, { headers?: Record<string, unknown> }>
          }
        >
      >
    }>(`${service.url}/docs/json`)
    for (const path of [
      '/api/timesales',
      '/api/timesales/users/{userId}/orders',
      '/api/timesales/admin/dlq',
    ]) {
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
