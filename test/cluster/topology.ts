/**
 * The running cluster topology (`infra/topology.sh`, started by `infra/cluster-test.sh` under its own
 * LOCAL_DIR and ports): where its parts listen, their pids, and how to bring back what a fault killed.
 * Every function refuses to run unless `CLUSTER_TOPOLOGY_DIR` names a stack other than the default `.local`.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { type Config, loadConfig } from '../../src/config.ts'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

function topologyDir(): string | undefined {
  const dir = process.env.CLUSTER_TOPOLOGY_DIR
  if (!dir) return undefined
  const absolute = resolve(ROOT, dir)
  return absolute === resolve(ROOT, '.local') ? undefined : absolute
}

/** Why the topology scenarios cannot run here, or undefined when they can (for `describe(..., { skip })`). */
export const skipUnlessTopology: string | undefined = topologyDir()
  ? undefined
  : 'kills nodes of the cluster topology: runs only on its own stack, via `npm run test:cluster`'

function localDir(): string {
  const dir = topologyDir()
  if (!dir) throw new Error(`refusing to touch a shared stack: ${skipUnlessTopology}`)
  return dir
}

function port(name: string): number {
  const value = Number(process.env[name])
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} is not set (infra/cluster-test.sh sets it)`)
  return value
}

export type FlowName = 'coupon' | 'timesale'

/** HAProxy's address for a flow: what clients use. */
export function balancerUrl(flow: FlowName): string {
  return `http://127.0.0.1:${port(flow === 'coupon' ? 'COUPON_PORT' : 'TIMESALE_PORT')}`
}

/** The address of one API instance (1 or 2) of a flow, behind HAProxy. */
export function instanceUrl(flow: FlowName, instance: 1 | 2): string {
  const offset = (flow === 'coupon' ? 0 : 2) + instance - 1
  return `http://127.0.0.1:${port('LOCAL_API_PORT') + offset}`
}

/** The port of Redis Cluster node `id` (1–6). */
export function redisNodePort(id: number): number {
  return port('LOCAL_REDIS_CLUSTER_PORT') + id - 1
}

/**
 * A configuration that reaches the topology's nodes directly (PostgreSQL itself, not PgBouncer), for the
 * test process's own checks.
 */
export function topologyConfig(): Config {
  const kafka = port('LOCAL_KAFKA_PORT')
  return loadConfig({
    LOG_LEVEL: 'silent',
    KAFKA_BROKERS: [0, 2, 4].map((offset) => `localhost:${kafka + offset}`).join(','),
    KAFKA_REPLICATION_FACTOR: '3',
    REDIS_CLUSTER_NODES: [1, 2, 3].map((id) => `127.0.0.1:${redisNodePort(id)}`).join(','),
    DATABASE_URL: `postgres://promotion:promotion@127.0.0.1:${port('LOCAL_PG_PORT')}/promotion`,
  })
}

/** The pid of a part of the topology from its pid file (`kafka-2`, `redis-4`, `coupon-api-1`, …). */
export function pidOf(component: string): number {
  const file = join(localDir(), 'run', `${component}.pid`)
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0])
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no pid in ${file}`)
  return pid
}

/** SIGKILL, and wait until the process is gone. */
export async function killHard(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL')
  for (;;) {
    try {
      process.kill(pid, 0)
    } catch {
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * Starts again whatever of the topology is not running (`up --topology cluster` is idempotent): a killed
 * Redis master comes back as a replica of the node that took over, a killed broker rejoins its ISRs.
 */
export async function heal(): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOCAL_DIR: localDir() }
  for (const name of ['KAFKA_BROKERS', 'REDIS_URL', 'DATABASE_URL', 'KAFKA_CLUSTER_SIZE']) delete env[name]
  const { stdout, stderr } = await run('bash', ['infra/stack.sh', 'up', '--topology', 'cluster'], {
    cwd: ROOT,
    env,
    timeout: 180_000,
  })
  return stdout + stderr
}
