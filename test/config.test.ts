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
