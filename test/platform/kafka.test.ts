import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Admin } from '@platformatic/kafka'
import { allTopics, flowTopics } from '../../src/flows.ts'
import { BatchingProducer, createProducer, ensureTopics } from '../../src/platform/kafka.ts'
import {
  BatchConsumer,
  type BatchConsumerOptions,
  type RawMessage,
} from '../../src/platform/kafka-consumer.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { cleanup, eventually, testConfig, testGroupId } from '../helpers/stack.ts'

describe('Kafka platform', () => {
  const config = testConfig()
  const logger = createLogger({ level: 'silent', name: 'test' })
  const topics = flowTopics('coupon', config.kafka.topicPrefix)
  let producer: BatchingProducer

  before(async () => {
    await ensureTopics(config.kafka, allTopics(config.kafka.topicPrefix), logger)
    producer = new BatchingProducer(createProducer(config.kafka, 'test'))
  })
  after(async () => {
    await producer.close()
    await cleanup(config)
  })

  it('creates the 8 topics with the configured partitions, once', async () => {
    const again = await ensureTopics(config.kafka, allTopics(config.kafka.topicPrefix), logger)
    assert.deepEqual(again, [])
    const admin = new Admin({ clientId: 'test', bootstrapBrokers: [...config.kafka.brokers] })
    try {
      const names = (await admin.listTopics()).filter((topic) => topic.startsWith(config.kafka.topicPrefix))
      assert.deepEqual(names.sort(), allTopics(config.kafka.topicPrefix).sort())
      const metadata = await admin.metadata({ topics: [topics.requests] })
      assert.equal(metadata.topics.get(topics.requests)?.partitionsCount, 3)
    } finally {
      await admin.close()
    }
  })

  it('produces idempotently, keeps per-key order, consumes in batches and commits offsets', async () => {
    const groupId = testGroupId(config, 'g')
    const sent = Array.from({ length: 300 }, (_, index) => ({ key: `p${index % 3}`, value: String(index) }))
    // Fired concurrently: the producer coalesces them while a request is in flight.
    await Promise.all(sent.map((message) => producer.send({ topic: topics.requests, ...message })))
    assert.ok(producer.producer.producerId !== undefined, 'idempotent producer has a producer id')

    const received: RawMessage[] = []
    const batchSizes: number[] = []
    const consumer = new BatchConsumer({
      kafka: config.kafka,
      groupId,
      topics: [topics.requests],
      batchSize: 50,
      logger,
      handle: async (batch) => {
        batchSizes.push(batch.length)
        received.push(...batch)
      },
    })
    await consumer.start()
    await eventually(async () => (received.length >= 300 ? true : undefined), 30_000, '300 messages')
    await eventually(async () => (consumer.stats.messages >= 300 ? true : undefined), 10_000, 'commits')
    await consumer.close()

    assert.equal(received.length, 300)
    assert.ok(Math.max(...batchSizes) <= 50, 'batches are bounded')
    for (const key of ['p0', 'p1', 'p2']) {
      const values = received.filter((m) => m.key?.toString() === key).map((m) => Number(m.value?.toString()))
      assert.deepEqual(
        values,
        [...values].sort((a, b) => a - b),
        `order kept for ${key}`,
      )
      assert.equal(values.length, 100)
    }

    // A new member of the same group starts after the committed offsets: it sees only new messages.
    await producer.send({ topic: topics.requests, key: 'p0', value: 'after' })
    const second: RawMessage[] = []
    const resumed = new BatchConsumer({
      kafka: config.kafka,
      groupId,
      topics: [topics.requests],
      batchSize: 50,
      logger,
      handle: async (batch) => {
        second.push(...batch)
      },
    })
    await resumed.start()
    await eventually(async () => (second.length >= 1 ? true : undefined), 30_000, 'the new message')
    await resumed.close()
    assert.deepEqual(
      second.map((m) => m.value?.toString()),
      ['after'],
    )
  })

  it('commits a batch only after its finish; a failed finish hands the batch over again', async () => {
    const groupId = testGroupId(config, 'g')
    const topic = topics.failures
    await producer.send({ topic, key: 'k', value: 'y' })
    const deliveries: RawMessage[] = []
    let failFirst: (error: Error) => void = () => {}
    const firstFinish = new Promise<void>((_, reject) => {
      failFirst = reject
    })
    const consumer = oneTopicConsumer(groupId, topic, async (batch) => {
      deliveries.push(...batch)
      return deliveries.length === 1 ? () => firstFinish : async () => {}
    })
    await consumer.start()
    try {
      await eventually(async () => (deliveries.length >= 1 ? true : undefined), 30_000, 'the delivery')
      await new Promise((resolve) => setTimeout(resolve, 300))
      assert.deepEqual(await committedOffsets(groupId), [], 'nothing committed while the finish runs')
      failFirst(new Error('publish failed'))
      await eventually(async () => (deliveries.length >= 2 ? true : undefined), 30_000, 'a second delivery')
      const [first, second] = deliveries as [RawMessage, RawMessage]
      assert.equal(second.offset, first.offset, 'the same message again')
      const committed = await firstCommit(groupId, 'the commit after the second finish')
      assert.deepEqual(committed, [`${topic}:${first.partition}:${first.offset + 1n}`])
    } finally {
      failFirst(new Error('done'))
      await consumer.close()
    }
  })

  it('does not commit a batch whose handler failed: it is handed over again', async () => {
    const groupId = testGroupId(config, 'g')
    const topic = topics.success
    await producer.send({ topic, key: 'k', value: 'x' })
    let calls = 0
    let delivered: RawMessage | undefined
    let finish: () => void = () => {}
    const finished = new Promise<void>((resolve) => {
      finish = resolve
    })
    const consumer = oneTopicConsumer(groupId, topic, async (batch) => {
      calls++
      if (calls === 1) throw new Error('transient')
      delivered = batch[0]
      // The second attempt holds on, so the offsets can be read between the failure and the success.
      await finished
    })
    await consumer.start()
    try {
      await eventually(async () => (calls >= 2 ? true : undefined), 30_000, 'a second attempt')
      assert.deepEqual(await committedOffsets(groupId), [], 'the failed batch left no committed offset')
      finish()
      const committed = await firstCommit(groupId, 'the commit of the successful attempt')
      assert.ok(delivered)
      assert.deepEqual(committed, [`${topic}:${delivered.partition}:${delivered.offset + 1n}`])
      assert.equal(calls, 2)
    } finally {
      finish()
      await consumer.close()
    }
  })

  /** The group's committed offsets as "topic:partition:offset", read with the admin API. */
  /** A consumer of one topic in batches of up to 10. */
  function oneTopicConsumer(groupId: string, topic: string, handle: BatchConsumerOptions['handle']) {
    return new BatchConsumer({ kafka: config.kafka, groupId, topics: [topic], batchSize: 10, logger, handle })
  }

  /** Waits for the group's first committed offsets. */
  function firstCommit(groupId: string, what: string): Promise<string[]> {
    return eventually(
      async () => {
        const offsets = await committedOffsets(groupId)
        return offsets.length > 0 ? offsets : undefined
      },
      10_000,
      what,
    )
  }

  async function committedOffsets(groupId: string): Promise<string[]> {
    const admin = new Admin({ clientId: 'test-offsets', bootstrapBrokers: [...config.kafka.brokers] })
    try {
      const groups = await admin.listConsumerGroupOffsets({ groups: [groupId] })
      return groups.flatMap((group) =>
        group.topics.flatMap((topic) =>
          topic.partitions
            .filter((partition) => partition.committedOffset >= 0n)
            .map((partition) => `${topic.name}:${partition.partitionIndex}:${partition.committedOffset}`),
        ),
      )
    } finally {
      await admin.close()
    }
  }
})
