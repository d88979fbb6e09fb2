import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MalformedMessageError, parseEnvelope, userIdField } from '../../src/pipeline/envelope.ts'
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

const message = (fields: Record<string, unknown>) => Buffer.from(JSON.stringify({ v: 1, ...fields }))

describe('message envelope', () => {
  it('reads a request id in any letter case in lower case, as the API does', () => {
    const id = '0F8FAD5B-D9CB-469F-A165-70867728950E'
    assert.equal(parseEnvelope(message({ requestId: id })).requestId, id.toLowerCase())
  })

  it('refuses request ids in other spellings as malformed', () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e'
    for (const requestId of [`urn:uuid:${id}`, `{${id}}`, id.replaceAll('-', ''), ` ${id}`, 42, null]) {
      assert.throws(() => parseEnvelope(message({ requestId })), MalformedMessageError, String(requestId))
    }
  })
})
