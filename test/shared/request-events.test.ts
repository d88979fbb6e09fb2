import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { Config } from '../../src/config.ts'
import { couponFeature } from '../../src/coupon/feature.ts'
import { createRuntime, type Runtime, startFeature } from '../../src/runtime.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { createPolicy, userIds } from '../coupon/fixtures.ts'
import { get, post } from '../helpers/http.ts'
import { readRaw, streamsStarted, streamUntil } from '../helpers/sse.ts'
import { eventually, startTestService, type TestService, testConfig } from '../helpers/stack.ts'
import { createSale, orderUrl } from '../timesale/fixtures.ts'

interface Status {
  requestId: string
  status: string
  queuePosition?: number
}

/** A consumer-only process (no HTTP) on the configuration: settles what the API instances accepted. */
async function startConsumer(config: Config, feature: typeof couponFeature | typeof timesaleFeature) {
  const runtime: Runtime = await createRuntime(config, `${feature.name}-consumer`)
  await startFeature(runtime, feature as typeof couponFeature, { http: false, consume: true })
  return runtime
}

async function openStreams(url: string): Promise<number> {
  const metrics = await fetch(`${url}/metrics`).then((response) => response.text())
  return Number(/^http_sse_streams_open(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1] ?? 0)
}

describe('result streams (SSE) across instances', () => {
  // Polls are rare here: a stream that ends in time was woken by the settlement signal (Redis pub/sub).
  const config = testConfig({ SSE_HEARTBEAT_MS: '200', SSE_POLL_MS: '60000' })
  let a: TestService
  let b: TestService
  let bounded: TestService
  let consumer: Runtime | undefined
  let policyId: string
  const accepted: Status[] = []

  before(async () => {
    a = await startTestService(couponFeature, config, { consume: false })
    b = await startTestService(couponFeature, config, { consume: false })
    bounded = await startTestService(
      couponFeature,
      {
        ...config,
        clientApi: { ...config.clientApi, events: { ...config.clientApi.events, maxConnections: 1 } },
      },
      { consume: false },
    )
  })
  after(async () => {
    await consumer?.lifecycle.close()
    await bounded.runtime.lifecycle.close()
    await b.runtime.lifecycle.close()
    await a.close()
  })

  it('accepts on A with a Location and Link to the stream; B streams the pending state with heartbeats', async () => {
    policyId = await createPolicy(a.url, { total: 10 })
    const responses = await Promise.all(
      userIds(40).map((userId) =>
        fetch(`${a.url}/api/coupons/issue?strategy=v3`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ policyId, userId }),
        }),
      ),
    )
    for (const response of responses) {
      assert.equal(response.status, 202)
      const body = (await response.json()) as Status
      assert.equal(response.headers.get('location'), `/api/coupons/requests/${body.requestId}`)
      assert.equal(
        response.headers.get('link'),
        `</api/coupons/requests/${body.requestId}/events>; rel="monitor"; type="text/event-stream"`,
      )
      accepted.push(body)
    }
    const first = accepted[0] as Status
    const raw = await readRaw(`${b.url}/api/coupons/requests/${first.requestId}/events`, 700)
    assert.equal(raw.status, 200)
    assert.match(raw.headers.get('content-type') ?? '', /^text\/event-stream/)
    assert.match(raw.text, /^id: PENDING\nevent: status\ndata: \{.*"status":"PENDING"/m)
    assert.ok((raw.text.match(/^: heartbeat$/gm) ?? []).length >= 2, raw.text)
  })

  it('answers 503 TOO_MANY_STREAMS past SSE_MAX_CONNECTIONS, 404 for an unknown request, 400 for a bad id', async () => {
    const first = accepted[0] as Status
    const url = `${bounded.url}/api/coupons/requests/${first.requestId}/events`
    const held = readRaw(url, 1_000)
    await eventually(async () => ((await openStreams(bounded.url)) === 1 ? true : undefined), 5_000)
    const refused = await fetch(url)
    assert.equal(refused.status, 503)
    assert.equal(refused.headers.get('retry-after'), '5')
    assert.equal(((await refused.json()) as { code: string }).code, 'TOO_MANY_STREAMS')
    assert.equal((await held).status, 200)
    await eventually(async () => ((await openStreams(bounded.url)) === 0 ? true : undefined), 5_000)

    const unknown = await get(`${b.url}/api/coupons/requests/${randomUUID()}/events`)
    assert.equal(unknown.status, 404)
    assert.equal(unknown.body.code, 'REQUEST_NOT_FOUND')
    const bad = await get(`${b.url}/api/coupons/requests/not-a-uuid/events`)
    assert.equal(bad.status, 400)
  })

  it('ends every stream on B with the final state the status endpoint reports, settled by a consumer elsewhere', async () => {
    const { started, streams } = streamsStarted<Status>(
      accepted.map((request) => `${b.url}/api/coupons/requests/${request.requestId}/events`),
      (data) => data.status !== 'PENDING',
    )
    await started
    assert.equal(await openStreams(b.url), accepted.length)
    consumer = await startConsumer(config, couponFeature)
    const results = await Promise.all(streams)
    const finals: Record<string, number> = {}
    for (const [index, events] of results.entries()) {
      const request = accepted[index] as Status
      assert.equal(events[0]?.data.status, 'PENDING', 'the current state comes first')
      const last = events.at(-1)
      assert.ok(last)
      const status = await get(`${a.url}/api/coupons/requests/${request.requestId}`)
      assert.deepEqual(last.data, status.body)
      assert.equal(last.id, status.body.status)
      finals[String(last.data.status)] = (finals[String(last.data.status)] ?? 0) + 1
    }
    assert.deepEqual(finals, { ISSUED: 10, FAILED: 30 })
    await eventually(async () => ((await openStreams(b.url)) === 0 ? true : undefined), 5_000)
  })

  it('resumes with Last-Event-ID: 204 once the client has the final state, only what is new otherwise', async () => {
    const request = accepted[0] as Status
    const url = `${b.url}/api/coupons/requests/${request.requestId}/events`
    const final = await get(url.replace(/\/events$/, ''))
    const done = await fetch(url, { headers: { 'last-event-id': String(final.body.status) } })
    assert.equal(done.status, 204)
    const resumed = await streamUntil<Status>(url, (data) => data.status !== 'PENDING', {
      lastEventId: 'PENDING',
    })
    assert.deepEqual(
      resumed.map((event) => event.id),
      [final.body.status],
    )
  })
})

