/**
 * The faults of the topology suite: which process to kill so that the fault hits the promotion under load
 * (the Redis master of its slot, the leader of its partition, the consumer that owns that partition).
 */
import { Admin, compatibilityPartitioner } from '@platformatic/kafka'
import { Redis } from 'ioredis'
import { flowTopics } from '../../src/flows.ts'
import { readGroupLag } from '../../src/platform/lag.ts'
import type { FlowName } from './topology.ts'
import { redisNodePort, topologyConfig } from './topology.ts'

/** The partition of the flow's request topic that the promotion's requests go to, and its leader. */
export async function promotionPartition(flow: FlowName, promotionId: string) {
  const config = topologyConfig()
  const topic = flowTopics(flow, '').requests
  const admin = new Admin({ clientId: 'cluster-describe', bootstrapBrokers: [...config.kafka.brokers] })
  try {
    const metadata = await admin.metadata({ topics: [topic], forceUpdate: true })
    const partitions = metadata.topics.get(topic)?.partitions ?? []
    // The producer's choice: Java-compatible murmur2 of the key, the promotion id.
    const key = Buffer.from(promotionId)
    const partition = compatibilityPartitioner({ topic, key }, key) % partitions.length
    return { topic, partition, leader: partitions[partition]?.leader ?? 1 }
  } finally {
    await admin.close()
  }
}

/** The consumer process (`coupon-consumer-1`, …) that owns the promotion's partition, if any yet. */
export async function owningConsumer(flow: FlowName, promotionId: string): Promise<string | undefined> {
  const config = topologyConfig()
  const { topic, partition } = await promotionPartition(flow, promotionId)
  const groupId = flow === 'coupon' ? config.coupon.groupId : config.timesale.groupId
  const lag = await readGroupLag(config.kafka, groupId, [topic])
  const member = lag.partitions.find((p) => p.partition === partition)?.member ?? ''
  return /(?:coupon|timesale)-consumer-\d/.exec(member)?.[0]
}

/** Which Redis node (1–6) is the master of the slot a key hashes to. */
export async function masterOf(key: string): Promise<number> {
  for (let id = 1; id <= 6; id++) {
    const node = new Redis(redisNodePort(id), '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 })
    node.on('error', () => {})
    try {
      await node.connect()
      const slot = Number(await node.call('CLUSTER', 'KEYSLOT', key))
      const ranges = (await node.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>
      const range = ranges.find(([from, to]) => slot >= from && slot <= to)
      if (range) return range[2][1] - redisNodePort(1) + 1
    } catch {
      // This node is down: ask the next one.
    } finally {
      node.disconnect()
    }
  }
  throw new Error(`no Redis node knows the master of ${key}`)
}

/** The hash-tagged key every Redis key of a promotion shares a slot with. */
export function promotionKey(flow: FlowName, promotionId: string): string {
  return `{${flow === 'coupon' ? 'c' : 't'}:${promotionId}}:meta`
}
