/**
 * Every unknown path under every prefix of both services (static files of the dashboard and of the API
 * page, docs, admin, API, probes) answers 404 `NOT_FOUND` in the house error shape, whatever the method;
 * 405 comes only for a path that exists with other methods.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { couponFeature } from '../../src/coupon/feature.ts'
import type { Feature } from '../../src/runtime.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { concrete, routesOf, type Started, startWithApp } from '../helpers/routes.ts'

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']

/** A path next to each route that no route has: a missing file under a wildcard, a segment past the rest. */
function unknownPaths(routes: ReadonlyArray<{ path: string }>): string[] {
  const paths = new Set<string>([
    '/dashboard/nope.js',
    '/dashboard/vendor/nope.js',
    // In the uPlot package, but not one of the files the page needs.
    '/dashboard/vendor/uPlot.js',
    '/dashboard/nope/',
    '/docs/static/nope.js',
    '/docs/nope',
    '/nope',
  ])
  for (const { path } of routes) {
    if (path.endsWith('*')) paths.add(`${path.slice(0, -1)}zz-nope.js`)
    // Two segments: one could still be a parameter of a sibling route (`/policies/:id`).
    else paths.add(`${concrete(path).replace(/\/$/, '')}/zz-nope/zz-nope`)
  }
  return [...paths]
}

async function answer(url: string, method: string) {
  const response = await fetch(url, {
    method,
    ...(method === 'POST' || method === 'PUT' || method === 'PATCH'
      ? { headers: { 'content-type': 'application/json' }, body: '{}' }
      : {}),
  })
  const text = await response.text()
  return { status: response.status, allow: response.headers.get('allow'), text }
}

for (const feature of [couponFeature, timesaleFeature] as Feature<unknown>[]) {
  describe(`unknown paths of the ${feature.name} service`, () => {
    let service: Started
    before(async () => {
      service = await startWithApp(feature)
    })
    after(() => service.close())

    it('answers a missing static file with 404 NOT_FOUND, not 405 (the example: GET /dashboard/nope.js)', async () => {
      const response = await answer(`${service.url}/dashboard/nope.js`, 'GET')
      assert.equal(response.status, 404, response.text)
      const body = JSON.parse(response.text)
      assert.equal(body.code, 'NOT_FOUND')
      assert.equal(body.path, '/dashboard/nope.js')
      assert.equal(response.allow, null)
    })

    it('answers every unknown path under every prefix, with every method, 404 NOT_FOUND in the house shape', async () => {
      const routes = routesOf(service.app)
      const paths = unknownPaths(routes)
      assert.ok(paths.length > 20, JSON.stringify(paths))
      const wrong: string[] = []
      for (const path of paths) {
        for (const method of METHODS) {
          const response = await answer(`${service.url}${path}`, method)
          const body = method === 'HEAD' ? { code: 'NOT_FOUND', path } : JSON.parse(response.text || '{}')
          if (response.status !== 404 || body.code !== 'NOT_FOUND' || body.path !== path) {
            wrong.push(`${method} ${path} → ${response.status} ${response.text}`)
          }
        }
      }
      assert.deepEqual(wrong, [], 'unknown paths that did not answer 404 NOT_FOUND')
    })

    it('answers 405 with Allow only where the path exists with other methods, static files included', async () => {
      const routes = routesOf(service.app).filter((route) => !route.path.endsWith('*'))
      const byPath = new Map<string, Set<string>>()
      for (const { method, path } of routes) byPath.set(path, (byPath.get(path) ?? new Set()).add(method))
      assert.ok(byPath.has('/dashboard/app.js') && byPath.has('/dashboard/vendor/uPlot.min.css'))
      const wrong: string[] = []
      for (const [path, methods] of byPath) {
        const url = concrete(path)
        for (const method of METHODS.filter((m) => !methods.has(m))) {
          const response = await answer(`${service.url}${url}`, method)
          const allow = response.allow?.split(', ') ?? []
          if (
            response.status !== 405 ||
            !allow.every((m) => m !== method) ||
            ![...methods].every((m) => allow.includes(m))
          ) {
            wrong.push(`${method} ${url} → ${response.status} allow=${response.allow}`)
          }
        }
      }
      assert.deepEqual(wrong, [], 'existing paths that did not answer 405 with their methods')
    })
  })
}