describe('time-sale result streams', () => {
  const config = testConfig({ SSE_POLL_MS: '60000' })
  let a: TestService
  let consumer: Runtime | undefined
  after(async () => {
    await consumer?.lifecycle.close()
    await a.close()
  })
  before(async () => {
    a = await startTestService(timesaleFeature, config, { consume: false })
  })

  it('streams the live queue position, then the final state the status endpoint reports', async () => {
    const saleId = await createSale(a.url, { total: 4 })
    const accepted: Status[] = []
    for (const userId of userIds(12)) {
      const response = await post<Status>(orderUrl(a.url, saleId, 'v3'), { userId, quantity: 1 })
      assert.equal(response.status, 202)
      accepted.push(response.body)
    }
    const { started, streams } = streamsStarted<Status>(
      accepted.map((request) => `${a.url}/api/timesales/orders/requests/${request.requestId}/events`),
      (data) => data.status !== 'QUEUED',
    )
    await started
    assert.equal(await openStreams(a.url), accepted.length)
    consumer = await startConsumer(config, timesaleFeature)
    const results = await Promise.all(streams)
    const finals: Record<string, number> = {}
    for (const [index, events] of results.entries()) {
      const request = accepted[index] as Status
      const first = events[0]
      assert.equal(first?.data.status, 'QUEUED')
      assert.equal(first.data.queuePosition, index + 1, 'the position when streaming starts')
      assert.equal(first.id, `QUEUED.${index + 1}`)
      const positions = events.filter((e) => e.data.status === 'QUEUED').map((e) => e.data.queuePosition ?? 0)
      assert.deepEqual(
        positions,
        [...positions].sort((x, y) => y - x),
        'positions only go down',
      )
      const status = await get(`${a.url}/api/timesales/orders/requests/${request.requestId}`)
      assert.deepEqual(events.at(-1)?.data, status.body)
      const final = String(status.body.status)
      finals[final] = (finals[final] ?? 0) + 1
    }
    assert.deepEqual(finals, { COMPLETED: 4, FAILED: 8 })
  })
})
