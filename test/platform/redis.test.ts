import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { Redis as RawRedis } from 'ioredis'
import { AppError } from '../../src/errors.ts'
import { RedisLock } from '../../src/platform/lock.ts'
import { createRedis, LuaScripts, type Redis, readScripts } from '../../src/platform/redis.ts'
import { testConfig } from '../helpers/stack.ts'

describe('Redis client and Lua scripts', () => {
  const config = testConfig()
  let redis: Redis

  before(() => {
    redis = createRedis(config.redis, 'test')
  })
  after(async () => {
    const keys = await redis.keys(`${config.redis.keyPrefix}*`)
    if (keys.length > 0) await redis.call('DEL', ...keys)
    await redis.quit()
  })

  it('loads scripts named <name>-<keys>.lua and runs them atomically under concurrency', async () => {
    const files = readScripts(fileURLToPath(new URL('./fixtures', import.meta.url)))
    assert.deepEqual(
      files.map((file) => [file.name, file.numberOfKeys]),
      [['takeIfPositive', 1]],
    )
    const scripts = new LuaScripts<'takeIfPositive'>(redis, files)
    await redis.set('stock', 10)
    const results = await Promise.all(
      Array.from({ length: 50 }, () => scripts.run('takeIfPositive', ['stock'])),
    )
    assert.equal(results.filter((value) => value !== -1).length, 10)
    assert.equal(await redis.get('stock'), '0')
    // Read back with a client without the prefix: the script wrote the prefixed key.
    const raw = new RawRedis(config.redis.url)
    try {
      assert.equal(await raw.get(`${config.redis.keyPrefix}stock`), '0', 'stored under the key prefix')
    } finally {
      raw.disconnect()
    }
  })

  it('reloads scripts transparently after Redis forgot them (NOSCRIPT)', async () => {
    const scripts = new LuaScripts<'takeIfPositive'>(
      redis,
      readScripts(fileURLToPath(new URL('./fixtures', import.meta.url))),
    )
    await redis.set('stock2', 2)
    assert.equal(await scripts.run('takeIfPositive', ['stock2']), 1)
    await redis.script('FLUSH')
    assert.equal(await scripts.run('takeIfPositive', ['stock2']), 0)
  })

  it('refuses a call with the wrong number of keys', () => {
    const scripts = new LuaScripts<'takeIfPositive'>(
      redis,
      readScripts(fileURLToPath(new URL('./fixtures', import.meta.url))),
    )
    assert.throws(() => scripts.run('takeIfPositive', ['a', 'b']), /takes 1 keys/)
  })

  it('keeps apart scripts of the same name on one client (flows sharing a process, as in `all`)', async () => {
    const one = new LuaScripts<'accept'>(redis, [{ name: 'accept', numberOfKeys: 0, lua: "return 'one'" }])
    const two = new LuaScripts<'accept'>(redis, [{ name: 'accept', numberOfKeys: 0, lua: "return 'two'" }])
    const answers = await Promise.all([one.run('accept', []), two.run('accept', []), one.run('accept', [])])
    assert.deepEqual(answers, ['one', 'two', 'one'])
  })
})

describe('RedisLock', () => {
  const config = testConfig()
  let redis: Redis
  let lock: RedisLock

  before(() => {
    redis = createRedis(config.redis, 'test-lock')
    lock = new RedisLock(redis)
  })
  after(() => redis.quit())

  it('lets one holder in at a time', async () => {
    let inside = 0
    let maxInside = 0
    await Promise.all(
      Array.from({ length: 20 }, () =>
        lock.withLock('lock:a', async () => {
          inside++
          maxInside = Math.max(maxInside, inside)
          await sleep(2)
          inside--
        }),
      ),
    )
    assert.equal(maxInside, 1)
    assert.equal(await redis.exists('lock:a'), 0)
  })

  it('never releases a lock that expired and was taken by someone else', async () => {
    const first = await lock.acquire('lock:b', { ttlMs: 50, waitMs: 0, retryMs: 1 })
    await sleep(80)
    const second = await lock.acquire('lock:b', { ttlMs: 5_000, waitMs: 0, retryMs: 1 })
    assert.equal(await lock.release('lock:b', first), false)
    assert.equal(await redis.get('lock:b'), second)
    assert.equal(await lock.extend('lock:b', first, 10_000), false)
    assert.equal(await lock.release('lock:b', second), true)
  })

  it('gives up with LOCK_TIMEOUT after the wait bound', async () => {
    const token = await lock.acquire('lock:c')
    const started = Date.now()
    await assert.rejects(
      lock.acquire('lock:c', { ttlMs: 1_000, waitMs: 100, retryMs: 5 }),
      (error: unknown) => error instanceof AppError && error.code === 'LOCK_TIMEOUT' && error.status === 503,
    )
    assert.ok(Date.now() - started >= 100)
    await lock.release('lock:c', token)
  })
})
