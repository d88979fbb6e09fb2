import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError, loadConfig } from '../src/config.ts'

describe('config', () => {
  it('applies the documented defaults when nothing is set', () => {
    const config = loadConfig({})
    assert.equal(config.coupon.port, 3001)
    assert.equal(config.timesale.port, 3003)
    assert.deepEqual(config.kafka.brokers, ['localhost:9092'])
    assert.equal(config.kafka.clientId, 'promotion-system')
    assert.equal(config.coupon.groupId, 'coupon-service-group')
    assert.equal(config.timesale.groupId, 'timesale-service-group')
    assert.equal(config.consumer.maxRetries, 3)
  })

  it('reads the seed variables and treats empty strings as unset', () => {
    const config = loadConfig({
      KAFKA_BROKERS: 'k1:9092, k2:9092',
      KAFKA_CLIENT_ID: 'x',
      KAFKA_GROUP_ID: 'g',
      COUPON_PORT: '4001',
      REDIS_URL: '',
    })
    assert.deepEqual(config.kafka.brokers, ['k1:9092', 'k2:9092'])
    assert.equal(config.kafka.clientId, 'x')
    assert.equal(config.coupon.groupId, 'g')
    assert.equal(config.coupon.port, 4001)
    assert.equal(config.redis.url, 'redis://127.0.0.1:6380')
  })

  it('reads Redis Cluster nodes and a separate migration URL; single node and DATABASE_URL otherwise', () => {
    const single = loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/app' })
    assert.deepEqual(single.redis.clusterNodes, [])
    assert.equal(single.postgres.migrationUrl, 'postgres://u:p@db:5432/app')
    const cluster = loadConfig({
      REDIS_CLUSTER_NODES: '10.0.0.1:7000, 10.0.0.2:7000',
      DATABASE_URL: 'postgres://u:p@pgbouncer:6432/app',
      MIGRATION_DATABASE_URL: 'postgres://u:p@db:5432/app',
    })
    assert.deepEqual(cluster.redis.clusterNodes, ['10.0.0.1:7000', '10.0.0.2:7000'])
    assert.equal(cluster.postgres.url, 'postgres://u:p@pgbouncer:6432/app')
    assert.equal(cluster.postgres.migrationUrl, 'postgres://u:p@db:5432/app')
    assert.throws(() => loadConfig({ REDIS_CLUSTER_NODES: 'redis://10.0.0.1' }), /REDIS_CLUSTER_NODES/)
    // A brace in the prefix would become the hash tag of every key and put all of them in one slot.
    assert.throws(() => loadConfig({ REDIS_KEY_PREFIX: '{app}:' }), /REDIS_KEY_PREFIX/)
  })

  it('derives the connection defaults from LOCAL_*_PORT; explicit URLs still win', () => {
    const local = loadConfig({ LOCAL_KAFKA_PORT: '29092', LOCAL_REDIS_PORT: '26380', LOCAL_PG_PORT: '25433' })
    assert.deepEqual(local.kafka.brokers, ['localhost:29092'])
    assert.equal(local.redis.url, 'redis://127.0.0.1:26380')
    assert.equal(local.postgres.url, 'postgres://promotion:promotion@127.0.0.1:25433/promotion')
    const explicit = loadConfig({
      LOCAL_KAFKA_PORT: '29092',
      LOCAL_REDIS_PORT: '26380',
      LOCAL_PG_PORT: '25433',
      KAFKA_BROKERS: 'k1:9092',
      REDIS_URL: 'redis://r:6379',
      DATABASE_URL: 'postgres://u:p@db:5432/x',
    })
    assert.deepEqual(explicit.kafka.brokers, ['k1:9092'])
    assert.equal(explicit.redis.url, 'redis://r:6379')
    assert.equal(explicit.postgres.url, 'postgres://u:p@db:5432/x')
    assert.throws(() => loadConfig({ LOCAL_PG_PORT: 'x' }), /LOCAL_PG_PORT/)
  })

  it('returns a deeply frozen object', () => {
    const config = loadConfig({})
    assert.ok(Object.isFrozen(config))
    assert.ok(Object.isFrozen(config.kafka))
    assert.ok(Object.isFrozen(config.kafka.brokers))
    assert.throws(() => {
      ;(config.kafka as { clientId: string }).clientId = 'changed'
    }, TypeError)
  })

  it('rejects bad values naming every offending variable', () => {
    assert.throws(
      () =>
        loadConfig({
          COUPON_PORT: '70000',
          KAFKA_BROKERS: 'not a broker',
          DATABASE_URL: 'mysql://x',
          CONSUMER_MAX_RETRIES: '-1',
          LOG_LEVEL: 'loud',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError)
        for (const name of [
          'COUPON_PORT',
          'KAFKA_BROKERS',
          'DATABASE_URL',
          'CONSUMER_MAX_RETRIES',
          'LOG_LEVEL',
        ]) {
          assert.match(error.message, new RegExp(name))
        }
        assert.match(error.message, /host:port/)
        return true
      },
    )
  })

  it('rejects a port that is not a number', () => {
    assert.throws(() => loadConfig({ TIMESALE_PORT: 'abc' }), /TIMESALE_PORT/)
  })
})
