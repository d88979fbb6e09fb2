/** The machine and the versions a report was measured on. */
import { readdirSync } from 'node:fs'
import { arch, availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os'
import { join } from 'node:path'
import type { Config } from '../../src/config.ts'
import type { Pool } from '../../src/platform/postgres.ts'
import type { Redis } from '../../src/platform/redis.ts'

export interface MachineInfo {
  readonly cores: number
  readonly cpuModel: string
  readonly memoryGiB: number
  readonly os: string
  readonly loadAverage: readonly number[]
  readonly node: string
  readonly kafka: string
  readonly redis: string
  readonly postgres: string
  /** Settings that shape the results (partitions, batch size, pool size, …). */
  readonly settings: Record<string, string | number | boolean>
}

/** Kafka's version from the broker jar the local stack runs (`kafka-server-<version>.jar`). */
function kafkaVersion(root: string, brokers: readonly string[]): string {
  try {
    const jar = readdirSync(join(root, '.local/kafka/libs')).find((f) => /^kafka-server-[\d.]+\.jar$/.test(f))
    const version = jar?.replace(/^kafka-server-/, '').replace(/\.jar$/, '')
    if (version) return `${version} (KRaft, ${brokers.join(',')})`
  } catch {
    // Not the local stack.
  }
  return `unknown (external: ${brokers.join(',')})`
}

export async function machineInfo(
  root: string,
  config: Config,
  pool: Pool,
  redis: Redis,
): Promise<MachineInfo> {
  const [pg, info] = await Promise.all([
    pool
      .query<{ server_version: string }>('SHOW server_version')
      .then((r) => r.rows[0]?.server_version ?? '?')
      .catch(() => '?'),
    redis.info('server').catch(() => ''),
  ])
  const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? '?'
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? '?',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()} ${arch()}`,
    loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
    node: process.version,
    kafka: kafkaVersion(root, config.kafka.brokers),
    redis: redisVersion,
    postgres: pg,
    settings: {
      KAFKA_TOPIC_PARTITIONS: config.kafka.partitions,
      KAFKA_REPLICATION_FACTOR: config.kafka.replicationFactor,
      CONSUMER_BATCH_SIZE: config.consumer.batchSize,
      PG_POOL_MAX: config.postgres.poolMax,
      LOG_LEVEL: config.logLevel,
    },
  }
}
