import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MalformedMessageError, userIdField } from '../../src/pipeline/envelope.ts'
import { BAD_USER_IDS, opaqueUserIds } from '../helpers/user-ids.ts'

describe('message user ids', () => {
  it('reads opaque user ids and integers, normalised as at the HTTP edge', () => {
    for (const [name, sent, answered] of opaqueUserIds()) {
      assert.equal(userIdField({ userId: sent }, 'userId'), answered, name)
    }
    assert.equal(userIdField({ userId: 1001 }, 'userId'), '1001')
    assert.equal(userIdField({ userId: '1001' }, 'userId'), '1001')
  })

  it('refuses a message whose user id is not one (it goes to the DLQ, never to PostgreSQL)', () => {
    for (const [name, userId] of [...BAD_USER_IDS, ['missing', undefined] as const]) {
      assert.throws(() => userIdField({ userId }, 'userId'), MalformedMessageError, name)
    }
  })
})
