/**
 * With user JWT auth on, on both services' write endpoints: every time claim (`iat`, `nbf`, `exp`) gets the
 * same documented clock skew (`AUTH_JWT_CLOCK_TOLERANCE_S`), and a malformed body `userId` is a 400
 * `VALIDATION_FAILED` naming it, never compared with the token (no 403).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SignJWT } from 'jose'
import { couponFeature } from '../../src/coupon/feature.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { createPolicy, userIds } from '../coupon/fixtures.ts'
import { type JsonResponse, post } from '../helpers/http.ts'
import { startTestService, type TestService, testConfig } from '../helpers/stack.ts'
import { createSale, orderUrl } from '../timesale/fixtures.ts'

const SECRET = 'a-test-secret-of-at-least-32-characters!'
const SKEW_S = 60

/** A token for `sub` whose time claims are given in seconds from now (`undefined` leaves one out). */
function token(sub: string, { iat = 0, nbf, exp = 300 }: { iat?: number; nbf?: number; exp?: number } = {}) {
  const now = Math.floor(Date.now() / 1000)
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub)
  jwt.setIssuedAt(now + iat).setExpirationTime(now + exp)
  if (nbf !== undefined) jwt.setNotBefore(now + nbf)
  return jwt.sign(new TextEncoder().encode(SECRET))
}

/** Malformed `userId`s of every kind: wrong JSON types, and strings the user-id rule refuses. */
const MALFORMED: ReadonlyArray<[string, unknown]> = [
  ['object', { id: 1 }],
  ['array', ['1001']],
  ['boolean', true],
  ['null', null],
  ['fraction', 1.5],
  ['zero', 0],
  ['two dots', '..'],
  ['leading zero', '01001'],
  ['empty', ''],
]

describe('user JWT auth: clock skew on every time claim, malformed userId before any comparison', () => {
  let coupon: TestService
  let timesale: TestService
  /** One write per service: `write(token, body)` on a fresh promotion. */
  const writes: Array<[string, (token: string, body: Record<string, unknown>) => Promise<JsonResponse>]> = []

  before(async () => {
    const config = testConfig({ AUTH_JWT_SECRET: SECRET, AUTH_JWT_CLOCK_TOLERANCE_S: String(SKEW_S) })
    coupon = await startTestService(couponFeature, config, { consume: false })
    timesale = await startTestService(timesaleFeature, config, { consume: false })
    const policyId = await createPolicy(coupon.url, { total: 1_000 })
    const saleId = await createSale(timesale.url, { total: 1_000 })
    writes.push(
      [
        'coupon issue',
        (jwt, body) =>
          post(`${coupon.url}/api/coupons/issue`, { policyId, ...body }, { authorization: `Bearer ${jwt}` }),
      ],
      [
        'time-sale order',
        (jwt, body) =>
          post(
            orderUrl(timesale.url, saleId, 'v3'),
            { quantity: 1, ...body },
            { authorization: `Bearer ${jwt}` },
          ),
      ],
    )
  })
  after(async () => {
    await timesale.runtime.lifecycle.close()
    await coupon.close()
  })

  it('refuses a token issued an hour in the future with 401 AUTH_TOKEN_INVALID (the example)', async () => {
    for (const [name, write] of writes) {
      const [user] = userIds(1) as [string]
      const answer = await write(await token(user, { iat: 3_600, exp: 7_200 }), {})
      assert.deepEqual([answer.status, answer.body.code], [401, 'AUTH_TOKEN_INVALID'], name)
      assert.equal(answer.headers.get('www-authenticate'), 'Bearer error="invalid_token"', name)
    }
  })

  it('gives iat, nbf and exp the same skew: within it accepted, past it refused', async () => {
    const cases: Array<[string, Parameters<typeof token>[1], number, string | undefined]> = [
      ['iat within the skew', { iat: SKEW_S - 20 }, 202, undefined],
      ['iat past the skew', { iat: SKEW_S + 30 }, 401, 'AUTH_TOKEN_INVALID'],
      ['nbf within the skew', { nbf: SKEW_S - 20 }, 202, undefined],
      ['nbf past the skew', { nbf: SKEW_S + 30 }, 401, 'AUTH_TOKEN_INVALID'],
      ['exp just gone, within the skew', { iat: -120, exp: -(SKEW_S - 20) }, 202, undefined],
      ['exp gone past the skew', { iat: -300, exp: -(SKEW_S + 30) }, 401, 'AUTH_TOKEN_EXPIRED'],
    ]
    for (const [name, write] of writes) {
      for (const [what, claims, status, code] of cases) {
        const [user] = userIds(1) as [string]
        const answer = await write(await token(user, claims), {})
        assert.equal(answer.status, status, `${name}, ${what}: ${JSON.stringify(answer.body)}`)
        if (code) assert.equal(answer.body.code, code, `${name}, ${what}`)
      }
    }
  })

  it('answers a malformed body userId with 400 VALIDATION_FAILED naming it, never 403, with a valid token', async () => {
    for (const [name, write] of writes) {
      const [user] = userIds(1) as [string]
      const jwt = await token(user)
      for (const [what, userId] of MALFORMED) {
        const answer = await write(jwt, { userId })
        assert.equal(answer.status, 400, `${name}, ${what}: ${JSON.stringify(answer.body)}`)
        assert.equal(answer.body.code, 'VALIDATION_FAILED', `${name}, ${what}`)
        const fields = (answer.body.details as Array<{ field: string }>).map((detail) => detail.field)
        assert.ok(fields.includes('userId'), `${name}, ${what}: ${JSON.stringify(answer.body)}`)
      }
      // A well-formed other user is still a mismatch.
      const [other] = userIds(1) as [string]
      const mismatch = await write(jwt, { userId: other })
      assert.deepEqual([mismatch.status, mismatch.body.code], [403, 'USER_MISMATCH'], name)
    }
  })

  it('refuses a token whose sub a URL path cannot carry (dots only) with 401 AUTH_TOKEN_INVALID', async () => {
    for (const [name, write] of writes) {
      for (const sub of ['.', '..', '...']) {
        const answer = await write(await token(sub), {})
        assert.deepEqual([answer.status, answer.body.code], [401, 'AUTH_TOKEN_INVALID'], `${name} ${sub}`)
      }
    }
  })
})
