/**
 * Streaming and HEAD answers of both services, seen by real clients (raw sockets, `fetch`, the
 * `eventsource` package): a result stream sends its status line and headers at once, also when the client
 * resumes with the current state's `Last-Event-ID` (nothing to send until the 15 s heartbeat); HEAD on
 * every route answers the GET's status and headers and ends, holding no `SSE_MAX_CONNECTIONS` slot.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { EventSource } from 'eventsource'
import { couponFeature } from '../../src/coupon/feature.ts'
import type { Feature } from '../../src/runtime.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { createPolicy } from '../coupon/fixtures.ts'
import { post } from '../helpers/http.ts'
import {
  concrete,
  headerFields,
  rawExchange,
  routesOf,
  type Started,
  startWithApp,
} from '../helpers/routes.ts'
import { createSale, orderUrl } from '../timesale/fixtures.ts'

const SLOTS = 50
/** Headers that differ between any two answers, or by the framing of a body HEAD does not have. */
const FRAMING = new Set(['date', 'content-length', 'transfer-encoding', 'connection', 'keep-alive'])

interface Pending {
  readonly eventsPath: string
  /** The SSE id of the pending state, which a resuming client sends as Last-Event-ID. */
  readonly eventId: string
  readonly requestId: string
}

/** Accepts one v3 request that stays pending (the service runs no consumer). */
async function pendingRequest(service: Started, flow: string): Promise<Pending> {
  const userId = `stream-${Math.floor(Math.random() * 1e9)}`
  if (flow === 'coupon') {
    const policyId = await createPolicy(service.url, { total: 10 })
    const { status, body } = await post(`${service.url}/api/coupons/issue?strategy=v3`, { policyId, userId })
    assert.equal(status, 202, JSON.stringify(body))
    const requestId = String(body.requestId)
    return { requestId, eventId: 'PENDING', eventsPath: `/api/coupons/requests/${requestId}/events` }
  }
  const saleId = await createSale(service.url, { total: 10 })
  const { status, body } = await post(orderUrl(service.url, saleId, 'v3'), { userId, quantity: 1 })
  assert.equal(status, 202, JSON.stringify(body))
  const requestId = String(body.requestId)
  return {
    requestId,
    eventId: `QUEUED.${body.queuePosition}`,
    eventsPath: `/api/timesales/orders/requests/${requestId}/events`,
  }
}

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${extra}\r\n`
const head = (path: string, extra = '') => `HEAD ${path} HTTP/1.1\r\nHost: localhost\r\n${extra}\r\n`

for (const feature of [couponFeature, timesaleFeature] as Feature<unknown>[]) {
  describe(`streams and HEAD on the ${feature.name} service`, () => {
    let service: Started
    let pending: Pending
    before(async () => {
      // The default heartbeat (15 s): a resumed stream has nothing else to send for that long.
      service = await startWithApp(feature, { SSE_MAX_CONNECTIONS: String(SLOTS), SSE_HEARTBEAT_MS: '15000' })
      pending = await pendingRequest(service, feature.name)
    })
    after(() => service.close())

    it('sends the status line and headers at once to a client resuming with Last-Event-ID (the example)', async () => {
      const answer = await rawExchange(
        service.url,
        get(pending.eventsPath, `Last-Event-ID: ${pending.eventId}\r\n`),
        3_000,
      )
      assert.equal(answer.status, 200, `no status line within 1.5 s: ${JSON.stringify(answer.head)}`)
      assert.ok((answer.headMs ?? Infinity) < 1_000, `headers after ${answer.headMs} ms`)
      assert.equal(headerFields(answer.head)['content-type'], 'text/event-stream')
      assert.equal(answer.body, '', 'the client already has this state: nothing is sent again')
    })

    it('opens an EventSource at once, fresh and resumed', async () => {
      for (const lastEventId of [undefined, pending.eventId]) {
        const started = performance.now()
        const source = new EventSource(`${service.url}${pending.eventsPath}`, {
          fetch: (input, init) =>
            fetch(input, {
              ...init,
              headers: { ...init?.headers, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
            }),
        })
        const opened = await new Promise<number | undefined>((resolve) => {
          const timer = setTimeout(() => resolve(undefined), 3_000)
          source.onopen = () => {
            clearTimeout(timer)
            resolve(performance.now() - started)
          }
        })
        source.close()
        assert.ok(
          opened !== undefined && opened < 1_000,
          `Last-Event-ID ${lastEventId}: onopen after ${opened} ms`,
        )
      }
    })

    it(`answers ${SLOTS} HEADs on the pending stream at once, holding no slot: a GET after them still streams`, async () => {
      const heads = await Promise.all(
        Array.from({ length: SLOTS }, () => rawExchange(service.url, head(pending.eventsPath), 3_000, true)),
      )
      try {
        const statuses = heads.map((answer) => answer.status)
        assert.deepEqual(new Set(statuses), new Set([200]), `HEAD statuses: ${statuses.join(' ')}`)
        assert.equal(headerFields(heads[0]?.head ?? '')['content-type'], 'text/event-stream')
        const stream = await rawExchange(service.url, get(pending.eventsPath), 1_500)
        assert.equal(stream.status, 200, stream.head)
        assert.match(stream.body, /^event: status$/m)
      } finally {
        for (const answer of heads) answer.close()
      }
    })

    it('answers HEAD past SSE_MAX_CONNECTIONS with 503 TOO_MANY_STREAMS, as the GET', async () => {
      const streams = await Promise.all(
        Array.from({ length: SLOTS }, () => rawExchange(service.url, get(pending.eventsPath), 3_000, true)),
      )
      try {
        assert.deepEqual(new Set(streams.map((answer) => answer.status)), new Set([200]))
        const [refusedGet, refusedHead] = await Promise.all([
          rawExchange(service.url, get(pending.eventsPath)),
          rawExchange(service.url, head(pending.eventsPath)),
        ])
        assert.equal(refusedGet.status, 503, refusedGet.head)
        assert.equal(refusedHead.status, 503, refusedHead.head)
        assert.equal(headerFields(refusedHead.head)['retry-after'], '5')
      } finally {
        for (const answer of streams) answer.close()
      }
    })

    it("answers HEAD on every GET route with the GET's status and headers, and ends", async () => {
      const paths = routesOf(service.app)
        .filter((route) => route.method === 'GET')
        .map((route) => concrete(route.path, pending.requestId))
      assert.ok(paths.includes(pending.eventsPath), JSON.stringify(paths))
      const wrong: string[] = []
      for (const path of paths) {
        const [got, headed] = await Promise.all([
          rawExchange(service.url, get(path, 'Connection: close\r\n'), 1_000, true),
          rawExchange(service.url, head(path), 2_000),
        ])
        got.close()
        const expected = Object.entries(headerFields(got.head)).filter(([name]) => !FRAMING.has(name))
        const actual = Object.entries(headerFields(headed.head)).filter(([name]) => !FRAMING.has(name))
        if (
          !headed.ended ||
          headed.status !== got.status ||
          JSON.stringify(actual.sort()) !== JSON.stringify(expected.sort())
        ) {
          wrong.push(
            `${path}: GET ${got.status} ${JSON.stringify(expected)} / HEAD ${headed.status} ended=${headed.ended} ${JSON.stringify(actual)}`,
          )
        }
      }
      assert.deepEqual(wrong, [], 'routes whose HEAD differs from their GET or does not end')
    })
  })
}
