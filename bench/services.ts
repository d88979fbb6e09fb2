/**
 * The services under test: use the ones already answering, otherwise start them as child processes
 * (and stop exactly those at the end).
 *
 * Split mode runs each started service as two processes, the HTTP API (`--no-consumer`) and the consumer
 * (`--no-http`). That lets the drain scenario freeze the consumer while requests pile up (so the
 * consumer's own pace is measured, not the accept rate), and lets `--profile` give the accept path and the
 * consumer separate CPU profiles (`node --cpu-prof`, coupon service).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Component, registerProcess } from './lib/cpu.ts'
import type { ServiceName } from './targets/types.ts'

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const READY_TIMEOUT_MS = 90_000
const STOP_TIMEOUT_MS = 30_000
/** A consumer-only process has no health endpoint: time to connect and join its group. */
const CONSUMER_SETTLE_MS = 4_000
/** The consumer's niceness in split mode, as infra/services.sh starts it. */
const CONSUMER_NICE = 10

export async function healthy(origin: string, timeoutMs = 1_000): Promise<boolean> {
  try {
    const res = await fetch(`${origin}/health`, { signal: AbortSignal.timeout(timeoutMs) })
    await res.arrayBuffer()
    return res.ok
  } catch {
    return false
  }
}

interface Role {
  readonly role: string
  readonly component: Component
  /** CPU niceness (0 = the bench's own). */
  readonly nice?: number
  readonly args: readonly string[]
  readonly nodeArgs: readonly string[]
  /** Where it answers /health; none for a consumer-only process. */
  readonly origin: string | undefined
}

export interface ServiceSet {
  /** What was used or started, for the report, e.g. `coupon: already running`. */
  readonly notes: string[]
  /** Directories with `.cpuprofile` files by role, when profiling. */
  readonly profileDirs: Record<string, string>
  /**
   * Split mode only: freeze / unfreeze a service's consumer process (SIGSTOP / SIGCONT) while the API keeps
   * answering. The process stays warm and connected; a pause longer than the consumer group's session
   * timeout (10 s by default) makes it rejoin the group when it resumes.
   */
  readonly consumers: Partial<Record<ServiceName, { pause(): void; resume(): void }>>
  /** Stops the processes this set started (SIGTERM, then SIGKILL after 30 s). */
  stop(): Promise<void>
}

export interface ServiceSetOptions {
  readonly services: ReadonlyArray<{ name: ServiceName; origin: string }>
  /** Directory for the logs of started services. */
  readonly logDir: string
  /** Start services as API + consumer processes (refuses when a service already answers). */
  readonly split?: boolean
  /** Profile the coupon service's two processes into this directory (implies split). */
  readonly profileDir?: string
  readonly log: (line: string) => void
}

class Process {
  #child: ChildProcess | undefined
  readonly #role: Role
  readonly #logDir: string

  constructor(role: Role, logDir: string) {
    this.#role = role
    this.#logDir = logDir
  }

  async start(): Promise<void> {
    mkdirSync(this.#logDir, { recursive: true })
    const out = openSync(join(this.#logDir, `${this.#role.role}.log`), 'a')
    const command = [process.execPath, ...this.#role.nodeArgs, MAIN, ...this.#role.args]
    // `nice` execs node, so the pid is node's (SIGSTOP/SIGCONT and the CPU accounting reach it).
    const [file, ...args] = this.#role.nice ? ['nice', '-n', String(this.#role.nice), ...command] : command
    const child = spawn(file as string, args, {
      // The services run with the bench's own environment: what is measured is the configuration in use.
      stdio: ['ignore', out, out],
    })
    this.#child = child
    registerProcess(child.pid, this.#role.component)
    const failed = () =>
      new Error(`${this.#role.role} exited; see ${join(this.#logDir, `${this.#role.role}.log`)}`)
    const deadline = Date.now() + READY_TIMEOUT_MS
    if (!this.#role.origin) {
      await new Promise((resolve) => setTimeout(resolve, CONSUMER_SETTLE_MS))
      if (child.exitCode !== null) throw failed()
      return
    }
    while (!(await healthy(this.#role.origin))) {
      if (child.exitCode !== null) throw failed()
      if (Date.now() > deadline)
        throw new Error(`${this.#role.role} not healthy on ${this.#role.origin} after 90 s`)
      await new Promise((resolve) => setTimeout(resolve, 300))
    }
  }

  /** Freezes the process (SIGSTOP): warm, connected, but doing nothing until {@link resume}. */
  pause(): void {
    this.#child?.kill('SIGSTOP')
  }

  resume(): void {
    this.#child?.kill('SIGCONT')
  }

  async stop(): Promise<void> {
    const child = this.#child
    this.#child = undefined
    if (!child || child.exitCode !== null || (child.signalCode !== null && child.signalCode !== 'SIGSTOP'))
      return
    child.kill('SIGCONT')
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    // SIGTERM lets the service drain its consumer, commit offsets and write its CPU profile.
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    await exited
    clearTimeout(timer)
  }
}

/** Makes sure every service answers; starts what does not. */
export async function ensureServices(options: ServiceSetOptions): Promise<ServiceSet> {
  const started: Process[] = []
  const set: ServiceSet = {
    notes: [],
    profileDirs: {},
    consumers: {},
    async stop() {
      await Promise.all(started.splice(0).map((p) => p.stop()))
    },
  }
  const split = options.split === true || options.profileDir !== undefined
  try {
    for (const { name, origin } of options.services) {
      const running = await healthy(origin)
      if (running && split) {
        throw new Error(
          `${origin} already answers, but --split/--profile start their own ${name} processes; stop it first`,
        )
      }
      if (running) {
        set.notes.push(`${name}: already running at ${origin} (used as is)`)
        continue
      }
      if (!split) {
        options.log(`${name} does not answer at ${origin}: starting it`)
        const p = new Process(
          { role: name, component: name, args: [name], nodeArgs: [], origin },
          options.logDir,
        )
        started.push(p)
        await p.start()
        set.notes.push(`${name}: started by the bench (node src/main.ts ${name}), stopped at the end`)
        continue
      }
      const profile = options.profileDir !== undefined && name === 'coupon'
      const roles: Role[] = (['consumer', 'api'] as const).map((kind) => {
        const role = `${name}-${kind}`
        const dir = options.profileDir ? join(options.profileDir, role) : ''
        if (profile) set.profileDirs[role] = dir
        return {
          role,
          // The consumer as `npm start` runs it: its own CPU account, a lower priority than the API.
          component: kind === 'api' ? name : (`${name}-consumer` as const),
          nice: kind === 'api' ? 0 : CONSUMER_NICE,
          args: [name, kind === 'api' ? '--no-consumer' : '--no-http'],
          nodeArgs: profile ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [],
          origin: kind === 'api' ? origin : undefined,
        }
      })
      const [consumer, api] = roles.map((role) => new Process(role, options.logDir)) as [Process, Process]
      for (const p of [consumer, api]) {
        options.log(
          `starting ${name} ${p === api ? 'API' : 'consumer'} process${profile ? ' under --cpu-prof' : ''}`,
        )
        started.push(p)
        await p.start()
      }
      set.consumers[name] = { pause: () => consumer.pause(), resume: () => consumer.resume() }
      set.notes.push(
        `${name}: started by the bench as two processes, API (--no-consumer) and consumer (--no-http, nice ${CONSUMER_NICE})` +
          `${profile ? ', both under node --cpu-prof' : ''}; stopped at the end`,
      )
    }
  } catch (error) {
    await set.stop()
    throw error
  }
  return set
}
