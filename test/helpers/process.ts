import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Config } from '../../src/config.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export interface ServiceProcess {
  readonly child: ChildProcess
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** Stops the process gracefully (SIGTERM), or kills it after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>
  output(): string
}

/** The environment that makes a child process use the same isolated topics, keys and groups as `config`. */
export function envFor(config: Config, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    LOG_LEVEL: 'info',
    KAFKA_BROKERS: config.kafka.brokers.join(','),
    KAFKA_TOPIC_PREFIX: config.kafka.topicPrefix,
    KAFKA_TOPIC_PARTITIONS: String(config.kafka.partitions),
    REDIS_URL: config.redis.url,
    REDIS_KEY_PREFIX: config.redis.keyPrefix,
    DATABASE_URL: config.postgres.url,
    KAFKA_GROUP_ID: config.coupon.groupId,
    TIMESALE_KAFKA_GROUP_ID: config.timesale.groupId,
    CONSUMER_RETRY_BACKOFF_MS: String(config.consumer.retryBackoffMs),
    CONSUMER_SESSION_TIMEOUT_MS: String(config.consumer.sessionTimeoutMs),
    // Child processes shed load as the test's configuration says (testConfig turns the delay limit off).
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: String(config.http.overload.maxEventLoopDelayMs),
    FAULT_INJECTION: '',
    ...extra,
  }
}

/** Runs `node src/main.ts <args>` as a separate process, as production would. */
export function spawnService(args: readonly string[], env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, ['src/main.ts', ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
  return {
    child,
    exited,
    output: () => output,
    async stop(timeoutMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
      await exited
      clearTimeout(timer)
    },
  }
}
