/**
 * `bench`: prepares the services and the connections, runs every service's scenarios, judges the targets
 * and writes the report. Progress goes to stderr, the summary to stdout.
 */
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Config, loadConfig } from '../src/config.ts'
import { findFlow } from '../src/flows.ts'
import { createLogger } from '../src/platform/logger.ts'
import { createPool } from '../src/platform/postgres.ts'
import { createRedis } from '../src/platform/redis.ts'
import { Janitor } from './janitor.ts'
import type { ComponentPorts } from './lib/cpu.ts'
import { machineInfo } from './lib/machine.ts'
import type { BenchOptions } from './options.ts'
import { benchService } from './plan.ts'
import { summarizeFile } from './profile/cli.ts'
import { checkMark, fmt, ms } from './report/markdown.ts'
import { evaluateTargets } from './report/targets.ts'
import { timestampName, writeReport } from './report/write.ts'
import type { BenchReport, RunReport, SweepReport } from './results-types.ts'
import { ensureServices } from './services.ts'
import { couponTarget, type TargetDeps } from './targets/coupon.ts'
import { timesaleTarget } from './targets/timesale.ts'
import { SERVICES, type ServiceName, type ServiceTarget } from './targets/types.ts'

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)))

const log = (line: string) => process.stderr.write(`${line}\n`)

export interface Connections {
  readonly config: ReturnType<typeof loadConfig>
  /** The local ports of the stack's components, for the CPU accounting. */
  readonly cpuPorts: ComponentPorts
  readonly targets: Record<ServiceName, ServiceTarget>
  readonly pool: ReturnType<typeof createPool>
  readonly redis: ReturnType<typeof createRedis>
  close(): Promise<void>
}

/** The bench's client of each flow's API (the flows themselves are listed in src/flows.ts). */
const TARGETS: Record<ServiceName, (deps: TargetDeps) => ServiceTarget> = {
  coupon: couponTarget,
  timesale: timesaleTarget,
}

/** The HTTP port of a service, from its flow's descriptor. */
function servicePort(config: Config, name: ServiceName): number {
  const flow = findFlow(name)
  if (!flow) throw new Error(`the bench target ${name} has no flow in src/flows.ts`)
  return flow.port(config)
}

/** PostgreSQL and Redis clients for the checks, and each service's target on 127.0.0.1. */
export function connect(): Connections {
  const config = loadConfig()
  const logger = createLogger({ level: 'warn', name: 'bench' })
  const pool = createPool({ url: config.postgres.url, poolMax: 4 }, logger)
  const redis = createRedis(config.redis, 'bench')
  const deps = { adminToken: config.http.adminToken, pool, redis }
  const port = (url: string) => Number(new URL(url).port)
  const local = (hostPort: string) => /^(localhost|127\.0\.0\.1|\[::1\])$/.test(hostPort.replace(/:\d+$/, ''))
  return {
    config,
    cpuPorts: {
      kafka: config.kafka.brokers.filter(local).map((b) => Number(b.slice(b.lastIndexOf(':') + 1))),
      redis: [port(config.redis.url) || 6379],
      postgres: [port(config.postgres.url) || 5432],
      ...Object.fromEntries(SERVICES.map((name) => [name, [servicePort(config, name)]])),
    },
    pool,
    redis,
    targets: Object.fromEntries(
      SERVICES.map((name) => [
        name,
        TARGETS[name]({ ...deps, origin: `http://127.0.0.1:${servicePort(config, name)}` }),
      ]),
    ) as Record<ServiceName, ServiceTarget>,
    async close() {
      redis.disconnect()
      await pool.end()
    },
  }
}

