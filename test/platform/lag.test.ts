import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { allTopics, flowTopics } from '../../src/flows.ts'
import { BatchingProducer, createProducer, ensureTopics } from '../../src/platform/kafka.ts'
import { BatchConsumer } from '../../src/platform/kafka-consumer.ts'
import { estimateDrainSeconds, type GroupLag, readGroupLag } from '../../src/platform/lag.ts'
import { LagMonitor, registerConsumerMetrics } from '../../src/platform/lag-metrics.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { createRegistry } from '../../src/platform/metrics.ts'
import { cleanup, eventually, testConfig, testGroupId } from '../helpers/stack.ts'

describe('consumer lag', () => {
  const config = testConfig()
  const logger = createLogger({ level: 'silent', name: 'test' })
  const topic = flowTopics('coupon', config.kafka.topicPrefix).requests
  let producer: BatchingProducer

  before(async () => {
    await ensureTopics(config.kafka, allTopics(config.kafka.topicPrefix), logger)
    producer = new BatchingProducer(createProducer(config.kafka, 'test'))
  })
  after(async () => {
    await producer.close()
    await cleanup(config)
  })

  it('is non-zero while a burst drains, zero afterwards, and is exposed on /metrics', async () => {
    const groupId = testGroupId(config, 'lag')
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => producer.send({ topic, key: String(i % 3), value: 'x' })),
    )
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let handled = 0
    const consumer = new BatchConsumer({
      kafka: config.kafka,
      groupId,
      topics: [topic],
      batchSize: 20,
      sessionTimeoutMs: 6_000,
      logger,
      handle: async (batch) => {
        if (handled > 0) await gate
        handled += batch.length
      },
    })
    const registry = createRegistry('test')
    const monitor = new LagMonitor(config.kafka, groupId, [topic], 0)
    registerConsumerMetrics(registry, monitor, groupId, () => consumer.stats)
    await consumer.start()
    try {
      const during = await eventually(async () => {
        const lag = await readGroupLag(config.kafka, groupId, [topic])
        return lag.members === 1 && lag.total > 0n && lag.partitions.some((p) => p.committed !== null)
          ? lag
          : undefined
      })
      assert.ok(during.total > 0n && during.total <= 300n, `lag while draining: ${during.total}`)
      assert.ok(
        during.partitions.every((p) => p.member !== null),
        'every partition has an owner',
      )
      const metrics = await registry.metrics()
      assert.match(
        metrics,
        new RegExp(
          `kafka_consumer_group_lag\\{group="${groupId}",topic="${topic.replaceAll('.', '\\.')}",partition="\\d"[^}]*\\} [1-9]`,
        ),
      )
      assert.match(metrics, /consumer_buffered_messages/)

      release()
      const drained = await eventually(async () => {
        const lag = await readGroupLag(config.kafka, groupId, [topic])
        return lag.total === 0n ? lag : undefined
      })
      assert.equal(drained.total, 0n)
      assert.equal(
        drained.partitions.reduce((sum, p) => sum + (p.committed ?? 0n), 0n),
        300n,
      )
      const after = await registry.metrics()
      assert.doesNotMatch(after, new RegExp(`kafka_consumer_group_lag\\{group="${groupId}"[^}]*\\} [1-9]`))
      assert.match(after, new RegExp(`kafka_consumer_group_lag_seconds\\{group="${groupId}"[^}]*\\} 0`))
    } finally {
      release()
      await consumer.close()
    }
  })

  it('estimates drain time from the progress between two readings', () => {
    const reading = (committed: number, end: number): GroupLag => ({
      groupId: 'g',
      state: 'Stable',
      members: 1,
      partitions: [
        {
          topic: 't',
          partition: 0,
          committed: BigInt(committed),
          end: BigInt(end),
          lag: BigInt(end - committed),
          member: 'm',
        },
      ],
      total: BigInt(end - committed),
    })
    assert.equal(estimateDrainSeconds(reading(0, 1000), reading(100, 1000), 1000), 9)
    assert.equal(estimateDrainSeconds(reading(100, 1000), reading(100, 1200), 1000), null, 'no progress')
    assert.equal(estimateDrainSeconds(reading(0, 10), reading(10, 10), 1000), 0, 'drained')
  })

  it('reports every consumer of one process (both flows in `all`) on one registry', async () => {
    const registry = createRegistry('test')
    const groups = [testGroupId(config, 'lag-a'), testGroupId(config, 'lag-b')]
    for (const [i, groupId] of groups.entries()) {
      const monitor = new LagMonitor(config.kafka, groupId, [topic], 0)
      registerConsumerMetrics(registry, monitor, groupId, () => ({
        messages: 0,
        batches: 0,
        lastBatchAt: Date.now(),
        buffered: i + 1,
      }))
    }
    const metrics = await registry.metrics()
    for (const [i, groupId] of groups.entries()) {
      assert.match(metrics, new RegExp(`consumer_buffered_messages\\{group="${groupId}"[^}]*\\} ${i + 1}`))
      assert.match(metrics, new RegExp(`kafka_consumer_group_lag_seconds\\{group="${groupId}"`))
    }
  })
})
