import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { get, post, tally } from '../helpers/http.ts'
import { startTestService, type TestService, testConfig } from '../helpers/stack.ts'
import { orderUrl, saleBody, saleState, userIds, waitSettled } from './fixtures.ts'

describe('time-sale admin token and order rate limits', () => {
  const admin = { authorization: 'Bearer s3cret' }
  let service: TestService
  before(async () => {
    service = await startTestService(
      timesaleFeature,
      testConfig({
        ADMIN_TOKEN: 's3cret',
        RATE_LIMIT_MAX: '3',
        RATE_LIMIT_BY: 'user',
        RATE_LIMIT_WINDOW_MS: '60000',
      }),
    )
  })
  after(() => service.close())

  it('creating a sale and the admin endpoints need the token; reading does not', async () => {
    const refused = await post(`${service.url}/api/timesales`, saleBody({ total: 10 }))
    assert.deepEqual([refused.status, refused.body.code], [401, 'UNAUTHORIZED'])
    const wrong = await post(`${service.url}/api/timesales`, saleBody({ total: 10 }), {
      authorization: 'Bearer nope',
    })
    assert.equal(wrong.status, 401)
    const created = await post<{ id: string }>(`${service.url}/api/timesales`, saleBody({ total: 10 }), admin)
    assert.equal(created.status, 201)
    assert.equal((await get(`${service.url}/api/timesales/${created.body.id}`)).status, 200)
    assert.equal((await get(`${service.url}/api/timesales/admin/dlq`)).status, 401)
    assert.equal((await post(`${service.url}/api/timesales/admin/dlq/replay`, {})).status, 401)
  })

  it("answers 429 RATE_LIMITED past a user's order budget, leaves other users alone, and changes nothing then", async () => {
    const created = await post<{ id: string }>(
      `${service.url}/api/timesales`,
      saleBody({ total: 100 }),
      admin,
    )
    const saleId = created.body.id
    const [first, ...others] = userIds(6) as [string, ...string[]]
    const own = []
    for (let i = 0; i < 5; i++)
      own.push(await post(orderUrl(service.url, saleId, 'v3'), { userId: first, quantity: 1 }))
    assert.deepEqual(tally(own), { '202': 3, '429:RATE_LIMITED': 2 })
    assert.equal(own.at(-1)?.body.path, `/api/timesales/${saleId}/orders`)
    const rest = []
    for (const userId of others)
      rest.push(await post(orderUrl(service.url, saleId, 'v1'), { userId, quantity: 1 }))
    assert.deepEqual(tally(rest), { '201': 5 }, 'each user has a budget of its own')
    await waitSettled(service.runtime, saleId, 3)
    const state = await saleState(service.runtime, saleId)
    assert.equal(state.orderUnits, 8, 'limited requests ordered nothing')
    assert.equal(state.redis.tickets, 3, 'limited requests were not queued')
  })
})
