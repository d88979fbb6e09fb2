/**
 * Writes a report: `bench/results/<timestamp>/` with report.md, results.json and the SVG charts, and
 * `bench/results/latest.md` (the same report, links pointing into the timestamped folder).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { OpenLoop } from '../load/types.ts'
import type { BenchReport } from '../results-types.ts'
import { renderMarkdown } from './markdown.ts'
import { barChart, lineChart } from './svg.ts'

/** `2026-11-24T03-15-10Z`: sortable, and valid as a folder name everywhere. */
export function timestampName(date: Date): string {
  return `${date.toISOString().slice(0, 19).replaceAll(':', '-')}Z`
}

export function charts(report: BenchReport): Record<string, string> {
  const closed = report.runs.filter((r) => r.scenario === 'closed')
  const categories = closed.map((r) => `${r.service} ${r.strategy}`)
  const out: Record<string, string> = {
    'latency.svg': barChart({
      title: 'Latency percentiles per strategy (closed loop)',
      yLabel: 'ms (log scale)',
      categories,
      series: (['p50', 'p95', 'p99', 'max'] as const).map((p) => ({
        name: p,
        values: closed.map((r) => r.latency[p]),
      })),
      log: true,
    }),
    'throughput.svg': barChart({
      title: 'Throughput per strategy',
      yLabel: 'requests/s (log scale)',
      categories,
      series: [
        { name: 'closed loop', values: closed.map((r) => r.throughput) },
        {
          name: 'open loop, p99-bounded',
          values: closed.map(
            (r) =>
              report.sweeps.find((s) => s.service === r.service && s.strategy === r.strategy)?.bestRate ?? 0,
          ),
        },
      ],
      log: true,
    }),
  }
  if (report.sweeps.length > 0) {
    const bound = report.sweeps[0]?.p99BoundMs ?? 20
    out['sweep.svg'] = lineChart({
      title: 'Open-loop sweep: p99 latency by offered rate',
      xLabel: 'offered requests/s (log scale)',
      yLabel: 'p99 ms (log scale)',
      logX: true,
      logY: true,
      threshold: { value: bound, label: `bound ${bound} ms` },
      series: report.sweeps.map((s) => ({
        name: `${s.service} ${s.strategy}`,
        points: s.steps.map(
          (st) => [(st.shape as OpenLoop).ratePerSecond, Math.max(0.01, st.latency.p99)] as const,
        ),
      })),
    })
  }
  return out
}

/** Writes everything; returns the folder. */
export function writeReport(
  report: BenchReport,
  outRoot: string,
  name = timestampName(new Date(report.startedAt)),
): string {
  const dir = join(outRoot, name)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(report, null, 2)}\n`)
  for (const [file, svg] of Object.entries(charts(report))) writeFileSync(join(dir, file), svg)
  writeFileSync(join(dir, 'report.md'), renderMarkdown(report, { prefix: '' }))
  writeFileSync(join(outRoot, 'latest.md'), renderMarkdown(report, { prefix: `${name}/` }))
  return dir
}
