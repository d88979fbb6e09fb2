import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { couponFeature } from '../../src/coupon/feature.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { createPolicy, userIds } from '../coupon/fixtures.ts'
import { post } from '../helpers/http.ts'
import { startTestService, type TestService, testConfig } from '../helpers/stack.ts'
import { createSale } from '../timesale/fixtures.ts'

/** Slow clients: more than the in-flight limit, each sending a request it never finishes. */
const SLOW_CLIENTS = 8

interface SlowClient {
  readonly socket: Socket
  /** Resolves when the server closes the connection: ms since the last byte was sent, and what it answered. */
  readonly closed: Promise<{ afterMs: number; answer: string }>
}

/** Every slow connection a test opened; destroyed after each suite even when an assertion failed. */
const opened: Socket[] = []

/** Opens a connection, sends `bytes` (a request cut short) and never sends the rest. */
async function slowClient(url: string, bytes: string): Promise<SlowClient> {
  const { port } = new URL(url)
  const socket = connect({ host: '127.0.0.1', port: Number(port) })
  opened.push(socket)
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  socket.write(bytes)
  const sent = performance.now()
  let answer = ''
  socket.on('data', (chunk: Buffer) => {
    answer += chunk.toString()
  })
  const closed = new Promise<{ afterMs: number; answer: string }>((resolve) => {
    socket.once('close', () => resolve({ afterMs: performance.now() - sent, answer }))
  })
  socket.on('error', () => {})
  return { socket, closed }
}

/**
 * Checks a raw answer: the status line, then a JSON body in the SPEC §2 shape with `code` and a Korean
 * message. `orNothing`: the connection may also have closed without an answer (Node closes a connection
 * that timed out while the answer could not be written).
 */
function assertRefusal(answer: string, status: number, code: string, { orNothing = false } = {}): void {
  if (orNothing && answer === '') return
  assert.match(answer, new RegExp(`^HTTP/1\\.1 ${status} `), answer)
  const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))
  assert.deepEqual(
    { statusCode: body.statusCode, code: body.code, path: body.path },
    { statusCode: status, code, path: '' },
  )
  assert.match(body.message, /[가-힣]/)
  assert.ok(!Number.isNaN(Date.parse(body.timestamp)), answer)
}

function partialBody(path: string, body: string): string {
  // Announces 100 bytes of body and sends only the first 15.
  return `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n${body.slice(0, 15)}`
}

const TIMEOUTS = {
  OVERLOAD_MAX_IN_FLIGHT: '2',
  HTTP_HEADERS_TIMEOUT_MS: '1000',
  HTTP_REQUEST_TIMEOUT_MS: '1500',
}

describe('slow clients on the coupon service', () => {
  let service: TestService
  before(async () => {
    service = await startTestService(couponFeature, testConfig(TIMEOUTS))
  })
  after(async () => {
    for (const socket of opened.splice(0)) socket.destroy()
    await service.close()
  })

  it('cannot make a normal write answer 503, and are cut off after the request timeout', async () => {
    const policyId = await createPolicy(service.url, { total: 10 })
    const [user] = userIds(1) as [string]
    const path = '/api/coupons/issue?strategy=v3'
    const clients: SlowClient[] = []
    for (let i = 0; i < SLOW_CLIENTS; i++) {
      clients.push(
        await slowClient(service.url, partialBody(path, JSON.stringify({ policyId, userId: user }))),
      )
    }
    // One more that never finishes its headers.
    clients.push(
      await slowClient(service.url, `GET /api/coupons/policies/${policyId} HTTP/1.1\r\nhost: x\r\n`),
    )
    await new Promise((resolve) => setTimeout(resolve, 200))

    const accepted = await post<{ requestId?: string; code?: string }>(`${service.url}${path}`, {
      policyId,
      userId: user,
    })
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body))

    const closes = await Promise.all(clients.map((client) => client.closed))
    for (const { afterMs, answer } of closes) {
      // The request timeout (1.5 s) plus Node's check interval (≤ 0.5 s here) plus a busy machine.
      assert.ok(afterMs < 5_000, `slow connection closed after ${afterMs} ms`)
      assert.ok(afterMs >= 900, `not closed before the timeout (${afterMs} ms)`)
      assertRefusal(answer, 408, 'REQUEST_TIMEOUT', { orNothing: true })
    }
    assert.ok(
      closes.some(({ answer }) => answer !== ''),
      'at least one slow client was told why (408 REQUEST_TIMEOUT)',
    )
  })

  it('answers what the HTTP parser refuses in the house error shape and closes the connection', async () => {
    const oversized = await slowClient(
      service.url,
      `GET /api/coupons/policies HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
    )
    assertRefusal((await oversized.closed).answer, 431, 'HEADERS_TOO_LARGE')
    const garbage = await slowClient(service.url, 'NOT AN HTTP REQUEST\r\n\r\n')
    assertRefusal((await garbage.closed).answer, 400, 'BAD_REQUEST')
    // The server goes on answering.
    assert.equal((await post(`${service.url}/api/coupons/issue`, {})).status, 400)
  })
})

describe('slow clients on the time-sale service', () => {
  let service: TestService
  before(async () => {
    service = await startTestService(timesaleFeature, testConfig(TIMEOUTS))
  })
  after(async () => {
    for (const socket of opened.splice(0)) socket.destroy()
    await service.close()
  })

  it('cannot make a normal order answer 503, and are cut off after the request timeout', async () => {
    const saleId = await createSale(service.url, { total: 5 })
    const [user] = userIds(1) as [string]
    const path = `/api/timesales/${saleId}/orders?strategy=v3`
    const clients: SlowClient[] = []
    for (let i = 0; i < SLOW_CLIENTS; i++) {
      clients.push(
        await slowClient(service.url, partialBody(path, JSON.stringify({ userId: user, quantity: 1 }))),
      )
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
    const accepted = await post(`${service.url}${path}`, { userId: user, quantity: 1 })
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body))
    const closes = await Promise.all(clients.map((client) => client.closed))
    for (const { afterMs, answer } of closes) {
      assert.ok(afterMs < 5_000, `slow connection closed after ${afterMs} ms`)
      assertRefusal(answer, 408, 'REQUEST_TIMEOUT', { orNothing: true })
    }
  })
})
