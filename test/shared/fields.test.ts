import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { createHttpServer, type FastifyInstance } from '../../src/platform/http.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { createRegistry } from '../../src/platform/metrics.ts'
import { decimalPlaces, parseInstant } from '../../src/platform/schema-keywords.ts'
import { decimalSchema, instantOf, instantSchema, MAX_MONEY, textSchema } from '../../src/shared/fields.ts'
import { idParamSchema, idSchema, requestIdOf, requestIdSchema } from '../../src/shared/ids.ts'

const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

describe('input field rules (pure checks)', () => {
  it('parses exactly the instants that exist, within the years 0000-9999', () => {
    const cases: Array<[string, string | undefined]> = [
      ['2027-12-31T23:59:59Z', '2027-12-31T23:59:59.000Z'],
      ['2027-12-31t23:59:59z', '2027-12-31T23:59:59.000Z'],
      ['2028-01-01T08:59:59+09:00', '2027-12-31T23:59:59.000Z'],
      ['2027-12-31T23:59:59.123456789Z', '2027-12-31T23:59:59.123Z'],
      ['2028-02-29T00:00:00Z', '2028-02-29T00:00:00.000Z'],
      ['0000-01-01T00:00:00Z', '0000-01-01T00:00:00.000Z'],
      ['0099-06-01T00:00:00Z', '0099-06-01T00:00:00.000Z'],
      ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
      ['2027-12-31T23:59:60Z', undefined],
      ['2027-12-31T23:59:60+00:00', undefined],
      ['2027-02-29T00:00:00Z', undefined],
      ['2027-04-31T00:00:00Z', undefined],
      ['2027-12-31T24:00:00Z', undefined],
      ['2027-12-31T10:00:00+09', undefined],
      ['2027-12-31T10:00:00+0900', undefined],
      ['2027-12-31T10:00:00', undefined],
      ['2027-12-31 10:00:00Z', undefined],
      ['2027-12-31T10:00:00.Z', undefined],
      ['+012027-12-31T10:00:00Z', undefined],
      ['0000-01-01T00:00:00+00:01', undefined],
      ['9999-12-31T23:59:59-00:01', undefined],
      ['tomorrow', undefined],
    ]
    for (const [text, expected] of cases) {
      assert.equal(parseInstant(text)?.toISOString(), expected, text)
    }
  })

  it('reads back every instant of the range that toISOString writes', () => {
    const instants = fc.date({
      min: new Date('0000-01-01T00:00:00.000Z'),
      max: new Date('9999-12-31T23:59:59.999Z'),
      noInvalidDate: true,
    })
    fc.assert(
      fc.property(instants, (date) => {
        const text = date.toISOString()
        assert.match(text, RFC3339_UTC)
        assert.equal(parseInstant(text)?.getTime(), date.getTime())
      }),
      { numRuns: 2_000 },
    )
  })

  it('counts the decimal places a client wrote', () => {
    const cases: Array<[number, number]> = [
      [100, 0],
      [19.99, 2],
      [12.345, 3],
      [99.999, 3],
      [0.001, 3],
      [1e-7, 7],
      [1.5e-7, 8],
      [1e21, 0],
      [MAX_MONEY, 2],
    ]
    for (const [value, places] of cases) assert.equal(decimalPlaces(value), places, String(value))
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999_999_999_999 }), (cents) => {
        assert.ok(decimalPlaces(cents / 100) <= 2, String(cents / 100))
      }),
    )
  })

  it('reads request ids of any case in lower case, and nothing else', () => {
    const id = '0f8FAD5B-D9CB-469F-A165-70867728950E'
    assert.equal(requestIdOf(id), id.toLowerCase())
    assert.equal(requestIdOf(`urn:uuid:${id}`), undefined)
    assert.equal(requestIdOf(` ${id}`), undefined)
    assert.equal(requestIdOf(42), undefined)
  })

  it('throws VALIDATION_FAILED naming the field for a date-time that names no instant', () => {
    assert.throws(() => instantOf('endTime', '2027-12-31T23:59:60Z'), {
      code: 'VALIDATION_FAILED',
      message: /endTime/,
    })
  })
})

