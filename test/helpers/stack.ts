/**
 * Test isolation on one shared local stack: every call gets its own Kafka topic prefix, consumer group,
 * Redis key prefix and ids, so test files can run side by side against the same Kafka, Redis and PostgreSQL.
 * Everything on the broker and in Redis carries the configuration's stem `t<8 hex>` (topics `t<id>.…`,
 * groups `coupon-t<id>`, `timesale-t<id>`, {@link testGroupId}), and {@link cleanup} deletes it all.
 */
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { Admin } from '@platformatic/kafka'
import { Cluster } from 'ioredis'
import { type Config, loadConfig } from '../../src/config.ts'
import { allTopics } from '../../src/flows.ts'
import { createRedis } from '../../src/platform/redis.ts'
import {
  createRuntime,
  type Feature,
  type Runtime,
  type StartOptions,
  startFeature,
} from '../../src/runtime.ts'

export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex')
}

/** A configuration with a fresh topic prefix, key prefix and group ids; `overrides` are env variables. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  const id = uniqueSuffix()
  return loadConfig({
    ...process.env,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    KAFKA_TOPIC_PREFIX: `t${id}.`,
    KAFKA_TOPIC_PARTITIONS: '3',
    REDIS_KEY_PREFIX: `t${id}:`,
    KAFKA_GROUP_ID: `coupon-t${id}`,
    TIMESALE_KAFKA_GROUP_ID: `timesale-t${id}`,
    CONSUMER_RETRY_BACKOFF_MS: '50',
    // The broker's minimum: a killed consumer's partitions move on quickly.
    CONSUMER_SESSION_TIMEOUT_MS: '6000',
    // Tests that need reconciliation call it; a timer would also touch other tests' promotions.
    RECONCILE_INTERVAL_MS: '0',
    // A test runs API and consumer in one process on a shared, busy machine: a consumer batch or a
    // neighbour's CPU burst would shed the test's own requests. Tests of admission control set it.
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...overrides,
  })
}

export interface TestService {
  readonly runtime: Runtime
  readonly url: string
  /** Closes the service and deletes the test's topics and Redis keys. */
  close(): Promise<void>
}

/** The stem every name of a test configuration carries, `t<8 hex>`; undefined for a non-test configuration. */
function stemOf(config: Config): string | undefined {
  const match = /^(t[0-9a-f]{8})\.$/.exec(config.kafka.topicPrefix)
  return match?.[1]
}

/** A fresh consumer group id of a test configuration (`<role>-t<id>-<8 hex>`), deleted by {@link cleanup}. */
export function testGroupId(config: Config, role: string): string {
  return `${role}-${stemOf(config) ?? 'x'}-${uniqueSuffix()}`
}

/** Starts a feature in this process on a free port against the real stack. */
export async function startTestService<T>(
  feature: Feature<T>,
  config: Config = testConfig(),
  options: StartOptions = {},
): Promise<TestService> {
  const runtime = await createRuntime(config, feature.name)
  const started = await startFeature(runtime, feature, { port: 0, ...options })
  return {
    runtime,
    url: started.url ?? '',
    async close() {
      await runtime.lifecycle.close()
      await cleanup(config)
    },
  }
}

/**
 * Deletes the topics, consumer groups and Redis keys of a test configuration: every group whose id carries
 * its stem (its services' groups and those of {@link testGroupId}). Best effort: a group that still has a
 * member is left to the broker's own expiry.
 */
export async function cleanup(config: Config): Promise<void> {
  const stem = stemOf(config)
  if (!stem) return
  await deleteKeys(config)
  const admin = new Admin({ clientId: 'test-cleanup', bootstrapBrokers: [...config.kafka.brokers] })
  try {
    const existing = new Set(await admin.listTopics())
    const topics = allTopics(config.kafka.topicPrefix).filter((topic) => existing.has(topic))
    if (topics.length > 0) await admin.deleteTopics({ topics })
  } catch {
    // Best effort: a leftover test topic is harmless.
  }
  try {
    const owned = new RegExp(`(^|-)${stem}(-|$)`)
    const groups = [...(await admin.listGroups()).keys()].filter((group) => owned.test(group))
    for (const group of groups) await admin.deleteGroups({ groups: [group] }).catch(() => undefined)
  } catch {
    // Best effort, as above.
  } finally {
    await admin.close()
  }
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Runs `tasks` with at most `limit` in flight, like the seed's `-ThrottleLimit 100`. */
export async function runLimited<T>(tasks: ReadonlyArray<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length)
  let next = 0
  const workers = Array.from({ length: Math.min(limit, tasks.length) }, async () => {
    while (next < tasks.length) {
      const index = next++
      results[index] = await (tasks[index] as () => Promise<T>)()
    }
  })
  await Promise.all(workers)
  return results
}

/** Deletes every Redis key under the configuration's key prefix. */
async function deleteKeys(config: Config): Promise<void> {
  if (!config.redis.keyPrefix) return
  const client = createRedis({ ...config.redis, keyPrefix: '' }, 'test-cleanup')
  if (client instanceof Cluster && client.status !== 'ready') await once(client, 'ready')
  // On a Redis Cluster every master holds a share of the keys: scan each of them.
  const nodes = client instanceof Cluster ? client.nodes('master') : [client]
  try {
    for (const node of nodes) {
      let cursor = '0'
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${config.redis.keyPrefix}*`, 'COUNT', 1000)
        cursor = next
        // One key per command: keys of different hash slots may not share one on a cluster.
        await Promise.all(keys.map((key) => node.unlink(key)))
      } while (cursor !== '0')
    }
  } finally {
    client.disconnect()
  }
}
