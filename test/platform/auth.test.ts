import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose'
import { ConfigError, loadConfig } from '../../src/config.ts'
import { couponFeature } from '../../src/coupon/feature.ts'
import { createJwtVerifier } from '../../src/platform/auth.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { createPolicy, userIds } from '../coupon/fixtures.ts'
import { startTestService, type TestService, testConfig } from '../helpers/stack.ts'
import { orderUrl, saleBody } from '../timesale/fixtures.ts'

const SECRET = 'a-test-secret-of-at-least-32-characters!'
const ISSUER = 'https://login.example'
const AUDIENCE = 'promotion-api'

function token(
  sub: string,
  { expiresIn = '5m', secret = SECRET, issuer = ISSUER, audience = AUDIENCE } = {},
) {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret))
}

/** A token whose `sub` is the JSON number 1001: RFC 7519 §4.1.2 makes `sub` a string. */
function numericSubToken() {
  return new SignJWT({ sub: 1001 } as unknown as { sub: string })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET))
}

async function send(url: string, body: object, authorization?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(body),
  })
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    body: (await response.json()) as Record<string, unknown>,
  }
}

describe('user JWT auth (shared secret)', () => {
  let coupon: TestService
  let timesale: TestService
  before(async () => {
    const config = testConfig({
      AUTH_JWT_SECRET: SECRET,
      AUTH_JWT_ISSUER: ISSUER,
      AUTH_JWT_AUDIENCE: AUDIENCE,
      ADMIN_TOKEN: 'admin-secret',
    })
    coupon = await startTestService(couponFeature, config, { consume: false })
    timesale = await startTestService(timesaleFeature, config, { consume: false })
  })
  after(async () => {
    await timesale.runtime.lifecycle.close()
    await coupon.close()
  })

  const adminPolicy = async () => {
    const response = await fetch(`${coupon.url}/api/coupons/policies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer admin-secret' },
      body: JSON.stringify({
        title: 'auth policy',
        totalQuantity: 10,
        startTime: new Date(Date.now() - 60_000).toISOString(),
        endTime: new Date(Date.now() + 600_000).toISOString(),
        discountType: 'FIXED',
        discountValue: 1000,
      }),
    })
    assert.equal(response.status, 201, 'admin endpoints keep ADMIN_TOKEN')
    return ((await response.json()) as { id: string }).id
  }

  it('takes the user from a valid token: userId may be left out, the same userId is fine', async () => {
    const policyId = await adminPolicy()
    const [alice, bob] = userIds(2)
    const issued = await send(
      `${coupon.url}/api/coupons/issue`,
      { policyId },
      `Bearer ${await token(alice as string)}`,
    )
    assert.equal(issued.status, 202)
    assert.equal(issued.body.userId, alice)
    const same = await send(
      `${coupon.url}/api/coupons/issue?strategy=v1`,
      { policyId, userId: bob },
      `Bearer ${await token(bob as string)}`,
    )
    assert.equal(same.status, 201)
    assert.equal(same.body.userId, bob)
  })

  it('refuses another userId in the body with 403 USER_MISMATCH', async () => {
    const policyId = await adminPolicy()
    const [alice, bob] = userIds(2)
    const answer = await send(
      `${coupon.url}/api/coupons/issue`,
      { policyId, userId: bob },
      `Bearer ${await token(alice as string)}`,
    )
    assert.equal(answer.status, 403)
    assert.equal(answer.body.code, 'USER_MISMATCH')
  })

  it('compares user ids as the API does: a UUID sub in either case, an integer userId for a numeric sub', async () => {
    const policyId = await adminPolicy()
    const uuid = randomUUID()
    const upper = await send(
      `${coupon.url}/api/coupons/issue?strategy=v1`,
      { policyId, userId: uuid },
      `Bearer ${await token(uuid.toUpperCase())}`,
    )
    assert.deepEqual([upper.status, upper.body.userId], [201, uuid])
    const [numeric] = userIds(1) as [string]
    const integer = await send(
      `${coupon.url}/api/coupons/issue?strategy=v1`,
      { policyId, userId: Number(numeric) },
      `Bearer ${await token(numeric)}`,
    )
    assert.deepEqual([integer.status, integer.body.userId], [201, numeric])
    for (const sub of ['auth0|5f7c8ec7', 'kim minsu', 'k'.repeat(65)]) {
      const refused = await send(
        `${coupon.url}/api/coupons/issue`,
        { policyId },
        `Bearer ${await token(sub)}`,
      )
      assert.deepEqual([refused.status, refused.body.code], [401, 'AUTH_TOKEN_INVALID'], sub)
    }
  })

  it('answers 401 with a code and a challenge for missing, expired and bad tokens', async () => {
    const policyId = await adminPolicy()
    const [alice] = userIds(1)
    const user = alice as string
    const cases: Array<[string, string | undefined, string]> = [
      ['missing', undefined, 'AUTH_REQUIRED'],
      ['not bearer', 'Basic dXNlcjpwYXNz', 'AUTH_TOKEN_INVALID'],
      ['garbage', 'Bearer not.a.jwt', 'AUTH_TOKEN_INVALID'],
      ['expired', `Bearer ${await token(user, { expiresIn: '-1m' })}`, 'AUTH_TOKEN_EXPIRED'],
      ['wrong key', `Bearer ${await token(user, { secret: `${SECRET}-other` })}`, 'AUTH_TOKEN_INVALID'],
      [
        'wrong issuer',
        `Bearer ${await token(user, { issuer: 'https://evil.example' })}`,
        'AUTH_TOKEN_INVALID',
      ],
      ['wrong audience', `Bearer ${await token(user, { audience: 'other-api' })}`, 'AUTH_TOKEN_INVALID'],
      ['admin token', 'Bearer admin-secret', 'AUTH_TOKEN_INVALID'],
      ['numeric sub', `Bearer ${await numericSubToken()}`, 'AUTH_TOKEN_INVALID'],
    ]
    for (const [what, authorization, code] of cases) {
      const answer = await send(`${coupon.url}/api/coupons/issue`, { policyId, userId: user }, authorization)
      assert.equal(answer.status, 401, what)
      assert.equal(answer.body.code, code, what)
      assert.match(answer.challenge ?? '', /^Bearer/, what)
    }
  })

  it('guards time-sale orders the same way; status endpoints stay open', async () => {
    const created = await fetch(`${timesale.url}/api/timesales`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer admin-secret' },
      body: JSON.stringify(saleBody({ total: 5 })),
    })
    assert.equal(created.status, 201)
    const saleId = ((await created.json()) as { id: string }).id
    const [alice] = userIds(1)
    const url = orderUrl(timesale.url, saleId, 'v3')
    assert.equal((await send(url, { userId: alice, quantity: 1 })).status, 401)
    const queued = await send(url, { quantity: 1 }, `Bearer ${await token(alice as string)}`)
    assert.equal(queued.status, 202)
    const status = await fetch(
      `${timesale.url}/api/timesales/orders/requests/${String(queued.body.requestId)}`,
    )
    assert.equal(status.status, 200)
  })
})

describe('user JWT auth (JWKS file) and its configuration', () => {
  let service: TestService
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey']
  before(async () => {
    const pair = await generateKeyPair('RS256')
    privateKey = pair.privateKey
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }
    const dir = mkdtempSync(join(tmpdir(), 'jwks-'))
    const file = join(dir, 'jwks.json')
    writeFileSync(file, JSON.stringify({ keys: [jwk] }))
    service = await startTestService(couponFeature, testConfig({ AUTH_JWT_JWKS_FILE: file }), {
      consume: false,
    })
  })
  after(() => service.close())

  it('verifies RS256 tokens against the JWKS and refuses HS256 ones', async () => {
    const policyId = await createPolicy(service.url, { total: 5 })
    const [alice] = userIds(1)
    const rs = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject(alice as string)
      .setExpirationTime('5m')
      .sign(privateKey)
    assert.equal((await send(`${service.url}/api/coupons/issue`, { policyId }, `Bearer ${rs}`)).status, 202)
    const hs = await token(alice as string)
    const refused = await send(`${service.url}/api/coupons/issue`, { policyId }, `Bearer ${hs}`)
    assert.equal(refused.status, 401)
    assert.equal(refused.body.code, 'AUTH_TOKEN_INVALID')
  })

  it('verifies against a PEM public key file, with the configured algorithm only', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true })
    const file = join(mkdtempSync(join(tmpdir(), 'pem-')), 'key.pem')
    writeFileSync(file, await exportSPKI(pair.publicKey))
    const verify = await createJwtVerifier({
      key: { kind: 'publicKeyFile', path: file },
      algorithms: ['ES256'],
      issuer: '',
      audience: '',
      clockToleranceS: 5,
    })
    const signed = (claims: { sub?: string; exp?: boolean }) => {
      const jwt = new SignJWT({}).setProtectedHeader({ alg: 'ES256' })
      if (claims.sub) jwt.setSubject(claims.sub)
      if (claims.exp !== false) jwt.setExpirationTime('5m')
      return jwt.sign(pair.privateKey)
    }
    assert.equal(await verify(await signed({ sub: 'user-7' })), 'user-7')
    await assert.rejects(verify(await signed({})), 'a token without sub')
    await assert.rejects(verify(await signed({ sub: 'user-7', exp: false })), 'a token without exp')
    await assert.rejects(verify(await token('user-7')), 'an HS256 token')
  })

  it('rejects configurations that are ambiguous or weak', () => {
    assert.throws(() => loadConfig({ AUTH_JWT_SECRET: 'short' }), ConfigError)
    assert.throws(
      () => loadConfig({ AUTH_JWT_SECRET: SECRET, AUTH_JWT_JWKS_FILE: '/tmp/jwks.json' }),
      ConfigError,
    )
    assert.throws(() => loadConfig({ AUTH_JWT_SECRET: SECRET, AUTH_JWT_ALGORITHMS: 'RS256' }), ConfigError)
    assert.throws(
      () => loadConfig({ AUTH_JWT_JWKS_FILE: '/tmp/jwks.json', AUTH_JWT_ALGORITHMS: 'none' }),
      ConfigError,
    )
    assert.equal(loadConfig({}).clientApi.auth, undefined, 'off by default')
  })
})