describe('input field rules (HTTP schema)', () => {
  let app: FastifyInstance
  before(async () => {
    app = await createHttpServer(
      {
        name: 'test',
        title: 'Test',
        bodyLimit: 4096,
        logger: createLogger({ level: 'silent', name: 'test' }),
        registry: createRegistry('test'),
        readiness: {},
      },
      (instance) => {
        instance.post(
          '/api/things',
          {
            schema: {
              body: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  name: textSchema(20),
                  at: instantSchema,
                  price: decimalSchema(MAX_MONEY),
                  thingId: idSchema,
                  requestIds: { type: 'array', items: requestIdSchema },
                },
              },
            },
          },
          async (request) => request.body,
        )
        instance.get(
          '/api/things/:id/requests/:requestId',
          {
            schema: {
              params: {
                type: 'object',
                properties: { id: idParamSchema, requestId: requestIdSchema },
              },
            },
          },
          async (request) => request.params,
        )
      },
    )
  })
  after(() => app.close())

  async function send(body: Record<string, unknown>) {
    const response = await app.inject({ method: 'POST', url: '/api/things', payload: body })
    return { status: response.statusCode, body: response.json() }
  }

  async function assertRejected(body: Record<string, unknown>, field: string) {
    const response = await send(body)
    assert.equal(response.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(response.body)}`)
    assert.equal(response.body.code, 'VALIDATION_FAILED')
    assert.match(response.body.message, new RegExp(field), JSON.stringify(response.body))
  }

  it('refuses text with control characters, lone surrogates or only white space', async () => {
    for (const name of [
      'a\u0000b',
      'a\u0007b',
      'a\u001bb',
      'a\u007fb',
      'a\u0085b',
      '\ud800',
      ' ',
      '\t\n',
      '\u3000',
    ]) {
      await assertRejected({ name }, 'name')
    }
    for (const name of ['a b', 'tab\there', 'line\nbreak', ' 한글 ', '😀 emoji', 'x'.repeat(20)]) {
      const response = await send({ name })
      assert.equal(response.status, 200, JSON.stringify(name))
      assert.equal(response.body.name, name, 'kept as sent')
    }
  })

  it('refuses date-times that name no instant', async () => {
    for (const at of [
      '2027-12-31T23:59:60Z',
      '0000-01-01T00:00:00+01:00',
      '9999-12-31T23:59:59-01:00',
      '10000-01-01T00:00:00Z',
      '2027-12-31T10:00:00+09',
      '2027-02-30T00:00:00Z',
    ]) {
      await assertRejected({ at }, 'at')
    }
    assert.equal((await send({ at: '2027-12-31T23:59:59.5+09:00' })).status, 200)
  })

  it('refuses more decimal places than are stored', async () => {
    for (const price of [0.001, 12.345, 99.999, 1e-9, 19.999]) await assertRejected({ price }, 'price')
    for (const price of [0.01, 12.34, 19.99, MAX_MONEY]) {
      const response = await send({ price })
      assert.equal(response.status, 200, String(price))
      assert.equal(response.body.price, price)
    }
  })

  it('normalises ids once: numbers to strings, UUIDs to lower case; refuses other spellings', async () => {
    const upper = '0F8FAD5B-D9CB-469F-A165-70867728950E'
    const ok = await send({ thingId: 12, requestIds: [upper] })
    assert.deepEqual(ok.body, { thingId: '12', requestIds: [upper.toLowerCase()] })
    for (const thingId of ['012', '+12', ' 12', '12 ', '1e3', '-1', 0, 1.5, 1e16, '']) {
      await assertRejected({ thingId }, 'thingId')
    }
    for (const requestId of [`urn:uuid:${upper}`, `{${upper}}`, upper.replaceAll('-', ''), `${upper} `]) {
      await assertRejected({ requestIds: [requestId] }, 'requestIds')
    }
    const path = await app.inject(`/api/things/12/requests/${upper}`)
    assert.deepEqual(path.json(), { id: '12', requestId: upper.toLowerCase() })
    for (const url of [
      `/api/things/012/requests/${upper}`,
      `/api/things/%2B12/requests/${upper}`,
      `/api/things/%2012/requests/${upper}`,
      `/api/things/12/requests/urn:uuid:${upper}`,
    ]) {
      const response = await app.inject(url)
      assert.equal(response.statusCode, 400, url)
      assert.equal(response.json().code, 'VALIDATION_FAILED', url)
    }
  })

  it('states the rules in the OpenAPI document', async () => {
    const doc = (await app.inject('/docs/json')).json()
    const schema = doc.paths['/api/things'].post.requestBody.content['application/json'].schema.properties
    assert.equal(schema.at.format, 'date-time')
    assert.equal(typeof schema.at.pattern, 'string')
    assert.equal(schema.at['x-instant'], true)
    assert.equal(schema.price['x-decimals'], 2)
    assert.equal(typeof schema.name.pattern, 'string')
    assert.match(schema.name.description, /control characters/)
    assert.equal(schema.thingId['x-normalize'], 'id')
  })
})
