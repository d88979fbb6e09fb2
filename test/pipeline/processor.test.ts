import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { AppError, ERRORS } from '../../src/errors.ts'
import { allTopics, flowTopics } from '../../src/flows.ts'
import { listDeadLetters, replayDeadLetters } from '../../src/pipeline/dlq.ts'
import { HEADERS, headersFor, parseEnvelope } from '../../src/pipeline/envelope.ts'
import { createBatchHandler } from '../../src/pipeline/processor.ts'
import { BatchingProducer, createProducer, ensureTopics } from '../../src/platform/kafka.ts'
import { BatchConsumer } from '../../src/platform/kafka-consumer.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { createRegistry } from '../../src/platform/metrics.ts'
import { createPool, migrate, type Pool } from '../../src/platform/postgres.ts'
import { cleanup, eventually, testConfig, testGroupId } from '../helpers/stack.ts'

describe('batch pipeline: retries, dead letters and replay', () => {
  const config = testConfig({ CONSUMER_MAX_RETRIES: '3', CONSUMER_RETRY_BACKOFF_MS: '20' })
  const logger = createLogger({ level: 'silent', name: 'test' })
  const topics = flowTopics('coupon', config.kafka.topicPrefix)
  const registry = createRegistry('test')
  const processed: string[] = []
  const attempts = new Map<string, number>()
  const failing = new Set<string>()
  const broken = new Set<string>()
  let producer: BatchingProducer
  let pool: Pool
  let consumer: BatchConsumer

  before(async () => {
    await ensureTopics(config.kafka, allTopics(config.kafka.topicPrefix), logger)
    await migrate(config.postgres.url, logger)
    pool = createPool(config.postgres, logger)
    producer = new BatchingProducer(createProducer(config.kafka, 'test'))
    consumer = new BatchConsumer({
      kafka: config.kafka,
      groupId: testGroupId(config, 'g'),
      topics: [topics.requests],
      batchSize: 20,
      logger,
      handle: createBatchHandler<{ requestId: string }>({
        flow: 'test',
        topics,
        decode: (raw) => ({ requestId: parseEnvelope(raw.value).requestId }),
        process: async (batch) => {
          for (const { requestId } of batch) {
            attempts.set(requestId, (attempts.get(requestId) ?? 0) + 1)
            if (failing.has(requestId))
              throw new AppError('DEPENDENCY_UNAVAILABLE', { message: 'database down' })
            if (broken.has(requestId)) throw new TypeError('a bug nobody classified')
          }
          for (const { requestId } of batch) if (!processed.includes(requestId)) processed.push(requestId)
        },
        producer,
        retry: config.consumer,
        logger,
        registry,
      }),
    })
    await consumer.start()
  })
  after(async () => {
    await consumer.close()
    await producer.close()
    await pool.end()
    await cleanup(config)
  })

  const send = (requestId: string, value?: string) =>
    producer.send({
      topic: topics.requests,
      key: '1',
      value: value ?? JSON.stringify({ v: 1, requestId }),
      headers: headersFor(requestId),
    })

  it('sends a malformed message to the DLQ at once and keeps the partition flowing', async () => {
    const before = randomUUID()
    const poison = randomUUID()
    const next = randomUUID()
    await send(before)
    await send(poison, '{not json')
    await send(next)
    await eventually(
      async () => (processed.includes(next) ? true : undefined),
      30_000,
      'the message after the poison',
    )
    assert.ok(processed.includes(before))
    assert.ok(!processed.includes(poison))
    const letters = await eventually(async () => {
      const all = await listDeadLetters({ kafka: config.kafka, topics, pool, producer })
      return all.find((letter) => letter.requestId === poison)
    })
    assert.equal(letters.errorCode, 'MALFORMED_MESSAGE')
    assert.equal(letters.value, '{not json')
    assert.equal(letters.key, '1')
    assert.equal(letters.source.topic, topics.requests)
    assert.equal(typeof letters.source.partition, 'number')
    assert.match(letters.source.offset ?? '', /^\d+$/)
    assert.equal(letters.headers[HEADERS.schemaVersion], '1')
  })

  it('names the request of a malformed message without a request-id header, so replay can pick it', async () => {
    const lost = randomUUID()
    // Unsupported schema version: malformed. No headers at all; the value still says which request it was.
    await producer.send({
      topic: topics.requests,
      key: '1',
      value: JSON.stringify({ v: 99, requestId: lost.toUpperCase() }),
    })
    const letter = await eventually(async () => {
      const all = await listDeadLetters({ kafka: config.kafka, topics, pool, producer })
      return all.find((candidate) => candidate.requestId === lost)
    })
    assert.equal(letter.errorCode, 'MALFORMED_MESSAGE')
    assert.equal(letter.headers[HEADERS.requestId], undefined)
    const result = await replayDeadLetters({ kafka: config.kafka, topics, pool, producer }, [lost])
    assert.deepEqual(
      result.replayed.map((replayed) => replayed.requestId),
      [lost],
    )
  })

  it('treats an unclassified error as HTTP does: INTERNAL_ERROR, retried, then dead-lettered', async () => {
    const bug = randomUUID()
    broken.add(bug)
    await send(bug)
    const letter = await eventually(async () => {
      const all = await listDeadLetters({ kafka: config.kafka, topics, pool, producer })
      return all.find((entry) => entry.requestId === bug)
    })
    assert.equal(letter.errorCode, 'INTERNAL_ERROR')
    assert.equal(ERRORS.INTERNAL_ERROR.status, 500, 'the status HTTP answers for the same error')
    assert.ok(
      (attempts.get(bug) ?? 0) >= 4,
      `retried as INTERNAL_ERROR is retryable, got ${attempts.get(bug)}`,
    )
    assert.match(letter.error ?? '', /a bug nobody classified/)
  })

  it('retries a failing message with backoff, dead-letters it alone, and replays it once', async () => {
    const good = randomUUID()
    const bad = randomUUID()
    failing.add(bad)
    await send(good)
    await send(bad)
    const letter = await eventually(async () => {
      const all = await listDeadLetters({ kafka: config.kafka, topics, pool, producer })
      return all.find((entry) => entry.requestId === bad)
    })
    assert.ok(processed.includes(good), 'the healthy neighbour is processed')
    assert.ok((attempts.get(bad) ?? 0) >= 4, `tried 1 + 3 times, got ${attempts.get(bad)}`)
    assert.equal(letter.errorCode, 'DEPENDENCY_UNAVAILABLE')
    assert.equal(letter.error, 'database down')
    assert.ok((letter.attempts ?? 0) >= 4)
    assert.equal(letter.replayed, false)

    failing.delete(bad)
    const replay = await replayDeadLetters({ kafka: config.kafka, topics, pool, producer }, [bad])
    assert.deepEqual(
      replay.replayed.map((entry) => entry.requestId),
      [bad],
    )
    await eventually(async () => (processed.includes(bad) ? true : undefined), 30_000, 'the replayed message')

    const again = await replayDeadLetters({ kafka: config.kafka, topics, pool, producer })
    assert.equal(
      again.replayed.filter((entry) => entry.requestId === bad).length,
      0,
      'a replayed dead letter is not sent twice',
    )
    const listed = await listDeadLetters({ kafka: config.kafka, topics, pool, producer })
    assert.equal(listed.find((entry) => entry.requestId === bad)?.replayed, true)
  })
})
