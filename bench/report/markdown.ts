/** The Markdown report: the seed's table with the extra columns, the sweep, the checks, the machine. */
import type { OpenLoop } from '../load/types.ts'
import type { BenchReport, RunReport, SweepReport } from '../results-types.ts'
import { describeShape } from '../scenario.ts'
import { clientTimeouts } from './targets.ts'

const SEED: Record<string, { label: string; time: string; tps: string; trait: string }> = {
  v1: { label: 'V1', time: '~200ms', tps: '~100', trait: 'DB 트랜잭션, 동기 처리' },
  v2: { label: 'V2', time: '~100ms', tps: '~500', trait: 'Redis 분산 락, 동기 처리' },
  v3: { label: 'V3', time: '~10ms', tps: '~5000+', trait: 'Kafka 비동기, 즉시 응답' },
}

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
export const ms = (n: number) => (n >= 100 ? `${fmt(n)} ms` : `${n.toFixed(n >= 10 ? 1 : 2)} ms`)

/** `202×38,000, 409 SOLD_OUT×12` — most frequent first. */
export function formatStatuses(
  statuses: Record<string, number>,
  errors: Record<string, number> = {},
): string {
  const parts = Object.entries(statuses)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k}×${fmt(n)}`)
  for (const [k, n] of Object.entries(errors)) parts.push(`${k}×${fmt(n)}`)
  return parts.join(', ') || '–'
}

export function checkMark(ok: boolean | null): string {
  return ok === null ? '–' : ok ? '✓' : '✗'
}

function row(cells: Array<string | number>): string {
  return `| ${cells.map((c) => String(c).replaceAll('|', '\\|')).join(' | ')} |`
}

function table(head: string[], rows: Array<Array<string | number>>): string[] {
  return [row(head), row(head.map(() => '---')), ...rows.map(row)]
}

function settleCells(r: RunReport): [string, string] {
  if (!r.settle) return ['–', '–']
  const s = r.settle
  const lag = s.timedOut
    ? `TIMED OUT (${fmt(s.settled)}/${fmt(s.accepted)})`
    : `+${ms(s.lagAfterLastAcceptMs)}`
  const rate = s.drainRate ? `${fmt(s.drainRate)} (drain)` : `${fmt(s.busyRate)} (peak ${fmt(s.peakRate)})`
  return [lag, rate]
}

function seedTable(runs: readonly RunReport[]): string[] {
  const head = [
    '전략',
    '응답 시간',
    '처리량 (TPS)',
    '특징',
    'p50',
    'p95',
    'p99',
    'max',
    'answers',
    'failures',
    'v3: settled after last accept',
    'v3: settled/s',
  ]
  const rows = runs.map((r) => {
    const seed = SEED[r.strategy]
    return [
      `**${seed?.label ?? r.strategy}**`,
      `${ms(r.latency.mean)} (seed ${seed?.time})`,
      `${fmt(r.throughput)} (seed ${seed?.tps})`,
      seed?.trait ?? '',
      ms(r.latency.p50),
      ms(r.latency.p95),
      ms(r.latency.p99),
      ms(r.latency.max),
      formatStatuses(r.statuses, r.errors),
      fmt(r.failures),
      ...settleCells(r),
    ]
  })
  return table(head, rows)
}

function checksLine(r: RunReport): string {
  return r.checks.map((c) => `${checkMark(c.ok)} ${c.name}`).join(' · ')
}

function sweepSection(sweeps: readonly SweepReport[]): string[] {
  if (sweeps.length === 0) return []
  const out = [
    '## Open loop: highest offered rate with p99 under the bound',
    '',
    'Each step offers a fixed rate for a fixed time on a fresh promotion; latency is measured from the ' +
      'moment each request was *due*, so a server that falls behind shows it (no coordinated omission). ' +
      'A step passes when p99 ≤ the bound, ≥ 95 % of the offered rate is answered and ≤ 0.1 % fail.',
    '',
    ...table(
      ['service', 'strategy', 'highest passing rate', 'steps (rate → p99)'],
      sweeps.map((s) => [
        s.service,
        s.strategy,
        s.bestRate ? `**${fmt(s.bestRate)}/s**` : 'none',
        s.steps
          .map(
            (st) =>
              `${fmt((st.shape as OpenLoop).ratePerSecond)} → ${ms(st.latency.p99)} ${st.passed ? '✓' : '✗'}`,
          )
          .join(', '),
      ]),
    ),
    '',
    '<details><summary>every step</summary>',
    '',
    ...table(
      [
        'service',
        'strategy',
        'offered/s',
        'answered/s',
        'p50',
        'p99',
        'max',
        'send lag p99',
        'failures',
        'v3 settled after',
        'verdict',
      ],
      sweeps.flatMap((s) =>
        s.steps.map((st) => [
          s.service,
          s.strategy,
          fmt((st.shape as OpenLoop).ratePerSecond),
          fmt(st.throughput),
          ms(st.latency.p50),
          ms(st.latency.p99),
          ms(st.latency.max),
          ms(st.sendLag.p99),
          fmt(st.failures + st.notSent),
          settleCells(st)[0],
          st.verdict ?? '',
        ]),
      ),
    ),
    '',
    '</details>',
    '',
  ]
  return out
}

const us = (n: number | null | undefined) => (n === null || n === undefined ? '–' : `${fmt(n)} µs`)

function overloadSection(runs: readonly RunReport[]): string[] {
  const steps = runs.filter((r) => r.scenario === 'overload')
  if (steps.length === 0) return []
  const perStatus = steps.flatMap((r) =>
    Object.entries(r.latencyByStatus ?? {}).map(([kind, l]) => [
      r.service,
      `${r.overload?.factor ?? '?'}× = ${fmt((r.shape as OpenLoop).ratePerSecond)}/s`,
      kind,
      fmt(r.statuses[kind] ?? l.count),
      ms(l.p50),
      ms(l.p99),
      ms(l.max),
    ]),
  )
  return [
    '## Overload (v3, open loop past capacity)',
    '',
    'Offered rates are multiples of the highest rate that passed the sweep (if none did, the lowest rate it ' +
      'tried; or `--overload-base`), over many connections (`--overload-connections`). A write the ' +
      'service cannot answer quickly is shed at once with 503 `OVERLOADED` (nothing changed, `Retry-After`); ' +
      'a step passes with no client time-outs, no other failures and p99 of all answers ≤ 100 ms. "drained ' +
      'after" is the time from the last answer until every accepted request had its outcome published.',
    '',
    ...table(
      [
        'service',
        'offered',
        'sent',
        'answers',
        'shed ratio',
        'client time-outs',
        'p99 (all)',
        'drained after',
        'CPU/accepted',
        'CPU/settled',
        'verdict',
      ],
      steps.map((r) => [
        r.service,
        `${r.overload?.factor ?? '?'}× ${fmt(r.overload?.baseRate ?? 0)} = ${fmt((r.shape as OpenLoop).ratePerSecond)}/s`,
        fmt(r.sent),
        formatStatuses(r.statuses, r.errors),
        r.sent > 0 ? `${(((r.statuses['503 OVERLOADED'] ?? 0) / r.sent) * 100).toFixed(1)} %` : '–',
        fmt(clientTimeouts(r)),
        ms(r.latency.p99),
        r.settle
          ? r.settle.timedOut
            ? 'not within the settle timeout'
            : ms(r.settle.lagAfterLastAcceptMs)
          : '–',
        us(r.cpuPerRequest?.perAcceptedUs),
        us(r.cpuPerRequest?.perSettledUs),
        `${r.passed ? 'PASS' : 'FAIL'}: ${r.verdict ?? ''}`,
      ]),
    ),
    '',
    'Latency by answer (from the intended send time):',
    '',
    ...table(['service', 'offered', 'answer', 'count', 'p50', 'p99', 'max'], perStatus),
    '',
  ]
}

function cpuPerRequestSection(runs: readonly RunReport[]): string[] {
  const withCpu = runs.filter((r) => r.cpuPerRequest)
  if (withCpu.length === 0) return []
  return [
    '## CPU per v3 request',
    '',
    'µs of one core: the API process while the load ran ÷ requests accepted (the whole service when it runs ' +
      'as one process), and the consumer process from the load start until the last outcome ÷ requests ' +
      'settled (only when the bench started the consumer as its own process, `--split`).',
    '',
    ...table(
      ['service', 'scenario', 'load', 'accepted', 'CPU/accepted', 'CPU/settled'],
      withCpu.map((r) => [
        r.service,
        r.scenario,
        describeShape(r.shape),
        fmt(r.successes),
        us(r.cpuPerRequest?.perAcceptedUs),
        us(r.cpuPerRequest?.perSettledUs),
      ]),
    ),
    '',
  ]
}

function cpuSection(runs: readonly RunReport[]): string[] {
  const withCpu = runs.filter((r) => r.cpu)
  if (withCpu.length === 0) return []
  const cols = [
    'machine',
    'kafka',
    'redis',
    'postgres',
    'coupon',
    'coupon-consumer',
    'timesale',
    'timesale-consumer',
    'bench',
    'other',
    'unattributed',
  ] as const
  return [
    '## Who used the CPUs (while the load ran)',
    '',
    'Percent of the whole machine (100 % = all cores busy). Components are the processes listening on the ' +
      'configured ports and their children; "bench" is the load generator and the orchestration; "other" is ' +
      'everything else on the machine, "unattributed" is busy time of processes that ended during the run ' +
      "(typically someone else's short-lived processes). A high other + unattributed means the figures were " +
      'disturbed.',
    '',
    ...table(
      ['run', ...cols],
      withCpu.map((r) => [
        `${r.service} ${r.strategy} ${r.scenario}`,
        ...cols.map((c) => (r.cpu?.[c] ?? 0).toFixed(0)),
      ]),
    ),
    '',
  ]
}

export function renderMarkdown(report: BenchReport, assets: { prefix: string }): string {
  const m = report.machine
  const p = assets.prefix
  const services = [...new Set(report.runs.map((r) => r.service).concat(report.sweeps.map((s) => s.service)))]
  const out: string[] = [
    `# Benchmark — ${report.startedAt.slice(0, 19).replace('T', ' ')} UTC`,
    '',
    `Command: \`${report.command}\``,
    '',
    `Machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}, Kafka ${m.kafka}, ` +
      `Redis ${m.redis}, PostgreSQL ${m.postgres}. Load average at start: ${m.loadAverage.join(' / ')}.`,
    '',
    `> Everything runs on this one machine and shares its ${m.cores} cores: Kafka, Redis, PostgreSQL, both ` +
      'services and the load generator (in its own worker thread). The figures are what this box does with all ' +
      'of them competing, not what any one component could do alone; see "Who used the CPUs".',
    '',
    ...report.notes.map((n) => `- ${n}`),
    '',
    '## Targets',
    '',
    ...table(
      ['target', 'measured', 'met'],
      report.targets.map((t) => [
        t.target,
        t.measured,
        t.met === null ? 'not measured' : t.met ? '✅ yes' : '❌ no',
      ]),
    ),
    '',
  ]
  for (const service of services) {
    const closed = report.runs.filter((r) => r.service === service && r.scenario === 'closed')
    const first = closed[0]
    if (!first) continue
    out.push(
      `## ${service}: the seed's table, measured (${describeShape(first.shape)}, ample stock)`,
      '',
      ...seedTable(closed),
      '',
    )
  }
  out.push(...sweepSection(report.sweeps))
  const hot = report.runs.filter((r) => r.scenario !== 'closed' && r.scenario !== 'overload')
  if (hot.length > 0) {
    out.push(
      '## Drops, drain and hold',
      '',
      '`hot`: more users than stock, every n-th request a repeated user. `drain`: v3, a large drop — how fast ' +
        'the consumer settles. `hold`: v3 at a fixed offered rate.',
      '',
      ...table(
        [
          'service',
          'strategy',
          'scenario',
          'load',
          'stock',
          'answers/s',
          'p50',
          'p99',
          'max',
          'answers',
          'taken',
          'settled after last accept',
          'settled/s',
        ],
        hot.map((r) => [
          r.service,
          r.strategy,
          r.scenario,
          describeShape(r.shape),
          fmt(r.stock),
          fmt(r.throughput),
          ms(r.latency.p50),
          ms(r.latency.p99),
          ms(r.latency.max),
          formatStatuses(r.statuses, r.errors),
          r.checks.find((c) => c.name === 'no oversell')?.detail.split(' of ')[0] ?? '',
          ...settleCells(r),
        ]),
      ),
      '',
    )
  }
  out.push(...overloadSection(report.runs), ...cpuPerRequestSection(report.runs))
  const allRuns = report.runs.concat(report.sweeps.flatMap((s) => s.steps))
  out.push(
    '## Invariants (SPEC §4), checked after every run',
    '',
    '✓ held, ✗ violated, – not applicable to that run (e.g. no undersell check when demand ≤ stock).',
    '',
    ...table(
      ['service', 'strategy', 'scenario', 'promotion', 'checks', 'details of failures'],
      allRuns.map((r) => [
        r.service,
        r.strategy,
        r.scenario === 'open' ? `open ${fmt((r.shape as OpenLoop).ratePerSecond)}/s` : r.scenario,
        r.promotionId,
        checksLine(r),
        r.checks
          .filter((c) => c.ok === false)
          .map((c) => `${c.name}: ${c.detail}`)
          .join('; ') || '',
      ]),
    ),
    '',
    ...cpuSection(report.runs),
    '## Charts',
    '',
    `![latency percentiles](${p}latency.svg)`,
    '',
    `![throughput](${p}throughput.svg)`,
    '',
  )
  if (report.sweeps.length > 0) out.push(`![open-loop sweep](${p}sweep.svg)`, '')
  if (report.profile) {
    out.push('## CPU profiles (coupon service under v3 load)', '')
    for (const [role, summary] of Object.entries(report.profile)) out.push(`### ${role}`, '', summary, '')
  }
  out.push(
    '## Raw data and settings',
    '',
    `- [results.json](${p}results.json): every run with its histogram summary, statuses, checks and CPU shares`,
    `- Settings seen by the bench: ${Object.entries(m.settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')} (the services may run with their own environment)`,
    `- Generator: undici keep-alive pools in worker threads; highest generator event-loop utilisation in any run: ` +
      `${Math.max(0, ...allRuns.map((r) => r.generatorUtilization)).toFixed(2)} (1.00 would mean the generator was the bottleneck)`,
    '',
  )
  return out.join('\n')
}
