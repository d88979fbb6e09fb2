import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ReplyError } from 'ioredis'
import { redisFailure } from '../../src/platform/client-errors.ts'

/** What a Redis Cluster client reports during a failover must answer 503 (retry later), never 500. */
describe('Redis Cluster failures', () => {
  it('redirections the client could not follow, a cluster down and a client that gave up are transient', () => {
    for (const reply of [
      'MOVED 3731 127.0.0.1:7001',
      'ASK 3731 127.0.0.1:7002',
      'CLUSTERDOWN The cluster is down',
    ]) {
      assert.equal(redisFailure(new ReplyError(reply)).code, 'DEPENDENCY_UNAVAILABLE', reply)
    }
    const gaveUp = new Error(
      'Too many Cluster redirections. Last error: ReplyError: MOVED 3731 127.0.0.1:7001',
    )
    assert.equal(redisFailure(gaveUp).code, 'DEPENDENCY_UNAVAILABLE')
    const allFailed = new Error('Failed to refresh slots cache.')
    allFailed.name = 'ClusterAllFailedError'
    assert.equal(redisFailure(allFailed).code, 'DEPENDENCY_UNAVAILABLE')
  })

  it('a script over two slots is ours: INTERNAL_ERROR', () => {
    const crossSlot = new ReplyError("CROSSSLOT Keys in request don't hash to the same slot")
    assert.equal(redisFailure(crossSlot).code, 'INTERNAL_ERROR')
  })
})
