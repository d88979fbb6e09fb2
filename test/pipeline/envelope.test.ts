import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  HEADERS,
  MalformedMessageError,
  parseEnvelope,
  requestIdOfMessage,
  userIdField,
} from '../../src/pipeline/envelope.ts'
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

describe('request id of a dead letter', () => {
  const id = '0f8fad5b-d9cb-469f-a165-70867728950e'
  it('takes the header when it is a UUID, lower-cased', () => {
    assert.equal(requestIdOfMessage({ [HEADERS.requestId]: id.toUpperCase() }, '{not json'), id)
  })

  it('falls back to the requestId of a JSON value when the header is missing or unusable', () => {
    const value = JSON.stringify({ v: 1, requestId: id.toUpperCase(), policyId: 'nope', userId: 'a b' })
    assert.equal(requestIdOfMessage({}, value), id)
    assert.equal(requestIdOfMessage({ [HEADERS.requestId]: 'x' }, value), id)
  })

  it('is null when neither carries a UUID', () => {
    for (const value of ['', '{not json', '[1]', 'null', JSON.stringify({ requestId: 'x' })]) {
      assert.equal(requestIdOfMessage({}, value), null, value)
    }
  })
})
