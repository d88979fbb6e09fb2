/**
 * Control of the isolated stack the chaos suite runs on (started by `infra/chaos.sh` under its own
 * LOCAL_DIR and ports): stop, kill and restart Kafka, Redis and PostgreSQL without touching anyone else's.
 * Every function refuses to run unless `CHAOS_LOCAL_DIR` names a stack other than the default `.local`.
 */
import { execFile } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** Kafka as one broker, or as the three-broker cluster (replication factor 3, min.insync.replicas 2). */
export type KafkaLayout = 'single' | 'cluster'

function isolatedDir(): string | undefined {
  const dir = process.env.CHAOS_LOCAL_DIR
  if (!dir) return undefined
  const absolute = resolve(ROOT, dir)
  return absolute === resolve(ROOT, '.local') ? undefined : absolute
}

/** Why the chaos scenarios cannot run here, or undefined when they can (for `describe(..., { skip })`). */
export const skipUnlessIsolated: string | undefined = isolatedDir()
  ? undefined
  : 'kills Kafka, Redis and PostgreSQL: runs only on its own stack, via `npm run test:chaos`'

function localDir(): string {
  const dir = isolatedDir()
  if (!dir) throw new Error(`refusing to touch a shared stack: ${skipUnlessIsolated}`)
  return dir
}

function port(name: string): number {
  const value = Number(process.env[name])
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} is not set (infra/chaos.sh sets it)`)
  return value
}

/**
 * Runs `bash infra/stack.sh <args>` on the isolated stack. The connection variables are removed: set,
 * they would make the script treat the components as external and leave them alone.
 */
export async function stack(...args: string[]): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOCAL_DIR: localDir() }
  for (const name of ['KAFKA_BROKERS', 'REDIS_URL', 'DATABASE_URL', 'KAFKA_CLUSTER_SIZE']) delete env[name]
  const { stdout, stderr } = await run('bash', ['infra/stack.sh', ...args], { cwd: ROOT, env })
  return stdout + stderr
}

/** Broker addresses of a layout (node <id> listens on LOCAL_KAFKA_PORT + 2*(id-1)). */
export function brokersOf(layout: KafkaLayout): string[] {
  const base = port('LOCAL_KAFKA_PORT')
  const size = layout === 'single' ? 1 : 3
  return Array.from({ length: size }, (_, index) => `localhost:${base + 2 * index}`)
}

export function redisUrl(): string {
  return `redis://127.0.0.1:${port('LOCAL_REDIS_PORT')}`
}

export function databaseUrl(): string {
  return `postgres://promotion:promotion@127.0.0.1:${port('LOCAL_PG_PORT')}/promotion`
}

/**
 * Brings the isolated stack to a known state before a scenario: Redis and PostgreSQL running (an earlier
 * scenario that failed half-way may have left one stopped) and Kafka in `layout`, switching over if the
 * other layout runs. Returns the broker list.
 */
export async function ensureStack(layout: KafkaLayout): Promise<string[]> {
  const status = await stack('status')
  const running = (name: string) => new RegExp(`^${name}\\s+running`, 'm').test(status)
  if (!running('redis')) await stack('start', 'redis')
  if (!running('postgres')) await stack('start', 'postgres')
  const current = running('kafka-\\d') ? 'cluster' : running('kafka') ? 'single' : undefined
  const complete = layout === 'single' || [1, 2, 3].every((id) => running(`kafka-${id}`))
  if (current !== layout || !complete) {
    if (current && current !== layout) await stack('stop', 'kafka')
    await stack('start', ...(layout === 'cluster' ? ['--cluster'] : []), 'kafka')
  }
  return brokersOf(layout)
}

/** The pid of a component of the isolated stack from its pid file (`kafka`, `kafka-2`, `redis`). */
export function pidOf(component: string): number {
  const file =
    component === 'postgres'
      ? join(localDir(), 'postgres/data/postmaster.pid')
      : join(localDir(), 'run', `${component}.pid`)
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

/** Deletes Redis's append-only file and snapshot: after the next start Redis is empty. */
export function deleteRedisData(): void {
  const dir = join(localDir(), 'redis')
  rmSync(join(dir, 'appendonlydir'), { recursive: true, force: true })
  rmSync(join(dir, 'dump.rdb'), { force: true })
}

/** Where a scenario keeps the logs of the processes it ran. */
export function logDir(): string {
  return join(localDir(), 'logs')
}