function printSummary(report: BenchReport, dir: string): void {
  const lines = [
    '',
    `Benchmark ${report.startedAt} — ${report.machine.cores} cores, ${report.machine.cpuModel}`,
  ]
  for (const r of report.runs) {
    lines.push(
      `  ${r.service.padEnd(8)} ${r.strategy} ${r.scenario.padEnd(6)} ${fmt(r.throughput).padStart(7)}/s  ` +
        `p50 ${ms(r.latency.p50).padStart(9)}  p99 ${ms(r.latency.p99).padStart(9)}  max ${ms(r.latency.max).padStart(9)}` +
        (r.settle ? `  settled +${ms(r.settle.lagAfterLastAcceptMs)}` : '') +
        `  ${r.checks.map((c) => checkMark(c.ok)).join('')}`,
    )
  }
  for (const s of report.sweeps) {
    lines.push(
      `  ${s.service.padEnd(8)} ${s.strategy} sweep  highest rate with p99 ≤ ${s.p99BoundMs} ms: ${s.bestRate ? `${fmt(s.bestRate)}/s` : 'none'}`,
    )
  }
  lines.push('', 'Targets:')
  for (const t of report.targets)
    lines.push(`  [${t.met === null ? ' - ' : t.met ? 'MET' : 'NOT'}] ${t.target}: ${t.measured}`)
  lines.push('', `Report: ${join(dir, 'report.md')}, also ${join(dir, '..', 'latest.md')}`)
  process.stdout.write(`${lines.join('\n')}\n`)
}

export async function runBench(options: BenchOptions, args: readonly string[]): Promise<number> {
  const startedAt = new Date()
  const outRoot = resolve(ROOT, options.out)
  const name = timestampName(startedAt)
  const dir = join(outRoot, name)
  const conn = connect()
  const notes: string[] = []
  let aborted = false
  const janitor = new Janitor()
  const runs: RunReport[] = []
  const sweeps: SweepReport[] = []
  const services = await ensureServices({
    services: options.services.map((s) => ({ name: s, origin: conn.targets[s].origin })),
    logDir: join(dir, 'logs'),
    split: options.split,
    ...(options.profile ? { profileDir: join(dir, 'profiles') } : {}),
    log,
  })
  const interrupt = () => {
    log('interrupted: stopping the services the bench started')
    void services.stop().finally(() => process.exit(130))
  }
  process.once('SIGINT', interrupt)
  notes.push(...services.notes)
  let machine: BenchReport['machine']
  try {
    machine = await machineInfo(ROOT, conn.config, conn.pool, conn.redis)
    const settings = {
      cpuPorts: conn.cpuPorts,
      workers: options.workers,
      timeoutMs: options.timeoutMs,
      settleTimeoutMs: options.settleTimeoutMs,
      ...(options.keepData ? {} : { janitor }),
      log,
    }
    for (const service of options.services) {
      const target = conn.targets[service]
      const available = await target.availability()
      if (!available.ok) {
        notes.push(`${service}: skipped — ${available.reason}`)
        log(`${service}: skipped — ${available.reason}`)
        continue
      }
      try {
        await benchService(target, options, settings, { runs, sweeps }, services.consumers[service])
      } catch (error) {
        // Keep what was measured; the report says where it stopped.
        aborted = true
        const message = `${service}: aborted — ${(error as Error).message}`
        notes.push(message)
        log(message)
      }
    }
  } finally {
    await janitor.sweep(true).catch((error: unknown) => log(`Redis housekeeping failed: ${String(error)}`))
    process.off('SIGINT', interrupt)
    await services.stop()
    await conn.close()
  }
  const profile: Record<string, string> = {}
  for (const [role, profileDir] of Object.entries(services.profileDirs)) {
    const summary = summarizeFile(profileDir, 20)
    if (summary) profile[role] = summary
  }
  const report: BenchReport = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    command: ['node bench/main.ts bench', ...args].join(' '),
    machine,
    options: { ...options },
    notes,
    runs,
    sweeps,
    targets: evaluateTargets(runs, sweeps),
    ...(Object.keys(profile).length > 0 ? { profile } : {}),
  }
  writeReport(report, outRoot, name)
  printSummary(report, dir)
  const violated = runs
    .concat(sweeps.flatMap((s) => s.steps))
    .some((r) => r.checks.some((c) => c.ok === false))
  return violated || aborted ? 1 : 0
}
