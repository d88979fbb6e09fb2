/**
 * Every user id the API accepts survives the round trip through a URL path segment, on both services:
 * an id is written (body), then read back by a WHATWG URL client (`fetch`) at `/users/<encodeURIComponent(id)>`.
 * Ids that cannot survive it (dots only: `.` and `..` are dot segments, also spelled `%2E%2E`) are refused
 * with 400 `VALIDATION_FAILED` naming the field, in the body and in the path.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { couponFeature } from '../../src/coupon/feature.ts'
import type { Feature } from '../../src/runtime.ts'
import { isUserId } from '../../src/shared/user-id.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { createPolicy } from '../coupon/fixtures.ts'
import { get, type JsonResponse, post } from '../helpers/http.ts'
import { rawExchange } from '../helpers/routes.ts'
import { startTestService, type TestService } from '../helpers/stack.ts'
import { createSale, orderUrl } from '../timesale/fixtures.ts'

const RUNS = Number(process.env.PROPERTY_RUNS ?? 100)
const DOTS = ['.', '..', '...']
/** What a client may put in the path for a dot id; curl --path-as-is and raw sockets send them unresolved. */
const DOT_SEGMENTS = ['.', '..', '%2E', '%2e%2E', '.%2E', '...']

/** Ids of the allowed characters, dots made frequent, that the rule accepts. */
const acceptedIds = fc
  .string({ unit: fc.constantFrom(...'Aa09._:@-'.split(''), '.', '.'), minLength: 1, maxLength: 64 })
  .filter(isUserId)

interface Flow {
  readonly name: string
  readonly feature: Feature<unknown>
  /** Path of a user's list. */
  readonly listPath: (segment: string) => string
  /** A fresh promotion; `write(userId)` then takes one unit of it for the user: status, body. */
  prepare(url: string): Promise<(userId: unknown, strategy?: string) => Promise<JsonResponse>>
  /** The id of what `write` created, and the same id in an item of the user's list. */
  readonly created: (body: Record<string, unknown>) => unknown
  readonly listed: (item: Record<string, unknown>) => unknown
}

const FLOWS: Flow[] = [
  {
    name: 'coupon',
    feature: couponFeature as Feature<unknown>,
    listPath: (segment) => `/api/coupons/users/${segment}`,
    async prepare(url) {
      const policyId = await createPolicy(url, { total: 10_000 })
      return (userId, strategy = 'v1') =>
        post(`${url}/api/coupons/issue?strategy=${strategy}`, { policyId, userId })
    },
    created: (body) => body.couponId,
    listed: (item) => item.id,
  },
  {
    name: 'timesale',
    feature: timesaleFeature as Feature<unknown>,
    listPath: (segment) => `/api/timesales/users/${segment}/orders`,
    async prepare(url) {
      const saleId = await createSale(url, { total: 10_000 })
      return (userId, strategy = 'v1') => post(orderUrl(url, saleId, strategy), { userId, quantity: 1 })
    },
    created: (body) => body.orderId,
    listed: (item) => item.id,
  },
]

function assertNamesUserId(status: number, body: Record<string, unknown>, what: string): void {
  assert.equal(status, 400, `${what}: ${JSON.stringify(body)}`)
  assert.equal(body.code, 'VALIDATION_FAILED', what)
  const fields = (body.details as Array<{ field: string }> | undefined)?.map((detail) => detail.field)
  assert.ok(fields?.includes('userId'), `${what}: ${JSON.stringify(body)}`)
}

for (const flow of FLOWS) {
  describe(`user ids in URL paths on the ${flow.name} service`, () => {
    let service: TestService
    before(async () => {
      service = await startTestService(flow.feature)
    })
    after(() => service.close())

    it('refuses "userId": ".." and "." in the body with 400 VALIDATION_FAILED naming userId, every strategy (the example)', async () => {
      const write = await flow.prepare(service.url)
      for (const strategy of ['v1', 'v2', 'v3']) {
        for (const userId of DOTS) {
          const { status, body } = await write(userId, strategy)
          assertNamesUserId(status, body, `${strategy} ${JSON.stringify(userId)}`)
        }
      }
    })

    it('refuses dot ids in the path, however they are spelled, with 400 naming userId', async () => {
      for (const segment of DOT_SEGMENTS) {
        const path = flow.listPath(segment)
        const answer = await rawExchange(
          service.url,
          `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
        )
        assertNamesUserId(answer.status, JSON.parse(answer.body || '{}'), path)
      }
    })

    it('reads back every accepted id through fetch at its encodeURIComponent path, "1001" included', async () => {
      const write = await flow.prepare(service.url)
      const ids = new Set(['1001', '.a', 'a..b', ...fc.sample(acceptedIds, RUNS)])
      for (const userId of ids) {
        const { status, body } = await write(userId)
        assert.equal(status, 201, `${JSON.stringify(userId)}: ${JSON.stringify(body)}`)
        const list = await get<Array<Record<string, unknown>>>(
          `${service.url}${flow.listPath(encodeURIComponent(userId))}`,
        )
        assert.equal(list.status, 200, `${JSON.stringify(userId)}: ${JSON.stringify(list.body)}`)
        assert.ok(
          list.body.some((item) => flow.listed(item) === flow.created(body) && item.userId === body.userId),
          `${JSON.stringify(userId)} did not read back its own ${JSON.stringify(flow.created(body))}`,
        )
      }
    })
  })
}
