import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { z } from 'zod'
import * as coupon from '../../src/coupon/contracts.ts'
import { couponFeature } from '../../src/coupon/feature.ts'
import { type JsonSchema, requestSchema, responseSchema } from '../../src/shared/contracts/json-schema.ts'
import { idParams, requestIdParams } from '../../src/shared/ids.ts'
import { pageQuery } from '../../src/shared/paging.ts'
import { strategyQuery } from '../../src/shared/strategy.ts'
import { userIdParams } from '../../src/shared/user-id.ts'
import * as timesale from '../../src/timesale/contracts.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { QUEUED_MESSAGE } from '../../src/timesale/strategies/v3.ts'
import { dig, get } from '../helpers/http.ts'
import { startTestService } from '../helpers/stack.ts'

/** What a route declares: its request parts and its answers by status. */
interface Declared {
  readonly params?: z.ZodObject
  readonly query?: z.ZodObject
  readonly body?: z.ZodType
  readonly answers: Record<number, z.ZodType>
}

const ROUTES: Array<[string, string, string, Declared]> = [
  [
    'coupon',
    'post',
    '/api/coupons/policies',
    { body: coupon.newPolicyBody, answers: { 201: coupon.policyAnswer } },
  ],
  [
    'coupon',
    'get',
    '/api/coupons/policies',
    { query: pageQuery, answers: { 200: z.array(coupon.policyAnswer) } },
  ],
  [
    'coupon',
    'get',
    '/api/coupons/policies/{id}',
    { params: idParams, answers: { 200: coupon.policyAnswer } },
  ],
  [
    'coupon',
    'post',
    '/api/coupons/issue',
    {
      query: strategyQuery,
      body: coupon.issueBody,
      answers: { 201: coupon.issuedAnswer, 202: coupon.pendingAnswer },
    },
  ],
  [
    'coupon',
    'get',
    '/api/coupons/requests/{requestId}',
    { params: requestIdParams, answers: { 200: coupon.requestStatusAnswer } },
  ],
  [
    'coupon',
    'get',
    '/api/coupons/users/{userId}',
    { params: userIdParams, query: pageQuery, answers: { 200: z.array(coupon.couponAnswer) } },
  ],
  [
    'timesale',
    'post',
    '/api/timesales',
    { body: timesale.newSaleBody, answers: { 201: timesale.saleAnswer } },
  ],
  ['timesale', 'get', '/api/timesales', { query: pageQuery, answers: { 200: z.array(timesale.saleAnswer) } }],
  ['timesale', 'get', '/api/timesales/{id}', { params: idParams, answers: { 200: timesale.saleAnswer } }],
  [
    'timesale',
    'post',
    '/api/timesales/{id}/orders',
    {
      params: idParams,
      query: strategyQuery,
      body: timesale.orderBody,
      answers: {
        201: timesale.completedAnswer,
        202: timesale.queuedAnswer.extend({ message: z.string().meta({ examples: [QUEUED_MESSAGE] }) }),
      },
    },
  ],
  [
    'timesale',
    'get',
    '/api/timesales/orders/requests/{requestId}',
    { params: requestIdParams, answers: { 200: timesale.requestStatusAnswer } },
  ],
  [
    'timesale',
    'get',
    '/api/timesales/users/{userId}/orders',
    { params: userIdParams, query: pageQuery, answers: { 200: z.array(timesale.orderAnswer) } },
  ],
]

/**
 * What the OpenAPI writer (OpenAPI 3.0) changes in a JSON schema: `examples: [a, …]` becomes `example: a`
 * and `type: [t, 'null']` or `anyOf: [s, { type: 'null' }]` become `type: t` or `s` with `nullable: true`.
 */
