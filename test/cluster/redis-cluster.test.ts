import assert from 'node:assert/strict'
import { once } from 'node:events'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Cluster } from 'ioredis'
import { createRedis, LuaScripts, type Redis, readScripts } from '../../src/platform/redis.ts'
import { uniqueSuffix } from '../helpers/stack.ts'
import { skipUnlessTopology, topologyConfig } from './topology.ts'

/** The Redis client on the topology's Redis Cluster: scripts on every master, and NOSCRIPT from any node. */
describe('Redis Cluster client', { skip: skipUnlessTopology }, () => {
  let redis: Redis
  before(async () => {
    redis = createRedis({ ...topologyConfig().redis, keyPrefix: `t${uniqueSuffix()}:` }, 'test')
    if (redis instanceof Cluster && redis.status !== 'ready') await once(redis, 'ready')
  })
  after(() => redis.quit())

  it('runs scripts on keys of every master and reloads them after every node forgot them', async () => {
    assert.ok(redis instanceof Cluster)
    const scripts = new LuaScripts<'takeIfPositive'>(
      redis,
      readScripts(fileURLToPath(new URL('../platform/fixtures', import.meta.url))),
    )
    // Enough hash tags to land on all three masters.
    const keys = Array.from({ length: 30 }, (_, index) => `{stock-${index}}`)
    await Promise.all(keys.map((key) => redis.set(key, 2)))
    assert.deepEqual(
      await Promise.all(keys.map((key) => scripts.run('takeIfPositive', [key]))),
      keys.map(() => 1),
    )
    const masters = redis.nodes('master')
    assert.equal(masters.length, 3)
    await Promise.all(masters.map((node) => node.script('FLUSH')))
    assert.deepEqual(
      await Promise.all(keys.map((key) => scripts.run('takeIfPositive', [key]))),
      keys.map(() => 0),
    )
    await Promise.all(keys.map((key) => redis.unlink(key)))
  })

  it('refuses a script over keys of two slots, which is why every promotion key carries its hash tag', async () => {
    // Our bug, not an outage: INTERNAL_ERROR, with Redis's CROSSSLOT reply as the cause.
    await assert.rejects(
      redis.eval("return redis.call('MGET', KEYS[1], KEYS[2])", 2, '{a}:x', '{b}:x'),
      (error: Error & { code?: string }) =>
        error.code === 'INTERNAL_ERROR' && /CROSSSLOT/.test(String((error.cause as Error)?.message)),
    )
    assert.deepEqual(
      await redis.eval("return redis.call('MGET', KEYS[1], KEYS[2])", 2, '{c:1}:meta', '{c:1}:holders'),
      [null, null],
    )
  })
})
