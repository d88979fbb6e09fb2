/**
 * Who used the CPUs during a run, from Linux's /proc: CPU time per component (Kafka, Redis, PostgreSQL,
 * each service, the bench itself) between two samples, as a share of the whole machine. On this kind of
 * single-machine benchmark every component competes for the same cores, so this is what explains a
 * plateau — and `other` / `unattributed` show when something else on the machine took its share.
 *
 * Components are found by the ports they listen on (so a second stack on the same machine, e.g. a test
 * run's, counts as `other`), plus their descendants (PostgreSQL's backends) and the processes the bench
 * started itself. Returns nothing where /proc is not available.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { availableParallelism } from 'node:os'

/** Linux's USER_HZ; 100 on every mainstream distribution and architecture. */
const TICKS_PER_SECOND = 100

/** `coupon` / `timesale` are the API processes (or the whole service when it runs as one process). */
export type Component =
  | 'kafka'
  | 'redis'
  | 'postgres'
  | 'coupon'
  | 'coupon-consumer'
  | 'timesale'
  | 'timesale-consumer'
  | 'bench'
  | 'other'

/** CPU time in µs that a component's share of the machine over `wallMs` amounts to. */
export function cpuMicros(share: CpuShare | undefined, component: Component, wallMs: number): number | null {
  const percent = share?.[component]
  if (percent === undefined) return null
  return (percent / 100) * availableParallelism() * wallMs * 1000
}

/** The ports that identify each component's main process. */
export type ComponentPorts = Partial<Record<Component, readonly number[]>>

export interface CpuSample {
  readonly at: number
  /** CPU ticks used so far by every process, and its component. */
  readonly processes: ReadonlyMap<number, { readonly ticks: number; readonly component: Component }>
  /** Busy ticks of the whole machine (all CPUs) from /proc/stat. */
  readonly busy: number
}

/** Per component: percent of the machine (100 = every core busy the whole time). */
export type CpuShare = Partial<Record<Component | 'machine' | 'unattributed', number>>

/** Processes the bench started, by pid (e.g. a consumer-only process that listens on no port). */
const started = new Map<number, Component>()

export function registerProcess(pid: number | undefined, component: Component): void {
  if (pid !== undefined) started.set(pid, component)
}

/** Socket inodes listening on `ports`, from the text of /proc/net/tcp or tcp6. */
export function listeningInodes(procNetTcp: string, ports: ReadonlySet<number>): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of procNetTcp.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/)
    const local = f[1]
    if (!local || f[3] !== '0A') continue // 0A = LISTEN
    const port = Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16)
    if (ports.has(port) && f[9]) out.set(f[9], port)
  }
  return out
}

/** utime + stime and the parent pid from a /proc/<pid>/stat line (fields 14, 15 and 4). */
export function parseStat(stat: string): { ticks: number; ppid: number } {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { ticks: Number(fields[11] ?? 0) + Number(fields[12] ?? 0), ppid: Number(fields[1] ?? 0) }
}

/** Busy ticks from the first line of /proc/stat (everything except idle and iowait). */
export function machineBusyTicks(procStat: string): number {
  const [, ...values] = (procStat.split('\n')[0] ?? '').trim().split(/\s+/)
  const n = values.map(Number)
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0)
  return total - (n[3] ?? 0) - (n[4] ?? 0)
}

/**
 * A process's component: its own (by port, or started by the bench), else its nearest ancestor's (a
 * PostgreSQL backend belongs to the postmaster), else `other`.
 */
export function componentOf(
  pid: number,
  own: ReadonlyMap<number, Component>,
  parent: ReadonlyMap<number, number>,
  self: number,
): Component {
  if (pid === self) return 'bench'
  for (let at: number | undefined = pid, depth = 0; at && depth < 64; at = parent.get(at), depth++) {
    const c = own.get(at)
    if (c) return c
    // The bench's children are the services it started (registered above), not the bench.
    if (at === self) return 'other'
  }
  return 'other'
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

export function sampleCpu(ports: ComponentPorts): CpuSample | undefined {
  try {
    const byPort = new Map<number, Component>()
    for (const [component, list] of Object.entries(ports) as Array<[Component, number[]]>) {
      for (const port of list) byPort.set(port, component)
    }
    const inodes = new Map([
      ...listeningInodes(read('/proc/net/tcp'), new Set(byPort.keys())),
      ...listeningInodes(read('/proc/net/tcp6'), new Set(byPort.keys())),
    ])
    const own = new Map<number, Component>(started)
    const parent = new Map<number, number>()
    const ticks = new Map<number, number>()
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      const pid = Number(entry)
      const stat = read(`/proc/${entry}/stat`)
      if (!stat) continue // the process ended between listing and reading
      const parsed = parseStat(stat)
      ticks.set(pid, parsed.ticks)
      parent.set(pid, parsed.ppid)
      if (inodes.size === 0 || own.has(pid)) continue
      try {
        for (const fd of readdirSync(`/proc/${entry}/fd`)) {
          const link = readlinkSync(`/proc/${entry}/fd/${fd}`)
          const port = link.startsWith('socket:[') ? inodes.get(link.slice(8, -1)) : undefined
          if (port !== undefined) {
            own.set(pid, byPort.get(port) ?? 'other')
            break
          }
        }
      } catch {
        // Not ours to read, or gone.
      }
    }
    const processes = new Map<number, { ticks: number; component: Component }>()
    for (const [pid, t] of ticks)
      processes.set(pid, { ticks: t, component: componentOf(pid, own, parent, process.pid) })
    return { at: Date.now(), processes, busy: machineBusyTicks(readFileSync('/proc/stat', 'utf8')) }
  } catch {
    return undefined
  }
}

/**
 * Shares between two samples, process by process (a process that started in between counts all its time).
 * Processes that ended before the second sample are not seen by it: their time shows as `unattributed`
 * (the machine's busy time minus everything attributed), typically short-lived processes of something else.
 */
export function cpuShare(before: CpuSample | undefined, after: CpuSample | undefined): CpuShare | undefined {
  if (!before || !after || after.at <= before.at) return undefined
  const capacity = ((after.at - before.at) / 1000) * TICKS_PER_SECOND * availableParallelism()
  const machine = ((after.busy - before.busy) / capacity) * 100
  const share: CpuShare = { machine: round(machine) }
  const used = new Map<Component, number>()
  for (const [pid, p] of after.processes) {
    const delta = Math.max(0, p.ticks - (before.processes.get(pid)?.ticks ?? 0))
    used.set(p.component, (used.get(p.component) ?? 0) + delta)
  }
  let attributed = 0
  for (const [component, delta] of used) {
    attributed += (delta / capacity) * 100
    if (delta > 0) share[component] = round((delta / capacity) * 100)
  }
  share.unattributed = round(Math.max(0, machine - attributed))
  return share
}

const round = (n: number) => Math.round(n * 10) / 10
