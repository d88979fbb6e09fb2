import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { couponFeature } from '../../src/coupon/feature.ts'
import { ERRORS } from '../../src/errors.ts'
import type { Feature } from '../../src/runtime.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { concrete, rawExchange, routesOf, type Started, startWithApp as start } from '../helpers/routes.ts'

const KOREAN = /[가-힣]/

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

    it('answers a transfer coding other than chunked with 501 NOT_IMPLEMENTED on every route (RFC 9112 §6.1)', async () => {
      const body = '{}'
      const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`
      const send = (method: string, path: string, codings: string) =>
        rawExchange(
          service.url,
          `${method} ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
            `Transfer-Encoding: ${codings}\r\nConnection: close\r\n\r\n${chunked}`,
        )
      const wrong: string[] = []
      const paths = [...routesOf(service.app), { method: 'POST', path: '/api/nothing-here' }]
      for (const { method, path } of paths) {
        if (method === 'HEAD') continue
        const url = concrete(path)
        for (const codings of ['gzip, chunked', 'GZIP,chunked', 'x-unknown;q=1, chunked']) {
          const answer = await send(method, url, codings)
          const parsed = answer.body ? JSON.parse(answer.body) : {}
          if (answer.status !== 501 || parsed.code !== 'NOT_IMPLEMENTED' || parsed.path !== url) {
            wrong.push(`${method} ${url} [${codings}] → ${answer.status} ${answer.body}`)
          }
        }
      }
      assert.deepEqual(wrong, [], 'routes that read a body of an unknown transfer coding')
      const base = feature.name === 'coupon' ? '/api/coupons/policies' : '/api/timesales'
      const example = JSON.parse((await send('POST', base, 'gzip, chunked')).body)
      assertEnvelope(example, 501, 'NOT_IMPLEMENTED', base)
      // Plain chunked is read as ever (the admin create validates the empty body); chunked not last → 400.
      const plain = JSON.parse((await send('POST', base, 'chunked')).body)
      assertEnvelope(plain, 400, 'VALIDATION_FAILED', base)
      const notLast = await send('POST', base, 'chunked, gzip')
      assert.equal(notLast.status, 400, notLast.head)
      assert.equal(JSON.parse(notLast.body).code, 'BAD_REQUEST')
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
