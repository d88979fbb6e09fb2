/**
 * A service (coupon or timesale) as separate processes, the way production runs it, so a scenario can SIGKILL one:
 * an HTTP-only API process and consumer-only processes, all on one isolated test configuration. Like a
 * process supervisor, it restarts a process that dies unexpectedly — and records the death, because a
 * service that crashes on a dependency fault is a finding, not a fault the scenario injected.
 */
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import type { Config } from '../../src/config.ts'
import { envFor, type ServiceProcess, spawnService } from '../helpers/process.ts'
import { eventually } from '../helpers/stack.ts'
import type { FlowDriver } from './flows.ts'
import { logDir } from './stack.ts'

/** Admin calls (policy creation, DLQ replay) carry this token; the services are started with it. */
export const ADMIN_TOKEN = 'chaos-admin-token'
export const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` }

const RESTART_DELAY_MS = 1_000

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (typeof address !== 'object' || !address) throw new Error('no free port')
  return address.port
}

/** The environment of every process of a scenario: the test's topics, keys and groups, and its Kafka. */
export function serviceEnv(config: Config, extra: Record<string, string> = {}): Record<string, string> {
  return envFor(config, {
    KAFKA_REPLICATION_FACTOR: String(config.kafka.replicationFactor),
    RECONCILE_INTERVAL_MS: String(config.reconcileIntervalMs),
    // The burst comes from one address and must not be throttled, whatever the caller's shell sets.
    RATE_LIMIT_MAX: '0',
    ADMIN_TOKEN,
    ...extra,
  })
}

interface Member {
  readonly name: string
  readonly role: 'api' | 'consumer'
  readonly process: ServiceProcess
  /** Dies on purpose (killed by the scenario, or a crash point): not restarted, not a finding. */
  expectedExit: boolean
  ready: boolean
}

/** The lines of a process's output that explain why it died (a stack trace's head, a fatal log). */
function causeOfDeath(output: string): string {
  const lines = output.split('\n').filter((line) => line.trim() !== '')
  const trace = lines.filter((line) => !line.startsWith('{') && /Error|Unhandled|throw/.test(line))
  const fatal = lines.filter((line) => /"level":(50|60)/.test(line)).map((line) => line.slice(0, 300))
  return [...trace.slice(0, 3), ...fatal.slice(-1)].map((line) => line.trim()).join(' | ') || 'no output'
}

/** The processes of one scenario; keeps their output and writes it to the stack's log folder at the end. */
export class ServiceProcesses {
  readonly #config: Config
  readonly #flow: FlowDriver
  readonly #scenario: string
  readonly #members: Member[] = []
  readonly #consumerEnv: Record<string, string>
  #consumers = 0
  #apis = 0
  #apiPort = 0
  #stopping = false
  /** Unexpected deaths of processes that had started: `name (pid): cause`. */
  readonly crashes: string[] = []
  url = ''

  constructor(config: Config, flow: FlowDriver, scenario: string, consumerEnv: Record<string, string> = {}) {
    this.#config = config
    this.#flow = flow
    this.#scenario = scenario
    this.#consumerEnv = consumerEnv
  }

  /** Starts the HTTP API (no consumer) and waits for /health. */
  async startApi(): Promise<string> {
    this.#apiPort ||= await freePort()
    this.url = `http://127.0.0.1:${this.#apiPort}`
    this.#apis += 1
    const name = this.#apis === 1 ? 'api' : `api-${this.#apis}`
    const member = this.#spawn(name, 'api', [this.#flow.name, '--no-consumer'], {
      [this.#flow.portVariable]: String(this.#apiPort),
    })
    await eventually(
      async () => {
        if (member.process.child.exitCode !== null)
          throw new Error(`the API exited:\n${member.process.output()}`)
        const response = await fetch(`${this.url}/health`)
        return response.ok ? true : undefined
      },
      60_000,
      `the ${this.#flow.name} API to answer /health`,
    )
    member.ready = true
    return this.url
  }

  /**
   * Starts a consumer-only process and waits until it consumes (or died trying). With `FAULT_INJECTION`
   * in `extra` its death is expected.
   */
  async startConsumer(extra: Record<string, string> = {}): Promise<ServiceProcess> {
    this.#consumers += 1
    const name = `consumer-${this.#consumers}`
    const member = this.#spawn(name, 'consumer', [this.#flow.name, '--no-http', '--instance', name], {
      ...this.#consumerEnv,
      ...extra,
    })
    member.expectedExit = Boolean(extra.FAULT_INJECTION)
    await eventually(
      async () => {
        const { child } = member.process
        if (child.exitCode !== null || child.signalCode !== null) return true
        return member.process.output().includes('consumer started') ? true : undefined
      },
      60_000,
      `${name} to start`,
    )
    member.ready = member.process.child.exitCode === null && member.process.child.signalCode === null
    return member.process
  }

  /** The consumer processes started so far, oldest first (dead ones included). */
  get consumers(): ServiceProcess[] {
    return this.#members.filter((m) => m.role === 'consumer').map((m) => m.process)
  }

  /** SIGKILLs a process on purpose (no restart, not a finding) and waits until it is gone. */
  async kill(process: ServiceProcess): Promise<void> {
    const member = this.#members.find((m) => m.process === process)
    if (member) member.expectedExit = true
    process.child.kill('SIGKILL')
    await process.exited
  }

  #spawn(name: string, role: Member['role'], args: string[], extra: Record<string, string>): Member {
    const process = spawnService(args, serviceEnv(this.#config, extra))
    const member: Member = { name, role, process, expectedExit: false, ready: false }
    this.#members.push(member)
    void process.exited.then(({ code, signal }) => {
      if (this.#stopping || member.expectedExit) return
      if (member.ready) {
        this.crashes.push(
          `${name} (pid ${process.child.pid}) died (${signal ?? `exit ${code}`}): ${causeOfDeath(process.output())}`,
        )
      }
      setTimeout(() => this.#restart(role), RESTART_DELAY_MS)
    })
    return member
  }

  /** A supervisor's restart; one that fails to start (a dependency still down) is retried the same way. */
  #restart(role: Member['role']): void {
    if (this.#stopping) return
    const started = role === 'api' ? this.startApi() : this.startConsumer()
    started.catch(() => {})
  }

  /** Stops every process still running and writes all their output to `<LOCAL_DIR>/logs/`. */
  async stopAll(): Promise<void> {
    this.#stopping = true
    await Promise.all(this.#members.map(({ process }) => process.stop()))
    for (const { name, process } of this.#members) {
      writeFileSync(
        join(logDir(), `chaos-${this.#scenario}-${this.#flow.name}-${name}.log`),
        process.output(),
      )
    }
  }
}
