import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { connect } from 'node:net'
import { after, before, describe, it } from 'node:test'
import calculateSlot from 'cluster-key-slot'
import { Redis as RawRedis } from 'ioredis'
import { couponFeature } from '../../src/coupon/feature.ts'
import { CouponStock } from '../../src/coupon/stock.ts'
import { RequestIndex } from '../../src/shared/request-index.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { TimeSaleStock } from '../../src/timesale/stock.ts'
import { createPolicy, userIds } from '../coupon/fixtures.ts'
import { get, post } from '../helpers/http.ts'
import { startTestService, type TestService } from '../helpers/stack.ts'
import { createSale } from '../timesale/fixtures.ts'

interface Seen {
  /** The command's name and arguments, as MONITOR quotes them. */
  readonly args: string[]
  /** `127.0.0.1:port` of the client that sent it, or `lua` for a command run by a script. */
  readonly source: string
}

/** One MONITOR line: `+<time> [<db> <source>] "<command>" "<arg>" ...`. */
function parseMonitorLine(line: string): Seen | undefined {
  const match = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] (.*)$/.exec(line)
  if (!match?.[1] || match[2] === undefined) return undefined
  const args = [...match[2].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map(([, arg]) => arg ?? '')
  return { args, source: match[1] }
}

/**
 * The commands Redis received (MONITOR, on a socket of its own: the shared Redis is busy with other tests'
 * commands) whose arguments name a key under `prefix` — this test's own keys — while `work` ran, leaving
 * out those run inside a Lua script.
 */
async function commandsDuring(url: string, prefix: string, work: () => Promise<void>): Promise<Seen[]> {
  const { hostname, port } = new URL(url)
  const socket = connect({ host: hostname, port: Number(port || 6379) })
  const seen: Seen[] = []
  let buffered = ''
  let started: () => void = () => {}
  const monitoring = new Promise<void>((resolve) => {
    started = resolve
  })
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => {
    buffered += chunk
    const lines = buffered.split('\r\n')
    buffered = lines.pop() ?? ''
    for (const line of lines) {
      if (line === '+OK') started()
      const command = parseMonitorLine(line)
      if (command && command.source !== 'lua' && command.args.some((arg) => arg.startsWith(prefix))) {
        seen.push(command)
      }
    }
  })
  try {
    socket.write('MONITOR\r\n')
    await monitoring
    await work()
    // Let the last commands' lines arrive.
    await new Promise((resolve) => setTimeout(resolve, 300))
    return seen
  } finally {
    socket.destroy()
  }
}

const command = (seen: Seen) => seen.args[0]?.toUpperCase()

/**
 * Sends one accepted request per user after a first one (the first call of a fresh script costs a
 * NOSCRIPT and an EVAL: once per Redis, not per request) and asserts that each cost exactly one Redis
 * command; returns the request ids.
 */
async function acceptOneCommandEach(
  service: TestService,
  send: (userId: string) => Promise<{ status: number; body: Record<string, unknown> }>,
): Promise<{ requestIds: string[]; users: string[] }> {
  const [warm, ...users] = userIds(6) as [string, ...string[]]
  assert.equal((await send(warm)).status, 202)
  const requestIds: string[] = []
  const { url, keyPrefix } = service.runtime.config.redis
  const seen = await commandsDuring(url, keyPrefix, async () => {
    for (const userId of users) {
      const accepted = await send(userId)
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body))
      requestIds.push(String(accepted.body.requestId))
    }
  })
  assert.deepEqual(
    seen.map(command),
    users.map(() => 'EVALSHA'),
    JSON.stringify(seen),
  )
  return { requestIds, users }
}

