import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { couponFeature } from '../../src/coupon/feature.ts'
import { lockKey as couponLockKey } from '../../src/coupon/stock.ts'
import { flowTopics } from '../../src/flows.ts'
import { createHttpServer, type FastifyInstance } from '../../src/platform/http.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { createRegistry } from '../../src/platform/metrics.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { lockKey as saleLockKey } from '../../src/timesale/stock-model.ts'
import { createPolicy, userIds } from '../coupon/fixtures.ts'
import { get, post } from '../helpers/http.ts'
import { readTopics } from '../helpers/kafka.ts'
import { startTestService, type TestService, testConfig } from '../helpers/stack.ts'
import { createSale } from '../timesale/fixtures.ts'

/** Every key under the test's Redis prefix with its serialized value, to prove a request changed nothing. */
async function redisSnapshot(service: TestService): Promise<Map<string, string>> {
  const { redis, config } = service.runtime
  const snapshot = new Map<string, string>()
  let cursor = '0'
  do {
    // ioredis adds the key prefix to commands but not to SCAN's pattern, and returns full key names.
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${config.redis.keyPrefix}*`, 'COUNT', 1000)
    cursor = next
    for (const key of keys) {
      const name = key.slice(config.redis.keyPrefix.length)
      snapshot.set(name, ((await redis.dumpBuffer(name)) ?? Buffer.alloc(0)).toString('base64'))
    }
  } while (cursor !== '0')
  return snapshot
}

async function shedCount(url: string, reason: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const line = text
    .split('\n')
    .find(
      (row) =>
        row.startsWith('http_requests_shed_total{') &&
        row.includes(`reason="${reason}"`) &&
        row.includes('route="/api/coupons/issue"'),
    )
  return line ? Number(line.split(' ').pop()) : 0
}

/** A raw HTTP/1.1 connection, for requests whose bytes must be on the wire at a chosen moment. */
async function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url)
  const socket = connect({ host: hostname === 'localhost' ? '127.0.0.1' : hostname, port: Number(port) })
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  return socket
}

function issueRequest(policyId: string, userId: string, { complete = true } = {}): string {
  const body = JSON.stringify({ policyId, userId })
  const head = `POST /api/coupons/issue?strategy=v3 HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`
  return complete ? head + body : head + body.slice(0, 5)
}

function readResponse(socket: Socket): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0)
    const onData = (chunk: Buffer) => {
      data = Buffer.concat([data, chunk])
      const end = data.indexOf('\r\n\r\n')
      if (end < 0) return
      const headers = data.subarray(0, end).toString().toLowerCase()
      const length = Number(/content-length: (\d+)/.exec(headers)?.[1] ?? 0)
      if (data.length < end + 4 + length) return
      socket.off('data', onData)
      resolve({
        status: Number(headers.slice(9, 12)),
        headers,
        body: data.subarray(end + 4, end + 4 + length).toString(),
      })
    }
    socket.on('data', onData).once('error', reject)
    socket.once('close', () => reject(new Error(`connection closed after ${data.toString()}`)))
  })
}

/**
 * Holds a write request in flight after its body was read: a v2 request waits for its promotion's lock,
 * which the test takes first. Returns the pending answer; deleting the lock lets the request finish.
 */
async function holdInFlight(
  service: TestService,
  lock: string,
  url: string,
  body: object,
): Promise<{ answer: Promise<Response> }> {
  await service.runtime.redis.set(lock, 'held-by-test', 'PX', 60_000)
  const pending = fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  await new Promise((resolve) => setTimeout(resolve, 200))
  return { answer: pending }
}

describe('admission control on the real stack', () => {
  let service: TestService
  before(async () => {
    service = await startTestService(
      couponFeature,
      testConfig({
        OVERLOAD_MAX_IN_FLIGHT: '1',
        OVERLOAD_RETRY_AFTER_S: '2',
        LOCK_WAIT_MS: '5000',
      }),
    )
  })
  after(() => service.close())

  it('sheds a write past the in-flight limit at once with 503 OVERLOADED + Retry-After, changing nothing', async () => {
    const policyId = await createPolicy(service.url, { total: 10 })
    const [slowUser, shedUser] = userIds(2) as [string, string]
    // A v2 request waiting for its policy's lock holds the only in-flight slot.
    const lock = couponLockKey(policyId)
    const held = await holdInFlight(service, lock, `${service.url}/api/coupons/issue?strategy=v2`, {
      policyId,
      userId: slowUser,
    })
    const before = await redisSnapshot(service)
    const countBefore = await shedCount(service.url, 'inFlight')

    const started = performance.now()
    const response = await fetch(`${service.url}/api/coupons/issue?strategy=v3`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ policyId, userId: shedUser }),
    })
    const elapsed = performance.now() - started
    const body = (await response.json()) as { code: string; message: string; statusCode: number }
    assert.equal(response.status, 503)
    assert.equal(body.code, 'OVERLOADED')
    assert.equal(body.statusCode, 503)
    assert.match(body.message, /잠시 후 다시 시도/)
    assert.equal(response.headers.get('retry-after'), '2')
    assert.ok(elapsed < 1_000, `answered in ${elapsed} ms`)

    // Reads and probes still answer while writes are shed.
    assert.equal((await get(`${service.url}/health`)).status, 200)
    assert.equal((await get(`${service.url}/api/coupons/policies/${policyId}`)).status, 200)
    assert.equal(await shedCount(service.url, 'inFlight'), countBefore + 1)
    assert.deepEqual(await redisSnapshot(service), before, 'Redis unchanged by the shed request')
    const { rows } = await service.runtime.pool.query(
      'SELECT count(*)::int AS n FROM coupon_requests WHERE policy_id = $1',
      [policyId],
    )
    assert.equal(rows[0].n, 0, 'nothing in PostgreSQL')

    // Once the slot frees, the same user is accepted: the shed request left no trace to trip over.
    await service.runtime.redis.del(lock)
    const heldAnswer = await held.answer
    assert.equal(heldAnswer.status, 201, await heldAnswer.text())
    const retried = await post<{ requestId: string }>(`${service.url}/api/coupons/issue?strategy=v3`, {
      policyId,
      userId: shedUser,
    })
    assert.equal(retried.status, 202, JSON.stringify(retried.body))
    const topics = flowTopics('coupon', service.runtime.config.kafka.topicPrefix)
    const published = (await readTopics(service.runtime.config, [topics.requests], 1, { settleMs: 500 }))
      .map((message) => JSON.parse(message.value) as { policyId: string; userId: string })
      .filter((message) => message.policyId === policyId)
    assert.deepEqual(
      published.map((message) => message.userId),
      [shedUser],
      'Kafka got only the accepted v3 request',
    )
  })
})

/**
 * How long the event loop is blocked. The sample taken right after the block averages it with at most one
 * sample interval (1 s, ~100 ticks of 10 ms) of normal ticks: a mean of at least ~30 ms, past the 20 ms
 * limit, and the service stays under pressure until the next sample a second later.
 */
const BLOCK_MS = 3_000

/** Creates a policy, retrying while a neighbour's CPU burst makes the service shed (as a client would). */
async function createPolicyWhenAdmitted(url: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await createPolicy(url, { total: 10 })
    } catch (error) {
      if (attempt >= 10 || !String(error).includes('OVERLOADED')) throw error
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
}

describe('admission control: event-loop delay', () => {
  let service: TestService
  before(async () => {
    service = await startTestService(
      couponFeature,
      testConfig({
        OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '20',
        OVERLOAD_SAMPLE_INTERVAL_MS: '1000',
        OVERLOAD_RETRY_AFTER_S: '2',
      }),
    )
  })
  after(() => service.close())

  it('sheds writes while the event loop is blocked, and /health keeps answering', async () => {
    const policyId = await createPolicyWhenAdmitted(service.url)
    const [user] = userIds(1) as [string]
    const before = await redisSnapshot(service)
    const countBefore = await shedCount(service.url, 'eventLoopDelay')
    const socket = await openSocket(service.url)
    const answer = readResponse(socket)
    const until = performance.now() + BLOCK_MS
    while (performance.now() < until) {
      // Busy: the event loop of the process that runs the service is stuck.
    }
    // The overdue delay sample runs in the next timers phase, before this shorter timer: the request
    // arrives after the sample that saw the block and long before the next one.
    await new Promise((resolve) => setTimeout(resolve, 20))
    socket.write(issueRequest(policyId, user))
    const response = await answer
    socket.destroy()
    assert.equal(response.status, 503, response.body)
    assert.equal(JSON.parse(response.body).code, 'OVERLOADED')
    assert.match(response.headers, /retry-after: 2/)
    assert.equal((await get(`${service.url}/health`)).status, 200)
    assert.equal(await shedCount(service.url, 'eventLoopDelay'), countBefore + 1)
    assert.deepEqual(await redisSnapshot(service), before, 'Redis unchanged by the shed request')
  })
})

describe('admission control on the time-sale service', () => {
  let service: TestService
  before(async () => {
    service = await startTestService(
      timesaleFeature,
      testConfig({ OVERLOAD_MAX_IN_FLIGHT: '1', LOCK_WAIT_MS: '5000' }),
    )
  })
  after(() => service.close())

  it('sheds an order past the in-flight limit with 503 OVERLOADED, and takes it once the slot frees', async () => {
    const saleId = await createSale(service.url, { total: 5 })
    const [slowUser, shedUser] = userIds(2) as [string, string]
    const path = `/api/timesales/${saleId}/orders?strategy=v3`
    const lock = saleLockKey(saleId)
    const held = await holdInFlight(
      service,
      lock,
      `${service.url}/api/timesales/${saleId}/orders?strategy=v2`,
      {
        userId: slowUser,
        quantity: 1,
      },
    )
    const shed = await post<{ code: string }>(`${service.url}${path}`, { userId: shedUser, quantity: 1 })
    assert.equal(shed.status, 503)
    assert.equal(shed.body.code, 'OVERLOADED')
    assert.equal((await get(`${service.url}/health`)).status, 200)
    const text = await (await fetch(`${service.url}/metrics`)).text()
    assert.match(
      text,
      /http_requests_shed_total\{route="\/api\/timesales\/:id\/orders",reason="inFlight",service="timesale",instance="[^"]+"\} 1/,
    )
    await service.runtime.redis.del(lock)
    assert.equal((await held.answer).status, 201, 'the held order is taken')
    const retried = await post(`${service.url}${path}`, { userId: shedUser, quantity: 1 })
    assert.equal(retried.status, 202, JSON.stringify(retried.body))
  })
})

describe('admission control: producer backlog', () => {
  let app: FastifyInstance
  let backlog = 0
  let handled = 0
  before(async () => {
    app = await createHttpServer(
      {
        name: 'test',
        title: 'Test',
        bodyLimit: 1024,
        logger: createLogger({ level: 'silent', name: 'test' }),
        registry: createRegistry('test'),
        readiness: {},
        admission: {
          limits: {
            maxEventLoopDelayMs: 0,
            maxInFlight: 0,
            maxProducerBacklog: 100,
            maxHeapBytes: 0,
            sampleIntervalMs: 10,
            retryAfterSeconds: 1,
          },
          producerBacklog: () => backlog,
        },
      },
      (instance) => {
        instance.post('/api/things', async () => {
          handled++
          return { ok: true }
        })
      },
    )
  })
  after(() => app.close())

  it('sheds writes while the un-acknowledged backlog is past its limit, and admits them again after', async () => {
    assert.equal((await app.inject({ method: 'POST', url: '/api/things', payload: {} })).statusCode, 200)
    backlog = 101
    await new Promise((resolve) => setTimeout(resolve, 50))
    const shed = await app.inject({ method: 'POST', url: '/api/things', payload: {} })
    assert.equal(shed.statusCode, 503)
    assert.equal(shed.json().code, 'OVERLOADED')
    assert.equal(shed.headers['retry-after'], '1')
    assert.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200)
    assert.equal(handled, 1, 'the shed request never reached its handler')
    const metrics = await app.inject({ method: 'GET', url: '/metrics' })
    assert.match(
      metrics.body,
      /http_requests_shed_total\{route="\/api\/things",reason="healthCheck",service="test",instance="[^"]+"\} 1/,
    )
    backlog = 0
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal((await app.inject({ method: 'POST', url: '/api/things', payload: {} })).statusCode, 200)
    assert.equal(handled, 2)
  })
})
