import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Overview } from '../../src/dashboard/overview.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { get, post } from '../helpers/http.ts'
import { eventually, startTestService, type TestService } from '../helpers/stack.ts'
import { createSale, orderUrl, userIds } from '../timesale/fixtures.ts'

describe('dashboard overview of the time-sale service', () => {
  let service: TestService
  before(async () => {
    service = await startTestService(timesaleFeature)
  })
  after(() => service.close())

  it('reports stock, sold, the v3 queue and answers per strategy as they happen', async () => {
    const saleId = await createSale(service.url, { total: 4, maxPerUser: 1 })
    const users = userIds(6)
    const v1 = await post(orderUrl(service.url, saleId, 'v1'), { userId: users[0], quantity: 1 })
    assert.equal(v1.status, 201)
    const repeat = await post(orderUrl(service.url, saleId, 'v1'), { userId: users[0], quantity: 1 })
    assert.equal(repeat.status, 409, 'the per-user limit: a 4xx for v1')
    const burst = await Promise.all(
      users.slice(1).map((userId) => post(orderUrl(service.url, saleId, 'v3'), { userId, quantity: 1 })),
    )
    const accepted = burst.filter((answer) => answer.status === 202).length
    const overview = await eventually(
      async () => {
        const answer = await get<Overview>(`${service.url}/api/timesales/admin/overview`)
        const sale = answer.body.promotions.find((promotion) => promotion.id === saleId)
        return sale?.taken === 4 && sale.queue?.waiting === 0 && answer.body.lag?.total === 0
          ? answer.body
          : undefined
      },
      30_000,
      'the sale sold out, its queue and lag drained',
    )
    const sale = overview.promotions.find((promotion) => promotion.id === saleId)
    const api = await get<{ soldQuantity: number; remainingQuantity: number }>(
      `${service.url}/api/timesales/${saleId}`,
    )
    assert.deepEqual(
      { total: sale?.total, taken: sale?.taken, remaining: sale?.remaining, pending: sale?.pending },
      { total: 4, taken: api.body.soldQuantity, remaining: api.body.remainingQuantity, pending: 0 },
    )
    assert.equal(sale?.queue?.tickets, accepted, 'one ticket per accepted v3 request')
    assert.deepEqual(overview.requests.v1, { '2xx': 1, '4xx': 1, '5xx': 0 })
    assert.equal(overview.requests.v3['2xx'], accepted)
    assert.equal(overview.requests.v3['4xx'], burst.length - accepted)
    assert.deepEqual(overview.requests.v2, { '2xx': 0, '4xx': 0, '5xx': 0 })
    assert.equal(overview.lag?.total, 0)
    assert.equal(overview.lag?.end, accepted, 'every accepted v3 request is on the request topic')
    const metrics = await (await fetch(`${service.url}/metrics`)).text()
    assert.match(
      metrics,
      /http_write_requests_total\{[^}]*flow="timesale"[^}]*strategy="v1"[^}]*class="4xx"[^}]*\} 1/,
    )
  })
})
