import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { AuthenticationError, NetworkError } from '@platformatic/kafka'
import { ReplyError } from 'ioredis'
import { AppError, type ErrorCode, isRetryable, toAppError } from '../../src/errors.ts'
import { MalformedMessageError } from '../../src/pipeline/envelope.ts'
import { kafkaFailure, postgresFailure, redisFailure } from '../../src/platform/client-errors.ts'
import { BatchingProducer, createProducer } from '../../src/platform/kafka.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { createPool, type Pool } from '../../src/platform/postgres.ts'
import { createRedis, type Redis } from '../../src/platform/redis.ts'
import { testConfig } from '../helpers/stack.ts'

const logger = createLogger({ level: 'silent', name: 'test' })

/** A local port nobody listens on: bound once by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  assert.ok(address && typeof address === 'object')
  return address.port
}

/** Asserts that `promise` rejects with an AppError of `code`, and returns it. */
async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<AppError> {
  let caught: unknown
  await promise.then(
    () => assert.fail(`expected a rejection with ${code}`),
    (error: unknown) => {
      caught = error
    },
  )
  assert.ok(caught instanceof AppError, `an AppError, got ${String(caught)}`)
  assert.equal(caught.code, code, String(caught.cause))
  return caught
}

describe('client failures are coded where they happen', () => {
  const config = testConfig()
  let redis: Redis
  let pool: Pool

  before(() => {
    redis = createRedis(config.redis, 'test-errors')
    pool = createPool({ ...config.postgres, poolMax: 2 }, logger)
  })
  after(async () => {
    await redis.del('wrong-type')
    await redis.quit()
    await pool.end()
  })

  it('Redis unreachable: commands reject, pipeline results report, retryable DEPENDENCY_UNAVAILABLE', async () => {
    const down = createRedis({ url: `redis://127.0.0.1:${await closedPort()}`, keyPrefix: '' }, 'test-down')
    try {
      const error = await rejectsWith(down.get('anything'), 'DEPENDENCY_UNAVAILABLE')
      assert.equal(error.retryable, true)
      assert.equal(error.status, 503)
      // A pipeline reports each command's failure inside its result.
      const replies = (await down.pipeline().get('a').get('b').exec()) ?? []
      assert.equal(replies.length, 2)
      for (const [failure] of replies) {
        assert.ok(failure instanceof AppError)
        assert.equal(failure.code, 'DEPENDENCY_UNAVAILABLE')
      }
    } finally {
      down.disconnect()
    }
  })

  it('Redis refusing a command (WRONGTYPE) is ours: INTERNAL_ERROR; a loading server is transient', async () => {
    await redis.set('wrong-type', 'a string')
    await rejectsWith(redis.lpush('wrong-type', 'x'), 'INTERNAL_ERROR')
    assert.equal(
      redisFailure(new ReplyError('LOADING Redis is loading the dataset in memory')).code,
      'DEPENDENCY_UNAVAILABLE',
    )
    assert.equal(
      redisFailure(new ReplyError('READONLY You cannot write against a read only replica.')).retryable,
      true,
    )
  })

  it('PostgreSQL unreachable: pool queries and connect() reject with DEPENDENCY_UNAVAILABLE', async () => {
    const url = new URL(config.postgres.url)
    url.port = String(await closedPort())
    const down = createPool({ url: url.toString(), poolMax: 1 }, logger)
    try {
      await rejectsWith(down.query('SELECT 1'), 'DEPENDENCY_UNAVAILABLE')
      await rejectsWith(down.connect(), 'DEPENDENCY_UNAVAILABLE')
    } finally {
      await down.end()
    }
  })

  it('PostgreSQL by SQLSTATE: a statement timeout is transient, a syntax error is ours', async () => {
    await rejectsWith(pool.query('SELEC 1'), 'INTERNAL_ERROR')
    const client = await pool.connect()
    try {
      await client.query('SET statement_timeout = 50')
      const timedOut = await rejectsWith(client.query('SELECT pg_sleep(2)'), 'DEPENDENCY_UNAVAILABLE')
      assert.equal((timedOut.cause as { code?: string }).code, '57014')
      await rejectsWith(client.query('SELECT * FROM no_such_table_here'), 'INTERNAL_ERROR')
    } finally {
      client.release()
    }
    assert.equal(postgresFailure(new TypeError('bad argument')).code, 'INTERNAL_ERROR')
  })

  it('Kafka unreachable: a send rejects with DEPENDENCY_UNAVAILABLE', async () => {
    const port = await closedPort()
    const producer = new BatchingProducer(
      createProducer({ ...config.kafka, brokers: [`localhost:${port}`] }, 'test-down'),
      { timeoutMs: 20_000 },
    )
    try {
      await rejectsWith(producer.send({ topic: 'nowhere', value: 'x' }), 'DEPENDENCY_UNAVAILABLE')
    } finally {
      await producer.close().catch(() => {})
    }
    assert.equal(kafkaFailure(new NetworkError('connection closed')).code, 'DEPENDENCY_UNAVAILABLE')
    assert.equal(kafkaFailure(new AuthenticationError('bad credentials')).code, 'INTERNAL_ERROR')
    assert.equal(kafkaFailure(new TypeError('serializer failed')).code, 'INTERNAL_ERROR')
  })
})

describe('one vocabulary for HTTP and the consumer', () => {
  it('an unclassified error is INTERNAL_ERROR everywhere: 500 over HTTP, retryable for the consumer', () => {
    const coded = toAppError(new TypeError("Cannot read properties of undefined (reading 'id')"))
    assert.equal(coded.code, 'INTERNAL_ERROR')
    assert.equal(coded.status, 500)
    assert.equal(isRetryable(new TypeError('x')), coded.retryable)
    const known = new AppError('SOLD_OUT')
    assert.equal(toAppError(known), known)
    assert.equal(isRetryable(known), false)
  })

  it('a malformed message is a coded, non-retryable error that keeps its English detail', () => {
    const error = new MalformedMessageError('requestId is missing or not a UUID')
    assert.ok(error instanceof AppError)
    assert.equal(error.code, 'MALFORMED_MESSAGE')
    assert.equal(error.retryable, false)
    assert.equal(error.message, 'requestId is missing or not a UUID')
  })
})
