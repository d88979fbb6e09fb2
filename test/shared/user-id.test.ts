import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isUserId, normalizeUserId } from '../../src/shared/user-id.ts'
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
