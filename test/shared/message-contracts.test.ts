import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import * as coupon from '../../src/coupon/messages.ts'
import type { OutgoingMessage } from '../../src/platform/kafka.ts'
import type { RawMessage } from '../../src/platform/kafka-consumer.ts'
import * as timesale from '../../src/timesale/messages.ts'

const topics = { requests: 'r', success: 's', failures: 'f', dlq: 'd' }
const requestId = '0f8fad5b-d9cb-469f-a165-70867728950e'
const acceptedAt = new Date('2027-01-02T03:04:05.678Z')
const settledAt = new Date('2027-01-02T03:04:06.001Z')

function raw(value: string): RawMessage {
  return { value: Buffer.from(value) } as RawMessage
}

const issueRequest = { requestId, policyId: '12', userId: 'kim@example.com', acceptedAt: 1798858800123 }
const orderRequest = {
  requestId,
  timeSaleId: '3',
  userId: '1001',
  quantity: 2,
  ticket: 9,
  queuePosition: 4,
  acceptedAt: 1798858800123,
}
const issued = {
  requestId,
  policyId: '12',
  userId: '1001',
  status: 'ISSUED',
  code: null,
  couponId: '77',
  acceptedAt,
  settledAt,
} as const
const refused = { ...issued, status: 'FAILED', code: 'SOLD_OUT', couponId: null } as const
const completed = {
  requestId,
  timeSaleId: '3',
  userId: '1001',
  quantity: 2,
  status: 'COMPLETED',
  code: null,
  orderId: '55',
  totalPrice: 39800,
  ticket: 9,
  acceptedAt,
  settledAt,
} as const
const limited = {
  ...completed,
  status: 'FAILED',
  code: 'LIMIT_EXCEEDED',
  orderId: null,
  totalPrice: null,
} as const
/** A time-sale outcome as the consumer holds it: also the position the client was told (not written). */
const told = <T extends object>(outcome: T) => ({ ...outcome, queuePosition: 4 })

/**
 * The topic format is a public contract: these are the bytes the hand-written encoders wrote before the
 * messages had zod definitions, key order included.
 */
const WIRE: Array<[string, () => OutgoingMessage, string, string]> = [
  [
    'coupon request',
    () => coupon.requestMessage(topics, issueRequest),
    'r',
    `{"v":1,"type":"coupon.issue.requested","requestId":"${requestId}","policyId":"12","userId":"kim@example.com","acceptedAt":1798858800123}`,
  ],
  [
    'coupon success',
    () => coupon.outcomeMessage(topics, issued),
    's',
    `{"v":1,"type":"coupon.issue.succeeded","requestId":"${requestId}","policyId":"12","userId":"1001","status":"ISSUED","code":null,"couponId":"77","acceptedAt":"2027-01-02T03:04:05.678Z","settledAt":"2027-01-02T03:04:06.001Z"}`,
  ],
  [
    'coupon failure',
    () => coupon.outcomeMessage(topics, refused),
    'f',
    `{"v":1,"type":"coupon.issue.failed","requestId":"${requestId}","policyId":"12","userId":"1001","status":"FAILED","code":"SOLD_OUT","couponId":null,"acceptedAt":"2027-01-02T03:04:05.678Z","settledAt":"2027-01-02T03:04:06.001Z"}`,
  ],
  [
    'time-sale request',
    () => timesale.requestMessage(topics, orderRequest),
    'r',
    `{"v":1,"type":"timesale.order.requested","requestId":"${requestId}","timeSaleId":"3","userId":"1001","quantity":2,"ticket":9,"queuePosition":4,"acceptedAt":1798858800123}`,
  ],
  [
    'time-sale success',
    () => timesale.outcomeMessage(topics, told(completed)),
    's',
    `{"v":1,"type":"timesale.order.completed","requestId":"${requestId}","timeSaleId":"3","userId":"1001","quantity":2,"status":"COMPLETED","code":null,"orderId":"55","totalPrice":39800,"ticket":9,"acceptedAt":"2027-01-02T03:04:05.678Z","settledAt":"2027-01-02T03:04:06.001Z"}`,
  ],
  [
    'time-sale failure',
    () => timesale.outcomeMessage(topics, told(limited)),
    'f',
    `{"v":1,"type":"timesale.order.failed","requestId":"${requestId}","timeSaleId":"3","userId":"1001","quantity":2,"status":"FAILED","code":"LIMIT_EXCEEDED","orderId":null,"totalPrice":null,"ticket":9,"acceptedAt":"2027-01-02T03:04:05.678Z","settledAt":"2027-01-02T03:04:06.001Z"}`,
  ],
]

