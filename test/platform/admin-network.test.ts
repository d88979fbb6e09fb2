import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { couponFeature } from '../../src/coupon/feature.ts'
import { createNetNamespace, type NetNamespace } from '../helpers/netns.ts'
import { startTestService, type TestService, testConfig } from '../helpers/stack.ts'

// A real client on another address: a network namespace joined by a veth pair, not a forged header.
const namespace = createNetNamespace()
const skip = typeof namespace === 'string' ? `${namespace}; the non-loopback admin test is skipped` : false
const TOKEN = 'network-test-token'

/** The admin endpoints a remote client must not reach without the token. */
const ADMIN_PATHS = ['/api/coupons/admin/lag', '/api/coupons/admin/dlq', '/api/coupons/admin/overview']
/** The dashboard's files: loopback-only without a token, public with one (its data needs the token). */
const DASHBOARD_PATHS = ['/dashboard/', '/dashboard/app.js', '/dashboard/vendor/uPlot.iife.min.js']

describe('admin access from a non-loopback address', { skip }, () => {
  const ns = namespace as NetNamespace
  let open: TestService
  let guarded: TestService
  const remote = (service: TestService, path: string) =>
    `http://${ns.hostAddress}:${new URL(service.url).port}${path}`
  const local = (service: TestService, path: string) => `http://127.0.0.1:${new URL(service.url).port}${path}`

  before(async () => {
    // Both bind every address (HOST defaults to 0.0.0.0), as the services do.
    open = await startTestService(couponFeature, testConfig({ HOST: '0.0.0.0' }))
    guarded = await startTestService(couponFeature, testConfig({ HOST: '0.0.0.0', ADMIN_TOKEN: TOKEN }))
  })
  after(async () => {
    await open?.close()
    await guarded?.close()
    ns.remove()
  })

  it('without ADMIN_TOKEN: 403 ADMIN_LOOPBACK_ONLY for a remote client, open on loopback', async () => {
    const reachable = await ns.curl(remote(open, '/api/coupons/policies'))
    assert.equal(reachable.status, 200, 'public endpoints answer the remote client')
    for (const path of ADMIN_PATHS) {
      const refused = await ns.curl(remote(open, path))
      assert.equal(refused.status, 403, `${path}: ${refused.body}`)
      assert.equal(JSON.parse(refused.body).code, 'ADMIN_LOOPBACK_ONLY')
      const allowed = await fetch(local(open, path))
      assert.equal(allowed.status, 200, `${path} on loopback`)
    }
    for (const path of DASHBOARD_PATHS) {
      const refused = await ns.curl(remote(open, path))
      assert.equal(refused.status, 403, `${path}: ${refused.body}`)
      assert.equal(JSON.parse(refused.body).code, 'ADMIN_LOOPBACK_ONLY')
      assert.equal((await fetch(local(open, path))).status, 200, `${path} on loopback`)
    }
    // A forwarded header does not make a remote client local.
    const forged = await ns.curl(remote(open, ADMIN_PATHS[0] as string), { 'X-Forwarded-For': '127.0.0.1' })
    assert.equal(forged.status, 403)
    const metrics = await (await fetch(local(open, '/metrics'))).text()
    const counted = metrics.match(/http_admin_refused_total\{[^}]*code="ADMIN_LOOPBACK_ONLY"[^}]*\} (\d+)/)
    assert.equal(
      Number(counted?.[1]),
      ADMIN_PATHS.length + DASHBOARD_PATHS.length + 1,
      'every refusal is counted',
    )
  })

  it('with ADMIN_TOKEN: 401 UNAUTHORIZED without the right token from anywhere, 200 with it', async () => {
    for (const path of ADMIN_PATHS) {
      const anonymous = await ns.curl(remote(guarded, path))
      assert.equal(anonymous.status, 401, `${path}: ${anonymous.body}`)
      assert.equal(JSON.parse(anonymous.body).code, 'UNAUTHORIZED')
      const wrong = await ns.curl(remote(guarded, path), { Authorization: 'Bearer wrong' })
      assert.equal(wrong.status, 401)
      const right = await ns.curl(remote(guarded, path), { Authorization: `Bearer ${TOKEN}` })
      assert.equal(right.status, 200, `${path}: ${right.body}`)
      const localAnonymous = await fetch(local(guarded, path))
      assert.equal(localAnonymous.status, 401, 'a configured token is required on loopback too')
    }
    for (const path of DASHBOARD_PATHS) {
      const page = await ns.curl(remote(guarded, path))
      assert.equal(page.status, 200, `${path} is served to the login field`)
    }
  })
})
