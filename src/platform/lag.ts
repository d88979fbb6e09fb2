import { Admin } from '@platformatic/kafka'
import type { KafkaConfig } from '../config.ts'
import { kafkaClientOptions } from './kafka.ts'

/** Lag of one partition for one consumer group. */
export interface PartitionLag {
  readonly topic: string
  readonly partition: number
  /** Next offset the group will read; null when the group never committed on this partition. */
  readonly committed: bigint | null
  /** Offset the next produced message will get (the log-end offset). */
  readonly end: bigint
  /** Messages waiting: end − committed (end − log start when nothing was committed yet). */
  readonly lag: bigint
  /** The member consuming it, or null when no member holds it. */
  readonly member: string | null
}

export interface GroupLag {
  readonly groupId: string
  readonly state: string
  readonly members: number
  readonly partitions: PartitionLag[]
  readonly total: bigint
}

/** Reads the lag of a consumer group on some topics, partition by partition, the way `kafka-consumer-groups --describe` does. */
export async function readGroupLag(
  config: KafkaConfig,
  groupId: string,
  topics: readonly string[],
): Promise<GroupLag> {
  const admin = new Admin(kafkaClientOptions(config, 'lag', 'probe'))
  try {
    const metadata = await admin.metadata({ topics: [...topics] })
    const request = (timestamp: bigint) =>
      topics.map((name) => ({
        name,
        partitions: Array.from(
          { length: metadata.topics.get(name)?.partitionsCount ?? 0 },
          (_, partitionIndex) => ({
            partitionIndex,
            timestamp,
          }),
        ),
      }))
    const [ends, starts, committed, groups] = await Promise.all([
      admin.listOffsets({ topics: request(-1n) }),
      admin.listOffsets({ topics: request(-2n) }),
      admin.listConsumerGroupOffsets({ groups: [groupId] }),
      admin.describeGroups({ groups: [groupId] }),
    ])
    const offsetMap = (listed: typeof ends) =>
      new Map<string, bigint>(
        listed.flatMap((topic) =>
          topic.partitions.map((p) => [`${topic.name}:${p.partitionIndex}`, p.offset] as const),
        ),
      )
    const endOffsets = offsetMap(ends)
    const startOffsets = offsetMap(starts)
    const committedOffsets = new Map<string, bigint>()
    for (const group of committed) {
      for (const topic of group.topics) {
        for (const partition of topic.partitions) {
          if (partition.committedOffset >= 0n)
            committedOffsets.set(`${topic.name}:${partition.partitionIndex}`, partition.committedOffset)
        }
      }
    }
    const group = groups.get(groupId)
    const owners = new Map<string, string>()
    for (const member of group?.members.values() ?? []) {
      for (const assignment of member.assignments?.values() ?? []) {
        for (const partition of assignment.partitions)
          owners.set(`${assignment.topic}:${partition}`, `${member.clientId}@${member.clientHost}`)
      }
    }
    const partitions: PartitionLag[] = []
    for (const topic of topics) {
      const count = metadata.topics.get(topic)?.partitionsCount ?? 0
      for (let partition = 0; partition < count; partition++) {
        const key = `${topic}:${partition}`
        const end = endOffsets.get(key) ?? 0n
        const done = committedOffsets.get(key) ?? null
        const from = done ?? startOffsets.get(key) ?? 0n
        partitions.push({
          topic,
          partition,
          committed: done,
          end,
          lag: end > from ? end - from : 0n,
          member: owners.get(key) ?? null,
        })
      }
    }
    return {
      groupId,
      state: group?.state ?? 'UNKNOWN',
      members: group?.members.size ?? 0,
      partitions,
      total: partitions.reduce((sum, p) => sum + p.lag, 0n),
    }
  } finally {
    await admin.close()
  }
}

/**
 * Estimates seconds to drain from two readings: the lag now divided by how fast the group committed
 * between the readings. Null when the group made no progress (stalled, or idle with no lag).
 */
export function estimateDrainSeconds(
  previous: GroupLag,
  current: GroupLag,
  elapsedMs: number,
): number | null {
  if (current.total === 0n) return 0
  const before = new Map(previous.partitions.map((p) => [`${p.topic}:${p.partition}`, p.committed ?? 0n]))
  let progressed = 0n
  for (const p of current.partitions) {
    const was = before.get(`${p.topic}:${p.partition}`) ?? 0n
    if (p.committed !== null && p.committed > was) progressed += p.committed - was
  }
  if (progressed === 0n || elapsedMs <= 0) return null
  const perSecond = (Number(progressed) * 1000) / elapsedMs
  return Number(current.total) / perSecond
}