describe('Kafka message contracts', () => {
  it('write the same bytes, topic, key and headers as before', () => {
    for (const [name, encode, topic, value] of WIRE) {
      const message = encode()
      assert.equal(message.topic, topic, name)
      assert.equal(message.value, value, name)
      assert.equal(message.key, name.startsWith('coupon') ? '12' : '3', name)
      assert.deepEqual(
        message.headers,
        { 'schema-version': '1', 'request-id': requestId, 'content-type': 'application/json' },
        name,
      )
    }
  })

  it('write fields in the contract order whatever the caller passes', () => {
    const shuffled = { acceptedAt: 1798858800123, userId: 'kim@example.com', policyId: '12', requestId }
    assert.equal(coupon.requestMessage(topics, shuffled).value, WIRE[0]?.[3])
  })

  it('round-trip: what is encoded decodes to what was sent', () => {
    assert.deepEqual(
      coupon.decodeRequest(raw(coupon.requestMessage(topics, issueRequest).value as string)),
      issueRequest,
    )
    assert.deepEqual(
      timesale.decodeRequest(raw(timesale.requestMessage(topics, orderRequest).value as string)),
      orderRequest,
    )
    for (const outcome of [issued, refused]) {
      assert.deepEqual(
        coupon.decodeOutcome(raw(coupon.outcomeMessage(topics, outcome).value as string)),
        outcome,
      )
    }
    for (const outcome of [completed, limited]) {
      const encoded = timesale.outcomeMessage(topics, told(outcome)).value as string
      assert.deepEqual(timesale.decodeOutcome(raw(encoded)), outcome)
    }
  })

  it('reads ids in their one spelling, as the HTTP edge does', () => {
    const value = JSON.stringify({
      v: 1,
      type: 'coupon.issue.requested',
      requestId: requestId.toUpperCase(),
      policyId: 12,
      userId: 1001,
      acceptedAt: 5,
    })
    assert.deepEqual(coupon.decodeRequest(raw(value)), {
      requestId,
      policyId: '12',
      userId: '1001',
      acceptedAt: 5,
    })
  })

  it('refuse a malformed message with MALFORMED_MESSAGE naming the field in the sentences dead letters use', () => {
    const id = 'is missing or not a positive integer id'
    const positive = 'is missing or not a positive integer'
    const decodeIssue = (v: string) => coupon.decodeRequest(raw(v))
    const decodeOrder = (v: string) => timesale.decodeRequest(raw(v))
    const issue = { type: 'coupon.issue.requested', ...issueRequest }
    const order = { type: 'timesale.order.requested', ...orderRequest }
    // field, decoder, message, wrong value, the dead letter's `dlq-error` (as before the zod contracts)
    const cases: Array<
      [string, (value: string) => unknown, Record<string, unknown>, unknown, string | RegExp]
    > = [
      ['policyId', decodeIssue, issue, '012', `policyId ${id}`],
      ['policyId', decodeIssue, issue, null, `policyId ${id}`],
      ['policyId', decodeIssue, issue, 1e21, `policyId ${id}`],
      ['userId', decodeIssue, issue, 'a b', 'userId is missing or not a user id'],
      ['userId', decodeIssue, issue, '', 'userId is missing or not a user id'],
      ['acceptedAt', decodeIssue, issue, -1, 'acceptedAt is missing or not a timestamp'],
      ['type', decodeIssue, issue, 'other', /^type: /],
      ['quantity', decodeOrder, order, 0, `quantity ${positive}`],
      ['quantity', decodeOrder, order, '1', `quantity ${positive}`],
      ['quantity', decodeOrder, order, 1e21, `quantity ${positive}`],
      ['ticket', decodeOrder, order, 1.5, `ticket ${positive}`],
      ['queuePosition', decodeOrder, order, 0, `queuePosition ${positive}`],
      ['acceptedAt', decodeOrder, order, 'x', `acceptedAt ${positive}`],
      ['timeSaleId', decodeOrder, order, null, `timeSaleId ${id}`],
      [
        'settledAt',
        (v) => coupon.decodeOutcome(raw(v)),
        { type: 'coupon.issue.succeeded', ...issued },
        'yesterday',
        /^settledAt: /,
      ],
    ]
    for (const [field, decode, fields, bad, message] of cases) {
      const value = JSON.stringify({ v: 1, ...fields, [field]: bad })
      assert.throws(
        () => decode(value),
        { code: 'MALFORMED_MESSAGE', retryable: false, message },
        `${field}=${bad}`,
      )
    }
    const missing = JSON.stringify({ v: 1, ...order, ticket: undefined })
    assert.throws(() => decodeOrder(missing), { code: 'MALFORMED_MESSAGE', message: `ticket ${positive}` })
    const twoWrong = JSON.stringify({ v: 1, ...order, quantity: 0, acceptedAt: null })
    assert.throws(() => decodeOrder(twoWrong), { message: `quantity ${positive}; acceptedAt ${positive}` })
  })
})
