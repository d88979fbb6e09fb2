import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { STRATEGIES } from '../../src/shared/strategy.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { TimeSaleRepository } from '../../src/timesale/repository.ts'
import { QUEUED_MESSAGE } from '../../src/timesale/strategies/v3.ts'
import { get, post, request } from '../helpers/http.ts'
import { eventually, startTestService, type TestService } from '../helpers/stack.ts'
import { assertConsistent, createSale, orderUrl, saleBody, saleState, userIds } from './fixtures.ts'

interface SaleBody {
  id: string
  productName: string
  originalPrice: number
  salePrice: number
  totalQuantity: number
  soldQuantity: number
  remainingQuantity: number
  maxPerUser: number | null
  startAt: string
  endAt: string
}

describe('time-sale HTTP API', () => {
  let service: TestService
  before(async () => {
    service = await startTestService(timesaleFeature)
  })
  after(() => service.close())

  it('creates a sale that is on sale inside its window at once, with live sold and remaining quantities', async () => {
    const body = saleBody({ total: 100, maxPerUser: 3, salePrice: 19_900.5 })
    const created = await post<SaleBody>(`${service.url}/api/timesales`, body)
    assert.equal(created.status, 201, JSON.stringify(created.body))
    assert.match(created.body.id, /^\d+$/)
    assert.deepEqual(
      { ...created.body, id: undefined, createdAt: undefined },
      {
        ...body,
        id: undefined,
        createdAt: undefined,
        soldQuantity: 0,
        remainingQuantity: 100,
        maxPerUser: 3,
      },
    )
    const [userId] = userIds(1) as [string]
    const ordered = await post(orderUrl(service.url, created.body.id, 'v1'), { userId, quantity: 2 })
    assert.equal(ordered.status, 201, JSON.stringify(ordered.body))
    assert.equal(ordered.body.totalPrice, 39_801)

    const fetched = await get<SaleBody>(`${service.url}/api/timesales/${created.body.id}`)
    assert.equal(fetched.status, 200)
    assert.equal(fetched.body.soldQuantity, 2)
    assert.equal(fetched.body.remainingQuantity, 98)
    const listed = await get<SaleBody[]>(`${service.url}/api/timesales?limit=100`)
    assert.equal(listed.status, 200)
    assert.ok(listed.body.some((sale) => sale.id === created.body.id && sale.soldQuantity === 2))

    const unlimited = await post<SaleBody>(`${service.url}/api/timesales`, saleBody({ total: 5 }))
    assert.equal(unlimited.status, 201)
    assert.equal(unlimited.body.maxPerUser, null)
  })

  it('answers the seed curl command as the seed shows, plus requestId and a numeric queuePosition', async () => {
    const saleId = await createSale(service.url, { total: 10 })
    // The seed's command, byte for byte apart from the sale id.
    const response = await request(
      'POST',
      `${service.url}/api/timesales/${saleId}/orders?strategy=v3`,
      '{\n    "userId": "1001",\n    "quantity": 1\n  }',
    )
    assert.equal(response.status, 202)
    assert.deepEqual(Object.keys(response.body), [
      'status',
      'message',
      'timeSaleId',
      'userId',
      'requestId',
      'queuePosition',
    ])
    const requestId = response.body.requestId as string
    assert.deepEqual(response.body, {
      status: 'QUEUED',
      message: QUEUED_MESSAGE,
      timeSaleId: saleId,
      userId: '1001',
      requestId,
      queuePosition: 1,
    })
    assert.match(requestId, /^[0-9a-f-]{36}$/)

    const settled = await eventually(async () => {
      const status = await get(`${service.url}/api/timesales/orders/requests/${requestId}`)
      return status.body.status === 'COMPLETED' ? status.body : undefined
    })
    assert.equal(settled.requestId, requestId)
    assert.equal(settled.timeSaleId, saleId)
    assert.equal(settled.userId, '1001')
    assert.equal(settled.quantity, 1)
    assert.equal(settled.queuePosition, 0)
    assert.equal(settled.code, null)
    assert.match(String(settled.orderId), /^\d+$/)

    const orders = await get<Array<{ id: string; timeSaleId: string; requestId: string; strategy: string }>>(
      `${service.url}/api/timesales/users/1001/orders`,
    )
    assert.equal(orders.status, 200)
    const order = orders.body.find((entry) => entry.timeSaleId === saleId)
    assert.deepEqual(
      { id: order?.id, requestId: order?.requestId, strategy: order?.strategy },
      { id: settled.orderId, requestId, strategy: 'v3' },
    )

    // Without `?strategy` the endpoint is v3.
    const byDefault = await post(`${service.url}/api/timesales/${saleId}/orders`, {
      userId: 1002,
      quantity: 1,
    })
    assert.equal(byDefault.status, 202)
    assert.equal(byDefault.body.userId, '1002')
  })

  it('refuses invalid sales with 400 VALIDATION_FAILED and creates nothing', async () => {
    // A name of its own: other test files create sales at the same time.
    const valid = { ...saleBody({ total: 10 }), productName: `refused ${randomUUID()}` }
    const { productName: _, ...withoutName } = valid
    const cases: Array<[string, unknown]> = [
      ['missing productName', withoutName],
      ['empty productName', { ...valid, productName: '' }],
      ['price as string', { ...valid, originalPrice: '50000' }],
      ['zero price', { ...valid, salePrice: 0 }],
      ['negative price', { ...valid, originalPrice: -1 }],
      ['sale price above the original', { ...valid, salePrice: 60_000 }],
      ['more than two decimals', { ...valid, salePrice: 10.005 }],
      ['zero quantity', { ...valid, totalQuantity: 0 }],
      ['fractional quantity', { ...valid, totalQuantity: 1.5 }],
      ['zero maxPerUser', { ...valid, maxPerUser: 0 }],
      ['start after end', { ...valid, startAt: valid.endAt, endAt: valid.startAt }],
      ['start equal to end', { ...valid, startAt: valid.endAt }],
      [
        'window already over',
        {
          ...valid,
          startAt: new Date(Date.now() - 7_200_000).toISOString(),
          endAt: new Date(Date.now() - 1).toISOString(),
        },
      ],
      ['not a date', { ...valid, startAt: 'tomorrow' }],
      ['unknown field', { ...valid, discount: 10 }],
    ]
    for (const [name, body] of cases) {
      const response = await post(`${service.url}/api/timesales`, body)
      assert.equal(response.status, 400, `${name}: ${JSON.stringify(response.body)}`)
      assert.equal(response.body.code, 'VALIDATION_FAILED', name)
      assert.equal(response.body.path, '/api/timesales')
    }
    const afterwards = await service.runtime.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM time_sales WHERE product_name = $1',
      [valid.productName],
    )
    assert.equal(afterwards.rows[0]?.n, 0)
  })

  it('names a wrong maxPerUser in one validation error, as one type that may be null', async () => {
    for (const maxPerUser of ['2', 0, 1.5, true]) {
      const response = await post(`${service.url}/api/timesales`, { ...saleBody({ total: 10 }), maxPerUser })
      assert.equal(response.status, 400, JSON.stringify(response.body))
      assert.equal(response.body.code, 'VALIDATION_FAILED')
      assert.equal(response.body.message, '요청 값이 올바르지 않습니다: maxPerUser')
      const details = response.body.details as Array<{ field: string; rule: string }>
      assert.deepEqual(
        details.map(({ field }) => field),
        ['maxPerUser'],
        `${JSON.stringify(maxPerUser)}: ${JSON.stringify(details)}`,
      )
      assert.notEqual(details[0]?.rule, 'anyOf')
    }
  })

  for (const strategy of STRATEGIES) {
    it(`${strategy}: bad order input gets the right 4xx and code and changes nothing`, async () => {
      const saleId = await createSale(service.url, { total: 10, maxPerUser: 2 })
      const future = await createSale(service.url, { total: 10, startsInMs: 3_600_000, endsInMs: 7_200_000 })
      const ended = await new TimeSaleRepository(service.runtime.pool).insertSale({
        productName: 'ended sale',
        originalPrice: 100,
        salePrice: 50,
        totalQuantity: 10,
        maxPerUser: null,
        startAt: new Date(Date.now() - 7_200_000),
        endAt: new Date(Date.now() - 3_600_000),
      })
      const [userId] = userIds(1) as [string]
      const url = orderUrl(service.url, saleId, strategy)
      const cases: Array<[string, string, unknown, number, string]> = [
        ['missing userId', url, { quantity: 1 }, 400, 'VALIDATION_FAILED'],
        ['missing quantity', url, { userId }, 400, 'VALIDATION_FAILED'],
        ['empty body', url, {}, 400, 'VALIDATION_FAILED'],
        ['quantity as string', url, { userId, quantity: '1' }, 400, 'VALIDATION_FAILED'],
        ['fractional quantity', url, { userId, quantity: 1.5 }, 400, 'VALIDATION_FAILED'],
        ['zero quantity', url, { userId, quantity: 0 }, 400, 'VALIDATION_FAILED'],
        ['negative quantity', url, { userId, quantity: -1 }, 400, 'VALIDATION_FAILED'],
        ['userId with a space', url, { userId: 'a b', quantity: 1 }, 400, 'VALIDATION_FAILED'],
        ['negative userId', url, { userId: -5, quantity: 1 }, 400, 'VALIDATION_FAILED'],
        ['userId as object', url, { userId: { id: 1 }, quantity: 1 }, 400, 'VALIDATION_FAILED'],
        ['unknown field', url, { userId, quantity: 1, coupon: 'X' }, 400, 'VALIDATION_FAILED'],
        ['malformed JSON', url, '{"userId": "1", "quantity": ', 400, 'INVALID_JSON'],
        ['oversized body', url, { userId, quantity: 1, pad: 'x'.repeat(20_000) }, 413, 'PAYLOAD_TOO_LARGE'],
        ['quantity over maxPerUser', url, { userId, quantity: 3 }, 409, 'LIMIT_EXCEEDED'],
        [
          'unknown strategy',
          orderUrl(service.url, saleId, 'v9'),
          { userId, quantity: 1 },
          400,
          'VALIDATION_FAILED',
        ],
        [
          'sale id not a number',
          orderUrl(service.url, 'abc', strategy),
          { userId, quantity: 1 },
          400,
          'VALIDATION_FAILED',
        ],
        [
          'unknown sale',
          orderUrl(service.url, '999999999999', strategy),
          { userId, quantity: 1 },
          404,
          'TIMESALE_NOT_FOUND',
        ],
        [
          'sale not started',
          orderUrl(service.url, future, strategy),
          { userId, quantity: 1 },
          400,
          'NOT_IN_PERIOD',
        ],
        [
          'sale ended',
          orderUrl(service.url, ended.id, strategy),
          { userId, quantity: 1 },
          400,
          'NOT_IN_PERIOD',
        ],
      ]
      for (const [name, target, body, status, code] of cases) {
        const response = await post(target, body)
        assert.equal(response.status, status, `${name}: ${JSON.stringify(response.body)}`)
        assert.equal(response.body.code, code, name)
        assert.equal(typeof response.body.message, 'string', name)
      }
      const wrongType = await post(url, 'userId=1&quantity=1', { 'content-type': 'text/plain' })
      assert.equal(wrongType.status, 415)
      assert.equal(wrongType.body.code, 'UNSUPPORTED_MEDIA_TYPE')

      for (const id of [saleId, future, ended.id]) {
        const state = await saleState(service.runtime, id)
        assert.equal(state.orders, 0, 'no order')
        assert.equal(state.redis.tickets, 0, 'nothing queued')
        assertConsistent(state)
      }
      const requests = await service.runtime.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM timesale_requests WHERE time_sale_id = ANY($1::bigint[])',
        [[saleId, future, ended.id]],
      )
      assert.equal(requests.rows[0]?.n, 0)
    })
  }

  it('answers unknown ids with 404 and malformed ids with 400', async () => {
    const cases: Array<[string, number, string]> = [
      ['/api/timesales/999999999999', 404, 'TIMESALE_NOT_FOUND'],
      ['/api/timesales/abc', 400, 'VALIDATION_FAILED'],
      [`/api/timesales/orders/requests/${randomUUID()}`, 404, 'REQUEST_NOT_FOUND'],
      ['/api/timesales/orders/requests/not-a-uuid', 400, 'VALIDATION_FAILED'],
      ['/api/timesales/users/a%20b/orders', 400, 'VALIDATION_FAILED'],
      ['/api/timesales?limit=1001', 400, 'VALIDATION_FAILED'],
    ]
    for (const [path, status, code] of cases) {
      const response = await get(`${service.url}${path}`)
      assert.equal(response.status, status, `${path}: ${JSON.stringify(response.body)}`)
      assert.equal(response.body.code, code, path)
    }
    const none = await get<unknown[]>(`${service.url}/api/timesales/users/${userIds(1)[0]}/orders`)
    assert.deepEqual([none.status, none.body], [200, []])
  })

  it('documents every route with its request and response schemas', async () => {
    const doc = await get<{ paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> }>(
      `${service.url}/docs/json`,
    )
    assert.equal(doc.status, 200)
    const expected: Array<[string, string, string[]]> = [
      ['/api/timesales', 'post', ['201', '400', '401']],
      ['/api/timesales', 'get', ['200']],
      ['/api/timesales/{id}', 'get', ['200', '404']],
      ['/api/timesales/{id}/orders', 'post', ['201', '202', '400', '404', '409', '503']],
      ['/api/timesales/orders/requests/{requestId}', 'get', ['200', '404']],
      ['/api/timesales/users/{userId}/orders', 'get', ['200']],
      ['/api/timesales/admin/dlq', 'get', []],
      ['/api/timesales/admin/dlq/replay', 'post', []],
    ]
    for (const [path, method, responses] of expected) {
      const operation = doc.body.paths[path]?.[method]
      assert.ok(operation, `${method.toUpperCase()} ${path} is documented`)
      for (const status of responses) {
        assert.ok(operation.responses?.[status], `${method.toUpperCase()} ${path} documents ${status}`)
      }
    }
  })
})
