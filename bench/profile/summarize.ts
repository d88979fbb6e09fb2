/**
 * Summarises a V8 `.cpuprofile` (as written by `node --cpu-prof`): where the time went, by self time per
 * function and per module (a package in node_modules, a file of this project, Node's internals), plus the
 * inclusive time of this project's own functions (time spent in them and everything they called).
 */

export interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
    readonly children?: readonly number[]
  }>
  readonly startTime: number
  readonly endTime: number
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

export interface Entry {
  readonly name: string
  readonly ms: number
  /** Share of the busy (non-idle) time, 0–100. */
  readonly percent: number
}

export interface ProfileSummary {
  readonly wallMs: number
  readonly busyMs: number
  readonly idleMs: number
  readonly gcMs: number
  readonly byFunction: Entry[]
  readonly byModule: Entry[]
  /** Time with the module anywhere on the stack (a library and everything it called). */
  readonly byModuleInclusive: Entry[]
  /** Inclusive time of the project's own functions (src/…). */
  readonly projectInclusive: Entry[]
}

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)'])

/** The module a frame belongs to: `pkg:<name>`, `src/<file>`, `node:<area>`, or a V8 pseudo-frame. */
export function moduleOf(url: string, functionName: string, projectRoot = ''): string {
  if (SPECIAL.has(functionName) && !url) return functionName
  if (!url) return '(native/V8)'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg?.[1]) return `pkg:${pkg[1]}`
  if (url.startsWith('node:')) {
    const parts = url.slice(5).split('/')
    return `node:${parts[0] === 'internal' ? `internal/${parts[1] ?? ''}` : parts[0]}`.replace(/\.js$/, '')
  }
  const path = url.replace(/^file:\/\//, '')
  const rel =
    projectRoot && path.startsWith(projectRoot) ? path.slice(projectRoot.length).replace(/^\//, '') : path
  return rel
}

function functionKey(frame: CpuProfile['nodes'][number]['callFrame'], projectRoot: string): string {
  const name = frame.functionName || '(anonymous)'
  if (!frame.url) return name
  return `${name} (${moduleOf(frame.url, name, projectRoot)}:${frame.lineNumber + 1})`
}

function top(map: Map<string, number>, busy: number, n: number): Entry[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: us / 1000, percent: busy > 0 ? (us / busy) * 100 : 0 }))
}

/** Summarises one profile, or several (e.g. a process restarted) as if they were one. */
export function summarizeProfile(
  profiles: CpuProfile | readonly CpuProfile[],
  options: { projectRoot?: string; top?: number } = {},
): ProfileSummary {
  const root = options.projectRoot ?? ''
  const n = options.top ?? 25
  const byFunction = new Map<string, number>()
  const byModule = new Map<string, number>()
  const moduleInclusive = new Map<string, number>()
  const inclusive = new Map<string, number>()
  const add = <K>(map: Map<K, number>, key: K, us: number) => map.set(key, (map.get(key) ?? 0) + us)
  let idle = 0
  let gc = 0
  let total = 0
  let wall = 0
  const list: readonly CpuProfile[] = 'nodes' in profiles ? [profiles] : profiles
  for (const profile of list) {
    wall += profile.endTime - profile.startTime
    const byId = new Map(profile.nodes.map((node) => [node.id, node]))
    const parent = new Map<number, number>()
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
    const selfByNode = new Map<number, number>()
    profile.samples.forEach((id, i) => {
      add(selfByNode, id, profile.timeDeltas[i] ?? 0)
    })
    for (const [id, us] of selfByNode) {
      const node = byId.get(id)
      if (!node) continue
      total += us
      const frame = node.callFrame
      if (frame.functionName === '(idle)') {
        idle += us
        continue
      }
      if (frame.functionName === '(garbage collector)') gc += us
      add(byFunction, functionKey(frame, root), us)
      add(byModule, moduleOf(frame.url, frame.functionName, root), us)
      // Inclusive time: every distinct module and project function on the stack gets the self time once.
      const seenModules = new Set<string>()
      const seenFunctions = new Set<string>()
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const f = byId.get(at)?.callFrame
        if (!f?.url) continue
        seenModules.add(moduleOf(f.url, f.functionName, root))
        if (f.url.includes('/src/')) seenFunctions.add(functionKey(f, root))
      }
      for (const m of seenModules) add(moduleInclusive, m, us)
      for (const k of seenFunctions) add(inclusive, k, us)
    }
  }
  const busy = total - idle
  return {
    wallMs: wall / 1000,
    busyMs: busy / 1000,
    idleMs: idle / 1000,
    gcMs: gc / 1000,
    byFunction: top(byFunction, busy, n),
    byModule: top(byModule, busy, n),
    byModuleInclusive: top(moduleInclusive, busy, n),
    projectInclusive: top(inclusive, busy, n),
  }
}

function entries(title: string, list: readonly Entry[]): string[] {
  return [
    `| ${title} | ms | % of busy |`,
    '| --- | ---: | ---: |',
    ...list.map(
      (e) => `| \`${e.name.replaceAll('|', '\\|')}\` | ${e.ms.toFixed(0)} | ${e.percent.toFixed(1)} |`,
    ),
  ]
}

/** Markdown tables of a summary. */
export function renderProfile(summary: ProfileSummary, label: string): string {
  return [
    `${label}: ${(summary.wallMs / 1000).toFixed(1)} s profiled, ${(summary.busyMs / 1000).toFixed(1)} s on the CPU ` +
      `(${((summary.busyMs / Math.max(1, summary.wallMs)) * 100).toFixed(0)} % of one core), ` +
      `GC ${(summary.gcMs / 1000).toFixed(2)} s.`,
    '',
    ...entries('self time by module', summary.byModule.slice(0, 15)),
    '',
    ...entries('inclusive time by module (it and what it called)', summary.byModuleInclusive.slice(0, 15)),
    '',
    ...entries('self time by function', summary.byFunction),
    '',
    ...entries('inclusive time of project functions', summary.projectInclusive.slice(0, 15)),
  ].join('\n')
}
