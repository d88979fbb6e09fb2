import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { couponFeature } from '../../src/coupon/feature.ts'
import { get } from '../helpers/http.ts'
import { startTestService, type TestService } from '../helpers/stack.ts'

interface Operation {
  parameters?: Array<{ in: string; name: string }>
  security?: unknown
  responses: Record<string, { content?: Record<string, unknown> }>
}

describe('OpenAPI document of the client API', () => {
  let service: TestService
  before(async () => {
    service = await startTestService(couponFeature, undefined, { consume: false })
  })
  after(() => service.close())

  it('documents the user token scheme, Idempotency-Key and the result stream', async () => {
    const { status, body } = await get<{
      components: { securitySchemes: Record<string, { scheme: string; bearerFormat?: string }> }
      paths: Record<string, Record<string, Operation>>
    }>(`${service.url}/docs/json`)
    assert.equal(status, 200)
    assert.equal(body.components.securitySchemes.userToken?.bearerFormat, 'JWT')

    const issue = body.paths['/api/coupons/issue']?.post
    assert.ok(issue)
    assert.ok(issue.parameters?.some((p) => p.in === 'header' && p.name === 'idempotency-key'))
    assert.deepEqual(issue.security, [{}, { userToken: [] }], 'optional while AUTH_JWT_* is unset')
    assert.ok(issue.responses['422'] && issue.responses['409'])

    const create = body.paths['/api/coupons/policies']?.post
    assert.ok(create?.parameters?.some((p) => p.in === 'header' && p.name === 'idempotency-key'))

    const events = body.paths['/api/coupons/requests/{requestId}/events']?.get
    assert.ok(events)
    assert.ok(events.responses['200']?.content?.['text/event-stream'])
    assert.ok(events.responses['204'] && events.responses['503'])
    assert.ok(events.parameters?.some((p) => p.in === 'header' && p.name === 'last-event-id'))
  })
})
