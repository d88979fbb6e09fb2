import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { INSTANT_PATTERN } from '../../src/platform/schema-keywords.ts'
import { TEXT_PATTERN } from '../../src/shared/fields.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { dig, get, post, request } from '../helpers/http.ts'
import { startTestService, type TestService, testConfig } from '../helpers/stack.ts'
import { createSale, orderUrl, saleBody, saleState, userIds, waitSettled } from './fixtures.ts'

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

/** A body whose `totalQuantity` marks it, so that a test can tell whether it was stored. */
function body(change: Record<string, unknown> = {}) {
  return {
    ...saleBody({ total: 1_000_000 + Math.floor(Math.random() * 8_999_999) }),
    endAt: '2027-12-31T23:59:59Z',
    ...change,
  }
}

/** Issue 9's examples on the time-sale service: each kind of bad input is a 400 naming its field. */
describe('time-sale input kinds', () => {
  const config = testConfig()
  let service: TestService
  let consumer: TestService | undefined
  before(async () => {
    // The consumer starts later, so that a request can be seen while it is queued.
    service = await startTestService(timesaleFeature, config, { consume: false })
  })
  after(async () => {
    await consumer?.close()
    await service.close()
  })

  async function salesWith(totalQuantity: unknown): Promise<number> {
    if (typeof totalQuantity !== 'number') return 0
    const { rows } = await service.runtime.pool.query('SELECT 1 FROM time_sales WHERE total_quantity = $1', [
      totalQuantity,
    ])
    return rows.length
  }

  async function assertRefused(change: Record<string, unknown>, field: string) {
    const sent = body(change)
    const response = await post(`${service.url}/api/timesales`, sent)
    assert.equal(response.status, 400, `${JSON.stringify(change)}: ${JSON.stringify(response.body)}`)
    assert.equal(response.body.code, 'VALIDATION_FAILED')
    assert.match(String(response.body.message), new RegExp(field), JSON.stringify(response.body))
    const details = response.body.details as Array<{ field: string }>
    assert.ok(
      details.some((detail) => detail.field === field),
      JSON.stringify(details),
    )
    assert.equal(await salesWith(sent.totalQuantity), 0, 'nothing stored')
  }

  it('date-times: a leap second or a year outside 0000-9999 is a 400 naming the field', async () => {
    await assertRefused({ endAt: '2027-12-31T23:59:60Z' }, 'endAt')
    await assertRefused({ startAt: '0000-01-01T00:00:00+01:00' }, 'startAt')
    await assertRefused({ endAt: '9999-12-31T23:59:59-01:00' }, 'endAt')
    await assertRefused({ endAt: '+010000-01-01T00:00:00Z' }, 'endAt')
    await assertRefused({ startAt: '2027-02-29T00:00:00Z' }, 'startAt')
    const created = await post(`${service.url}/api/timesales`, body())
    assert.equal(created.status, 201, JSON.stringify(created.body))
    for (const field of ['startAt', 'endAt', 'createdAt'])
      assert.match(String(created.body[field]), RFC3339, field)
    assert.equal(created.body.endAt, '2027-12-31T23:59:59.000Z')
  })

  it('text: NUL, other control characters and white space alone are a 400 on the field', async () => {
    await assertRefused({ productName: 'a\u0000b' }, 'productName')
    await assertRefused({ productName: 'a\u0008b' }, 'productName')
    await assertRefused({ productName: '\u00a0\u3000' }, 'productName')
    const sent = body({ productName: '한정 수량\n특가 😀' })
    const created = await post(`${service.url}/api/timesales`, sent)
    assert.equal(created.status, 201)
    const { rows } = await service.runtime.pool.query<{ name: string }>(
      'SELECT product_name AS name FROM time_sales WHERE id = $1',
      [created.body.id],
    )
    assert.equal(rows[0]?.name, sent.productName, 'stored as sent')
  })

  it('money: more decimals than stored are a 400, never rounded', async () => {
    await assertRefused({ salePrice: 19.999 }, 'salePrice')
    await assertRefused({ originalPrice: 50_000.001 }, 'originalPrice')
    await assertRefused({ salePrice: 1e-9 }, 'salePrice')
    const created = await post(
      `${service.url}/api/timesales`,
      body({ originalPrice: 12.34, salePrice: 0.01 }),
    )
    assert.equal(created.status, 201, JSON.stringify(created.body))
    assert.deepEqual([created.body.originalPrice, created.body.salePrice], [12.34, 0.01])
    const { rows } = await service.runtime.pool.query<{ original: string; sale: string }>(
      'SELECT original_price::text AS original, sale_price::text AS sale FROM time_sales WHERE id = $1',
      [created.body.id],
    )
    assert.deepEqual(rows[0], { original: '12.34', sale: '0.01' }, 'stored as sent')
  })

  it('ids: an upper-case requestId finds the request while queued and once settled', async () => {
    const saleId = await createSale(service.url, { total: 5 })
    const [userId] = userIds(1) as [string]
    const accepted = await post(orderUrl(service.url, saleId, 'v3'), { userId, quantity: 1 })
    assert.equal(accepted.status, 202)
    const requestId = String(accepted.body.requestId)
    const upper = requestId.toUpperCase()
    assert.notEqual(upper, requestId)

    const queued = await get(`${service.url}/api/timesales/orders/requests/${upper}`)
    assert.equal(queued.status, 200, JSON.stringify(queued.body))
    assert.equal(queued.body.status, 'QUEUED')
    assert.equal(queued.body.requestId, requestId, 'answered in the canonical spelling')
    assert.match(String(queued.body.updatedAt), RFC3339)

    consumer = await startTestService(timesaleFeature, config, { http: false, consume: true })
    await waitSettled(service.runtime, saleId, 1)
    for (const spelling of [upper, requestId]) {
      const settled = await get(`${service.url}/api/timesales/orders/requests/${spelling}`)
      assert.equal(settled.status, 200, JSON.stringify(settled.body))
      assert.equal(settled.body.status, 'COMPLETED')
      assert.equal(settled.body.requestId, requestId)
    }
    // The result stream finds it too: resuming after its final state answers 204, not 404.
    const stream = await request(
      'GET',
      `${service.url}/api/timesales/orders/requests/${upper}/events`,
      undefined,
      {
        'last-event-id': 'COMPLETED',
      },
    )
    assert.equal(stream.status, 204, JSON.stringify(stream.body))
  })

  it('ids: leading zeros, a sign or white space are a 400 before any lookup; numbers equal strings', async () => {
    const saleId = await createSale(service.url, { total: 5, maxPerUser: 1 })
    const before = await saleState(service.runtime, saleId)
    const [userId] = userIds(1) as [string]
    for (const strategy of ['v1', 'v2', 'v3']) {
      for (const [id, userIdSent] of [
        [`0${saleId}`, userId],
        [`%2B${saleId}`, userId],
        [`%20${saleId}`, userId],
        [saleId, `+${userId}`],
        [saleId, ` ${userId}`],
        [saleId, `${userId}\t`],
      ] as const) {
        const response = await post(orderUrl(service.url, id, strategy), { userId: userIdSent, quantity: 1 })
        assert.equal(response.status, 400, `${strategy} ${id} ${userIdSent}`)
        assert.equal(response.body.code, 'VALIDATION_FAILED')
      }
    }
    assert.deepEqual(await saleState(service.runtime, saleId), before, 'nothing changed')
    for (const path of [`0${saleId}`, `%2B${saleId}`, `users/%2B${userId}/orders`]) {
      const response = await get(`${service.url}/api/timesales/${path}`)
      assert.equal(response.status, 400, path)
      assert.equal(response.body.code, 'VALIDATION_FAILED', path)
    }
    const completed = await post(orderUrl(service.url, saleId, 'v1'), { userId: Number(userId), quantity: 1 })
    assert.equal(completed.status, 201)
    assert.equal(completed.body.userId, userId)
    const again = await post(orderUrl(service.url, saleId, 'v2'), { userId, quantity: 1 })
    assert.equal(again.body.code, 'LIMIT_EXCEEDED', 'the number and the string are one user')
  })

  it('states every rule in the OpenAPI document', async () => {
    const doc = (await get(`${service.url}/docs/json`)).body
    const body = dig(
      doc,
      'paths',
      '/api/timesales',
      'post',
      'requestBody',
      'content',
      'application/json',
      'schema',
      'properties',
    )
    assert.equal(dig(body, 'productName', 'pattern'), TEXT_PATTERN)
    assert.equal(dig(body, 'startAt', 'x-instant'), true)
    assert.equal(dig(body, 'endAt', 'pattern'), INSTANT_PATTERN)
    assert.equal(dig(body, 'originalPrice', 'x-decimals'), 2)
    assert.equal(dig(body, 'salePrice', 'x-decimals'), 2)
    const status = dig(doc, 'paths', '/api/timesales/orders/requests/{requestId}', 'get', 'parameters', 0)
    assert.equal(dig(status, 'schema', 'x-normalize'), 'uuid')
  })
})
