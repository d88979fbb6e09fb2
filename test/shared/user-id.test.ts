import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { isUserId, normalizeUserId, USER_ID_MAX_LENGTH } from '../../src/shared/user-id.ts'
import { BAD_USER_IDS, opaqueUserIds } from '../helpers/user-ids.ts'

// The HTTP schemas are exercised over HTTP in test/coupon/user-ids.test.ts and test/timesale/user-ids.test.ts.
describe('user ids', () => {
  it('accepts every documented shape', () => {
    for (const [name, id] of opaqueUserIds()) assert.ok(isUserId(id), `${name}: ${id}`)
    for (const id of ['1001', '1', 'a', 'A.b_c:d@e-f', '0abc', '10', '9'.repeat(64)]) {
      assert.ok(isUserId(id), id)
    }
  })

  it('refuses what is not a user id', () => {
    for (const [name, id] of BAD_USER_IDS) {
      if (typeof id === 'string') assert.equal(isUserId(id), false, name)
    }
  })

  it('accepts only ids that survive a URL path segment (encodeURIComponent, then WHATWG URL), "1001" included', () => {
    const base = 'http://localhost:3001/api/coupons/users/'
    const arrives = (id: string, segment: string) => {
      const url = new URL(`${base}${segment}/orders`)
      const rest = url.pathname.slice(new URL(base).pathname.length)
      return rest.endsWith('/orders') && decodeURIComponent(rest.slice(0, -'/orders'.length)) === id
    }
    const charset = fc.constantFrom(...'AZaz09._:@-'.split(''), '.', '.', '.')
    const ids = fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9._:@-]{1,64}$/),
      fc.string({ unit: charset, minLength: 1, maxLength: USER_ID_MAX_LENGTH }),
      fc.constantFrom('.', '..', '...', '1001', '.a', 'a.', '..a', '%2E%2E'),
    )
    fc.assert(
      fc.property(ids, (id) => {
        if (!isUserId(id)) return
        assert.ok(arrives(id, encodeURIComponent(id)), `${JSON.stringify(id)} does not survive encoding`)
        // The safe set needs no encoding: sent as it is, it arrives as well.
        assert.ok(arrives(id, id), `${JSON.stringify(id)} does not survive unencoded`)
      }),
      { numRuns: 2_000 },
    )
    assert.ok(isUserId('1001') && isUserId('.a') && isUserId('a..b'))
    for (const dots of ['.', '..', '...', '.'.repeat(64)]) assert.equal(isUserId(dots), false, dots)
  })

  it('gives integers as their decimal string, so 1001 and "1001" are one user', () => {
    assert.equal(normalizeUserId(1001), '1001')
    assert.equal(normalizeUserId('1001'), '1001')
  })

  it('lower-cases UUIDs only; every other id keeps its case', () => {
    const uuid = '3F2504E0-4F89-41D3-9A0C-0305E82C3301'
    assert.equal(normalizeUserId(uuid), uuid.toLowerCase())
    assert.equal(normalizeUserId(uuid.toLowerCase()), uuid.toLowerCase())
    assert.equal(normalizeUserId('Kim@Example.com'), 'Kim@Example.com')
    assert.equal(normalizeUserId('ABCDEF'), 'ABCDEF')
    // 36 characters but not 8-4-4-4-12 hex digits: opaque, kept as sent.
    assert.equal(normalizeUserId('G'.repeat(36)), 'G'.repeat(36))
  })
})
