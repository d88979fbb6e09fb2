import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { AppError } from '../../src/errors.ts'
import { requireAdmin } from '../../src/platform/admin-guard.ts'
import { createHttpServer, type FastifyInstance } from '../../src/platform/http.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { createRegistry } from '../../src/platform/metrics.ts'
import { idSchema } from '../../src/shared/ids.ts'

describe('HTTP server factory', () => {
  let app: FastifyInstance
  let redisUp = true

  before(async () => {
    app = await createHttpServer(
      {
        name: 'test',
        title: 'Test',
        bodyLimit: 1024,
        logger: createLogger({ level: 'silent', name: 'test' }),
        registry: createRegistry('test'),
        readiness: {
          postgres: async () => {},
          redis: async () => {
            if (!redisUp) throw new Error('connection refused')
          },
        },
      },
      (instance) => {
        instance.post(
          '/api/things',
          {
            schema: {
              body: {
                type: 'object',
                required: ['policyId', 'quantity'],
                additionalProperties: false,
                properties: { policyId: idSchema, quantity: { type: 'integer', minimum: 1 } },
              },
            },
          },
          async (request, reply) => reply.code(201).send(request.body),
        )
        instance.get('/api/sold-out', async () => {
          throw new AppError('SOLD_OUT')
        })
        instance.get('/api/boom', async () => {
          throw new Error('database exploded')
        })
        instance.post('/api/admin', { onRequest: requireAdmin('secret') }, async () => ({ ok: true }))
      },
    )
  })
  after(() => app.close())

  function assertErrorShape(body: Record<string, unknown>, status: number, code: string, path: string) {
    assert.equal(body.statusCode, status)
    assert.equal(body.code, code)
    assert.equal(typeof body.message, 'string')
    assert.ok((body.message as string).length > 0)
    assert.equal(body.path, path)
    assert.ok(!Number.isNaN(Date.parse(body.timestamp as string)))
  }

  it('accepts a valid body, with the id as string or integer (read as the string)', async () => {
    for (const policyId of ['1', 1]) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/things',
        payload: { policyId, quantity: 2 },
      })
      assert.equal(response.statusCode, 201)
      assert.deepEqual(response.json(), { policyId: '1', quantity: 2 })
    }
  })

  it('answers validation errors with 400 VALIDATION_FAILED naming the fields', async () => {
    const cases = [
      {},
      { policyId: '1' },
      { policyId: -1, quantity: 1 },
      { policyId: '0', quantity: 1 },
      { policyId: 'abc', quantity: 1 },
      { policyId: '1', quantity: 0 },
      { policyId: '1', quantity: '1' },
      { policyId: '1', quantity: 1.5 },
      { policyId: '1', quantity: 1, extra: true },
    ]
    for (const payload of cases) {
      const response = await app.inject({ method: 'POST', url: '/api/things?x=1', payload })
      assert.equal(response.statusCode, 400, JSON.stringify(payload))
      const body = response.json()
      assertErrorShape(body, 400, 'VALIDATION_FAILED', '/api/things')
      assert.ok(Array.isArray(body.details))
    }
    const missing = await app.inject({ method: 'POST', url: '/api/things', payload: { policyId: '1' } })
    assert.match(missing.json().message, /quantity/)
  })

  it('answers malformed JSON with 400 INVALID_JSON', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/things',
      headers: { 'content-type': 'application/json' },
      payload: '{"policyId": "1",',
    })
    assertErrorShape(response.json(), 400, 'INVALID_JSON', '/api/things')
  })

  it('answers an oversized body with 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/things',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ policyId: '1', quantity: 1, padding: 'x'.repeat(2048) }),
    })
    assertErrorShape(response.json(), 413, 'PAYLOAD_TOO_LARGE', '/api/things')
  })

  it('answers an unsupported content type with 415', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/things',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    })
    assertErrorShape(response.json(), 415, 'UNSUPPORTED_MEDIA_TYPE', '/api/things')
  })

  it('maps an AppError to its status, code and Korean message', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/sold-out' })
    const body = response.json()
    assertErrorShape(body, 409, 'SOLD_OUT', '/api/sold-out')
    assert.match(body.message, /[가-힣]/)
  })

  it('hides unexpected errors behind 500 INTERNAL_ERROR', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/boom' })
    const body = response.json()
    assertErrorShape(body, 500, 'INTERNAL_ERROR', '/api/boom')
    assert.doesNotMatch(JSON.stringify(body), /exploded/)
  })

  it('answers unknown routes with 404 NOT_FOUND in the same shape', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/nothing-here' })
    assertErrorShape(response.json(), 404, 'NOT_FOUND', '/api/nothing-here')
  })

  it('requires the admin token where configured', async () => {
    const anonymous = await app.inject({ method: 'POST', url: '/api/admin' })
    assertErrorShape(anonymous.json(), 401, 'UNAUTHORIZED', '/api/admin')
    const wrong = await app.inject({
      method: 'POST',
      url: '/api/admin',
      headers: { authorization: 'Bearer nope' },
    })
    assert.equal(wrong.statusCode, 401)
    const right = await app.inject({
      method: 'POST',
      url: '/api/admin',
      headers: { authorization: 'Bearer secret' },
    })
    assert.equal(right.statusCode, 200)
  })

  it('serves health, readiness, metrics and the OpenAPI document', async () => {
    assert.deepEqual((await app.inject('/health')).json(), { status: 'ok', service: 'test' })
    const ready = await app.inject('/ready')
    assert.equal(ready.statusCode, 200)
    assert.deepEqual(ready.json().checks, { postgres: 'ok', redis: 'ok' })
    redisUp = false
    const notReady = await app.inject('/ready')
    assert.equal(notReady.statusCode, 503)
    assert.equal(notReady.json().checks.redis, 'connection refused')
    const down = (await app.inject('/metrics')).body
    assert.match(down, /service_dependency_up\{[^}]*dependency="redis"[^}]*\} 0/)
    assert.match(down, /service_dependency_up\{[^}]*dependency="postgres"[^}]*\} 1/)
    redisUp = true

    await app.inject({ method: 'GET', url: '/api/sold-out' })
    const metrics = await app.inject('/metrics')
    assert.match(metrics.headers['content-type'] as string, /text\/plain/)
    assert.match(
      metrics.body,
      /http_request_duration_seconds_bucket\{.*route="\/api\/sold-out".*status="409"/,
    )
    assert.match(metrics.body, /process_cpu_user_seconds_total/)

    const openapi = (await app.inject('/docs/json')).json()
    assert.equal(openapi.openapi.slice(0, 2), '3.')
    assert.ok(openapi.paths['/api/things'])
    assert.equal((await app.inject('/docs')).statusCode < 400, true)
  })

  it('runs two services on one registry (`all`): both start and both are measured', async () => {
    const registry = createRegistry('test')
    const servers = await Promise.all(
      ['one', 'two'].map((name) =>
        createHttpServer(
          {
            name,
            title: name,
            bodyLimit: 1024,
            logger: createLogger({ level: 'silent', name: 'test' }),
            registry,
            readiness: { postgres: async () => {} },
          },
          (instance) => {
            instance.get(`/api/${name}`, async () => ({ name }))
          },
        ),
      ),
    )
    try {
      for (const [i, server] of servers.entries()) {
        assert.equal((await server.inject(`/api/${['one', 'two'][i]}`)).statusCode, 200)
      }
      const metrics = (await servers[0]?.inject('/metrics'))?.body ?? ''
      assert.match(metrics, /http_request_duration_seconds_count\{[^}]*route="\/api\/one"/)
      assert.match(metrics, /http_request_duration_seconds_count\{[^}]*route="\/api\/two"/)
    } finally {
      await Promise.all(servers.map((server) => server.close()))
    }
  })
})