describe('the v3 accept path: one Redis round trip per request', () => {
  let coupons: TestService
  let sales: TestService
  before(async () => {
    coupons = await startTestService(couponFeature, undefined, { consume: false })
    sales = await startTestService(timesaleFeature, undefined, { consume: false })
  })
  after(async () => {
    await coupons?.close()
    await sales?.close()
  })

  it('coupon: one EVALSHA per accept writes the pending mark and the status entry, found by id in any case', async () => {
    const { url: redisUrl, keyPrefix } = coupons.runtime.config.redis
    const policyId = await createPolicy(coupons.url, { total: 100 })
    const { requestIds, users } = await acceptOneCommandEach(coupons, (userId) =>
      post(`${coupons.url}/api/coupons/issue?strategy=v3`, { policyId, userId }),
    )

    const index = new RequestIndex(coupons.runtime.redis, 'c')
    const raw = new RawRedis(redisUrl, { keyPrefix })
    try {
      for (const [i, requestId] of requestIds.entries()) {
        const key = index.keyOf(requestId)
        assert.equal(calculateSlot(key), calculateSlot(`{c:${policyId}}:meta`), 'the entry is in the slot')
        assert.deepEqual(Object.keys(JSON.parse((await raw.get(key)) ?? '{}')).sort(), [
          'acceptedAt',
          'policyId',
          'userId',
        ])
        assert.equal((await raw.ttl(key)) > 6 * 24 * 3600, true, 'kept for about a week')
        const status = await get(`${coupons.url}/api/coupons/requests/${requestId.toUpperCase()}`)
        assert.equal(status.status, 200, JSON.stringify(status.body))
        assert.equal(status.body.status, 'PENDING')
        assert.equal(status.body.requestId, requestId)
        assert.equal(status.body.userId, users[i])
      }
    } finally {
      raw.disconnect()
    }
  })

  it('time sale: one EVALSHA per accept draws the ticket and writes the status entry with it', async () => {
    const saleId = await createSale(sales.url, { total: 100 })
    const { requestIds } = await acceptOneCommandEach(sales, (userId) =>
      post(`${sales.url}/api/timesales/${saleId}/orders?strategy=v3`, { userId, quantity: 1 }),
    )
    for (const [i, requestId] of requestIds.entries()) {
      const status = await get(`${sales.url}/api/timesales/orders/requests/${requestId.toUpperCase()}`)
      assert.equal(status.status, 200, JSON.stringify(status.body))
      assert.equal(status.body.status, 'QUEUED')
      assert.equal(status.body.requestId, requestId)
      assert.equal(status.body.queuePosition, i + 2, 'the ticket drawn in the same call')
    }
  })

  it('an id without a slot (version 4, issued before) is found under the former key and forgotten there', async () => {
    const redis = coupons.runtime.redis
    const index = new RequestIndex<{ policyId: string }>(redis, 'c')
    const legacy = randomUUID()
    assert.equal(index.keyOf(legacy), `c:req:${legacy}`)
    await redis.set(`c:req:${legacy}`, JSON.stringify({ policyId: '1' }), 'EX', 60)
    assert.deepEqual(await index.find(legacy), { policyId: '1' })
    await index.forget([legacy])
    assert.equal(await redis.exists(`c:req:${legacy}`), 0)
    const status = await get(`${coupons.url}/api/coupons/requests/${randomUUID()}`)
    assert.equal(status.status, 404)
    assert.equal(status.body.code, 'REQUEST_NOT_FOUND')
  })

  it('settled entries of one promotion are forgotten with one UNLINK; ids without a slot one each', async () => {
    const { redis, config } = coupons.runtime
    const index = new RequestIndex(redis, 'c')
    const stock = new CouponStock(redis)
    const policyId = String(900_000_000 + Math.floor(Math.random() * 1e6))
    const inSlot = Array.from({ length: 20 }, () => stock.newRequestId(policyId))
    const legacy = [randomUUID(), randomUUID()]
    const keys = [...inSlot, ...legacy].map((id) => index.keyOf(id))
    await Promise.all(keys.map((key) => redis.set(key, '{}', 'EX', 60)))
    const seen = await commandsDuring(config.redis.url, config.redis.keyPrefix, () =>
      index.forget([...inSlot, ...legacy]),
    )
    assert.deepEqual(seen.map(command), ['UNLINK', 'UNLINK', 'UNLINK'], JSON.stringify(seen))
    assert.deepEqual(
      seen.map((unlink) => unlink.args.length - 1).sort((a, b) => a - b),
      [1, 1, 20],
    )
    assert.equal(await redis.exists(...keys), 0, 'every entry gone')
  })

  it('a request that could not be published is withdrawn in one call: mark / ticket and entry', async () => {
    const { url: redisUrl, keyPrefix } = coupons.runtime.config.redis
    const redis = coupons.runtime.redis
    const couponStock = new CouponStock(redis)
    const couponIndex = new RequestIndex(redis, 'c')
    const policyId = await createPolicy(coupons.url, { total: 10 })
    const [userId] = userIds(1) as [string]
    const requestId = couponStock.newRequestId(policyId)
    const entry = couponIndex.entry(requestId, { policyId, userId, acceptedAt: Date.now() })
    await couponStock.accept(policyId, userId, requestId, Date.now(), entry)
    assert.ok(await couponIndex.find(requestId))
    await couponStock.withdraw(policyId, userId, requestId, entry.key) // scripts loaded
    await couponStock.accept(policyId, userId, requestId, Date.now(), entry)
    const seen = await commandsDuring(redisUrl, keyPrefix, () =>
      couponStock.withdraw(policyId, userId, requestId, entry.key),
    )
    assert.deepEqual(seen.map(command), ['EVALSHA'])
    assert.equal(await couponIndex.find(requestId), undefined, 'entry gone')
    assert.equal(await redis.hexists(`{c:${policyId}}:pending`, userId), 0, 'pending mark gone')
    // The user may try again at once.
    const again = couponStock.newRequestId(policyId)
    await couponStock.accept(
      policyId,
      userId,
      again,
      Date.now(),
      couponIndex.entry(again, { policyId, userId }),
    )

    const saleStock = new TimeSaleStock(sales.runtime.redis)
    const saleIndex = new RequestIndex(sales.runtime.redis, 't')
    const saleId = await createSale(sales.url, { total: 10 })
    const orderId = saleStock.newRequestId(saleId)
    const orderEntry = saleIndex.entry(orderId, { timeSaleId: saleId, userId, quantity: 1 })
    await saleStock.accept(saleId, userId, 1, orderEntry)
    await saleStock.abandon(saleId, orderEntry.key)
    await saleStock.accept(saleId, userId, 1, orderEntry)
    const abandoned = await commandsDuring(
      sales.runtime.config.redis.url,
      sales.runtime.config.redis.keyPrefix,
      () => saleStock.abandon(saleId, orderEntry.key),
    )
    assert.deepEqual(abandoned.map(command), ['EVALSHA'])
    assert.equal(await saleIndex.find(orderId), undefined, 'entry gone')
    const view = await saleStock.inspect(saleId)
    assert.deepEqual([view.tickets, view.abandoned], [2, 2], 'both tickets counted as abandoned')
    assert.equal(await saleStock.queuePosition(saleId, 3), 1, 'the next order is first in the queue')
  })
})