function asOpenApi(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asOpenApi)
  if (typeof value !== 'object' || value === null) return value
  const { anyOf, ...rest } = value as { anyOf?: unknown[] }
  const other = anyOf?.length === 2 ? anyOf.find((s) => (s as { type?: string }).type !== 'null') : undefined
  if (other && anyOf?.some((s) => (s as { type?: string }).type === 'null')) {
    return asOpenApi({ ...rest, ...(other as object), nullable: true })
  }
  const entries = Object.entries(value).flatMap(([key, inner]): Array<[string, unknown]> => {
    if (key === 'examples' && Array.isArray(inner)) return [['example', inner[0]]]
    if (key === 'type' && Array.isArray(inner) && inner.length === 2 && inner.includes('null')) {
      return [
        ['type', inner.find((type) => type !== 'null')],
        ['nullable', true],
      ]
    }
    return [[key, asOpenApi(inner)]]
  })
  return Object.fromEntries(entries)
}

interface Parameter {
  in: string
  name: string
  required: boolean
  description?: string
  schema: JsonSchema
}

describe('OpenAPI document from the zod contracts', () => {
  const docs = new Map<string, unknown>()
  const services: Array<{ close(): Promise<void> }> = []
  before(async () => {
    for (const feature of [couponFeature, timesaleFeature] as const) {
      const service = await startTestService(feature as typeof couponFeature, undefined, { consume: false })
      services.push(service)
      docs.set(feature.name, (await get(`${service.url}/docs/json`)).body)
    }
  })
  after(async () => {
    for (const service of services) await service.close()
  })

  it('writes a nullable value of one type as one schema with null among its types and enum values', () => {
    const body = requestSchema(timesale.newSaleBody) as { properties: Record<string, JsonSchema> }
    assert.deepEqual(body.properties.maxPerUser, {
      type: ['integer', 'null'],
      minimum: 1,
      maximum: 10_000_000,
    })
    const status = responseSchema(timesale.requestStatusAnswer) as { properties: Record<string, JsonSchema> }
    assert.deepEqual(status.properties.code, {
      type: ['string', 'null'],
      enum: ['SOLD_OUT', 'LIMIT_EXCEEDED', null],
    })
    const documented = dig(
      docs.get('timesale'),
      'paths',
      '/api/timesales/orders/requests/{requestId}',
      'get',
      'responses',
      '200',
      'content',
      'application/json',
      'schema',
      'properties',
      'code',
    )
    assert.deepEqual(documented.enum, ['SOLD_OUT', 'LIMIT_EXCEEDED', null])
  })

  it('states each body, parameter and answer exactly as its zod definition produces it', () => {
    for (const [flow, method, path, declared] of ROUTES) {
      const operation = dig(docs.get(flow), 'paths', path, method)
      const where = `${method.toUpperCase()} ${path}`
      if (declared.body) {
        const body = dig(operation, 'requestBody', 'content', 'application/json', 'schema')
        assert.deepEqual(body, asOpenApi(requestSchema(declared.body)), `${where} body`)
      }
      const parameters = (operation.parameters ?? []) as Parameter[]
      for (const [place, part] of [
        ['path', declared.params],
        ['query', declared.query],
      ] as const) {
        if (!part) continue
        const json = requestSchema(part) as { properties: Record<string, JsonSchema>; required?: string[] }
        for (const [name, property] of Object.entries(json.properties)) {
          const parameter = parameters.find((p) => p.in === place && p.name === name)
          assert.ok(parameter, `${where} ${place} ${name}`)
          const { description, examples: _, ...schema } = property
          assert.deepEqual(parameter.schema, schema, `${where} ${place} ${name}`)
          assert.equal(parameter.description, description, `${where} ${place} ${name} description`)
          if (place === 'query') {
            assert.equal(
              parameter.required,
              json.required?.includes(name) ?? false,
              `${where} ${name} required`,
            )
          }
        }
      }
      for (const [status, answer] of Object.entries(declared.answers)) {
        const documented = { ...dig(operation, 'responses', status, 'content', 'application/json', 'schema') }
        assert.deepEqual(documented, asOpenApi(responseSchema(answer)), `${where} ${status}`)
      }
    }
  })
})
