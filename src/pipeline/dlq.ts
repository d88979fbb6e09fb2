import { randomUUID } from 'node:crypto'
import { Admin, Consumer } from '@platformatic/kafka'
import type { KafkaConfig } from '../config.ts'
import type { BatchingProducer, FlowTopics, OutgoingMessage } from '../platform/kafka.ts'
import { headersToObject, kafkaClientOptions } from '../platform/kafka.ts'
import type { RawMessage } from '../platform/kafka-consumer.ts'
import type { Pool } from '../platform/postgres.ts'
import { HEADERS, requestIdOfMessage } from './envelope.ts'

/** One message on a dead-letter topic, as the CLI and the admin API show it. */
export interface DeadLetter {
  readonly topic: string
  readonly partition: number
  readonly offset: string
  readonly key: string | null
  readonly requestId: string | null
  readonly error: string | null
  readonly errorCode: string | null
  readonly attempts: number | null
  readonly source: { topic: string | null; partition: number | null; offset: string | null }
  readonly failedAt: string | null
  readonly value: string
  readonly replayed: boolean
  readonly headers: Record<string, string>
}

function toDeadLetter(raw: RawMessage, replayed: boolean): DeadLetter {
  const headers = headersToObject(raw.headers)
  const number = (value: string | undefined) => (value === undefined ? null : Number(value))
  const value = raw.value?.toString('utf8') ?? ''
  return {
    topic: raw.topic,
    partition: raw.partition,
    offset: String(raw.offset),
    key: raw.key ? raw.key.toString('utf8') : null,
    // Malformed messages may lack the header yet carry the id in their value: `dlq replay --request-id`.
    requestId: requestIdOfMessage(headers, value),
    error: headers[HEADERS.dlqError] ?? null,
    errorCode: headers[HEADERS.dlqErrorCode] ?? null,
    attempts: number(headers[HEADERS.dlqAttempts]),
    source: {
      topic: headers[HEADERS.dlqSourceTopic] ?? null,
      partition: number(headers[HEADERS.dlqSourcePartition]),
      offset: headers[HEADERS.dlqSourceOffset] ?? null,
    },
    failedAt: headers[HEADERS.dlqFailedAt] ?? null,
    value,
    replayed,
    headers,
  }
}

/** Reads every message currently on `topic` (up to the end offsets seen at the start), without a group commit. */
async function readTopic(kafka: KafkaConfig, topic: string): Promise<RawMessage[]> {
  const groupId = `dlq-reader-${randomUUID()}`
  const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
    ...kafkaClientOptions(kafka, 'dlq-reader', 'consumer'),
    groupId,
    autocommit: false,
    maxWaitTime: 100,
  })
  try {
    const ends = (await consumer.listOffsets({ topics: [topic] })).get(topic) ?? []
    const remaining = new Map<number, bigint>()
    ends.forEach((end, partition) => {
      if (end > 0n) remaining.set(partition, end)
    })
    if (remaining.size === 0) return []
    const starts = (await consumer.listOffsets({ topics: [topic], timestamp: -2n })).get(topic) ?? []
    starts.forEach((start, partition) => {
      if (start >= (remaining.get(partition) ?? 0n)) remaining.delete(partition)
    })
    if (remaining.size === 0) return []
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest' })
    const messages: RawMessage[] = []
    for await (const message of stream as AsyncIterable<RawMessage>) {
      const end = remaining.get(message.partition)
      if (end === undefined || message.offset >= end) continue
      messages.push(message)
      if (message.offset + 1n >= end) remaining.delete(message.partition)
      if (remaining.size === 0) break
    }
    await stream.close()
    return messages
  } finally {
    await consumer.close(true)
    await deleteGroup(kafka, groupId)
  }
}

async function replayedOffsets(pool: Pool, topic: string): Promise<Set<string>> {
  const { rows } = await pool.query<{ key: string }>(
    `SELECT dlq_partition || ':' || dlq_offset AS key FROM dead_letter_replays WHERE dlq_topic = $1`,
    [topic],
  )
  return new Set(rows.map((row) => row.key))
}

export interface DeadLetterDeps {
  readonly kafka: KafkaConfig
  readonly topics: FlowTopics
  readonly pool: Pool
  readonly producer: BatchingProducer
}

/** Lists the flow's dead letters, oldest first, each marked with whether it was replayed already. */
export async function listDeadLetters(deps: DeadLetterDeps): Promise<DeadLetter[]> {
  const [messages, replayed] = await Promise.all([
    readTopic(deps.kafka, deps.topics.dlq),
    replayedOffsets(deps.pool, deps.topics.dlq),
  ])
  return messages.map((raw) => toDeadLetter(raw, replayed.has(`${raw.partition}:${raw.offset}`)))
}

export interface ReplayResult {
  readonly replayed: DeadLetter[]
  readonly skipped: number
}

/**
 * Sends dead letters back to the topic they came from (all, or those of the given request ids) with their
 * original key, value and headers. A dead letter is replayed once: a second replay skips it. The consumer
 * is idempotent by request id, so even a replay repeated after a crash changes nothing twice.
 */
export async function replayDeadLetters(
  deps: DeadLetterDeps,
  requestIds?: readonly string[],
): Promise<ReplayResult> {
  const wanted = requestIds && requestIds.length > 0 ? new Set(requestIds) : undefined
  const letters = await listDeadLetters(deps)
  const selected = letters.filter(
    (letter) => !letter.replayed && (!wanted || (letter.requestId && wanted.has(letter.requestId))),
  )
  const messages: OutgoingMessage[] = selected.map((letter) => {
    const headers = Object.fromEntries(
      Object.entries(letter.headers).filter(([name]) => !name.startsWith('dlq-')),
    )
    headers[HEADERS.replayedFrom] = `${letter.topic}:${letter.partition}:${letter.offset}`
    return {
      topic: letter.source.topic ?? deps.topics.requests,
      ...(letter.key !== null ? { key: letter.key } : {}),
      value: letter.value,
      headers,
    }
  })
  await deps.producer.sendAll(messages)
  if (selected.length > 0) {
    await deps.pool.query(
      `INSERT INTO dead_letter_replays (dlq_topic, dlq_partition, dlq_offset, request_id, target_topic)
       SELECT $1, p, o, r, t FROM unnest($2::int[], $3::bigint[], $4::text[], $5::text[]) AS x(p, o, r, t)
       ON CONFLICT DO NOTHING`,
      [
        deps.topics.dlq,
        selected.map((letter) => letter.partition),
        selected.map((letter) => letter.offset),
        selected.map((letter) => letter.requestId),
        messages.map((message) => message.topic),
      ],
    )
  }
  return { replayed: selected, skipped: letters.length - selected.length }
}

/** Removes a throwaway reader group, so each listing does not leave one behind in `kafka-consumer-groups --list`. */
async function deleteGroup(kafka: KafkaConfig, groupId: string): Promise<void> {
  const admin = new Admin(kafkaClientOptions(kafka, 'dlq-reader'))
  try {
    await admin.deleteGroups({ groups: [groupId] })
  } catch {
    // Best effort: an empty group without offsets is harmless and expires on its own.
  } finally {
    await admin.close()
  }
}
