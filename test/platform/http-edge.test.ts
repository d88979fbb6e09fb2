import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { couponFeature } from '../../src/coupon/feature.ts'
import { ERRORS } from '../../src/errors.ts'
import type { FastifyInstance } from '../../src/platform/http.ts'
import { createRuntime, type Feature, type Runtime, startFeature } from '../../src/runtime.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { cleanup, testConfig } from '../helpers/stack.ts'

const KOREAN = /[가-힣]/

interface Started {
  readonly app: FastifyInstance
  readonly url: string
  readonly runtime: Runtime
  close(): Promise<void>
}

/** A service on the real stack, with its Fastify instance at hand to list its routes. */
async function start<T>(feature: Feature<T>): Promise<Started> {
  const config = testConfig()
  const runtime = await createRuntime(config, feature.name)
  const started = await startFeature(runtime, feature, { port: 0, consume: false })
  assert.ok(started.app && started.url)
  return {
    app: started.app,
    url: started.url,
    runtime,
    async close() {
      await runtime.lifecycle.close()
      await cleanup(config)
    },
  }
}

/** Every (method, path) of `app`, read from `printRoutes`' tree (4 characters of indent per level). */
function routesOf(app: FastifyInstance): Array<{ method: string; path: string }> {
  const routes: Array<{ method: string; path: string }> = []
  const stack: string[] = []
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (.*?)(?: \(([^)]*)\))?$/.exec(line)
    if (!match) continue
    const depth = (match[1] ?? '').length / 4
    stack.length = depth
    stack.push(match[2] ?? '')
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) {
      routes.push({ method, path: stack.join('') })
    }
  }
  return routes
}

/** A concrete URL for a route pattern, with parameters that pass their own rules. */
function concrete(path: string): string {
  return path
    .replace(/:requestId/g, '0b7c3f1e-8a4d-4c2b-9e5f-1a2b3c4d5e6f')
    .replace(/:userId/g, '1001')
    .replace(/:[A-Za-z]+/g, '1')
    .replace(/^\/docs\/\*$/, '/docs/static/index.html')
    .replace(/\*$/, '/')
}

async function call(url: string, init: RequestInit = {}) {
  const response = await fetch(url, init)
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined }
}

function assertEnvelope(body: Record<string, unknown>, status: number, code: string, path: string) {
  assert.equal(body.statusCode, status, JSON.stringify(body))
  assert.equal(body.code, code)
  assert.match(String(body.message), KOREAN)
  assert.equal(body.path, path)
  assert.ok(!Number.isNaN(Date.parse(String(body.timestamp))))
}

for (const feature of [couponFeature, timesaleFeature] as Feature<unknown>[]) {
  describe(`HTTP edge of the ${feature.name} service`, () => {
    let service: Started
    before(async () => {
      service = await start(feature)
    })
    after(() => service.close())

    it('refuses an unknown query parameter on every route with 400 VALIDATION_FAILED naming it', async () => {
      const routes = routesOf(service.app)
      assert.ok(routes.length > 15, JSON.stringify(routes))
      const accepted: string[] = []
      for (const { method, path } of routes) {
        const url = `${service.url}${concrete(path)}?zz_unknown=1`
        const response = await fetch(url, { method })
        if (response.status !== 400) {
          accepted.push(`${method} ${path} → ${response.status}`)
          await response.body?.cancel()
          continue
        }
        if (method === 'HEAD') continue
        const body = (await response.json()) as { code: string; details: Array<{ field: string }> }
        if (
          body.code !== 'VALIDATION_FAILED' ||
          !body.details.some((detail) => detail.field === 'zz_unknown')
        ) {
          accepted.push(`${method} ${path} → ${JSON.stringify(body)}`)
        }
      }
      assert.deepEqual(accepted, [], 'routes that did not refuse the unknown parameter by name')
    })

    it('answers a method the path lacks with 405 METHOD_NOT_ALLOWED and Allow, and an unknown path with 404', async () => {
      const base = feature.name === 'coupon' ? '/api/coupons/policies' : '/api/timesales'
      for (const method of ['PUT', 'OPTIONS', 'DELETE', 'PATCH']) {
        const response = await call(`${service.url}${base}/1`, { method })
        assert.equal(response.status, 405, `${method}: ${JSON.stringify(response.body)}`)
        assertEnvelope(response.body, 405, 'METHOD_NOT_ALLOWED', `${base}/1`)
        assert.equal(response.headers.get('allow'), 'GET, HEAD')
      }
      const list = await call(`${service.url}${base}`, { method: 'PUT' })
      assert.equal(list.headers.get('allow'), 'GET, HEAD, POST')
      const missing = await call(`${service.url}/api/nothing-here`, { method: 'PUT' })
      assertEnvelope(missing.body, 404, 'NOT_FOUND', '/api/nothing-here')
    })

    it('answers a path parameter past the router limit with 414 in the house envelope', async () => {
      const base = feature.name === 'coupon' ? '/api/coupons/requests' : '/api/timesales/orders/requests'
      const path = `${base}/${'a'.repeat(150)}`
      const response = await call(`${service.url}${path}`)
      assert.equal(response.status, 414, JSON.stringify(response.body))
      assertEnvelope(response.body, 414, 'URI_TOO_LONG', path)
      assert.equal(response.body.message, ERRORS.URI_TOO_LONG.message)
    })

    it('refuses a compressed body with 415 UNSUPPORTED_CONTENT_ENCODING', async () => {
      const path = feature.name === 'coupon' ? '/api/coupons/policies' : '/api/timesales'
      const response = await call(`${service.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: new Uint8Array([0x1f, 0x8b, 0x08, 0x00]),
      })
      assertEnvelope(response.body, 415, 'UNSUPPORTED_CONTENT_ENCODING', path)
    })
  })
}

describe('admin reconciliation over HTTP', () => {
  let service: Started
  before(async () => {
    service = await start(couponFeature)
  })
  after(() => service.close())

  it('refuses query parameters (dryRun, id, anything) instead of running a full repair, and dry-runs by body', async () => {
    for (const query of ['dryRun=true', 'id=01', 'foo=1']) {
      const response = await call(`${service.url}/api/coupons/admin/reconcile?${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
      assert.equal(response.status, 400, `${query}: ${JSON.stringify(response.body)}`)
      assert.equal(response.body.code, 'VALIDATION_FAILED')
    }
    const dryRun = await call(`${service.url}/api/coupons/admin/reconcile`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ repair: false }),
    })
    assert.equal(dryRun.status, 200, JSON.stringify(dryRun.body))
  })
})
