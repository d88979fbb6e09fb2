/**
 * The files operators import (ops/grafana/*.json, ops/prometheus/*.yml) against what the services really
 * export: promtool validates the rules and the scrape example and runs the rules' unit tests, and every
 * metric a query names must appear
 * on a running service's /metrics, so renaming a metric fails here rather than on an operator's screen.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { couponFeature } from '../../src/coupon/feature.ts'
import { timesaleFeature } from '../../src/timesale/feature.ts'
import { startTestService, type TestService, testConfig } from '../helpers/stack.ts'

const run = promisify(execFile)
const OPS = 'ops'

/**
 * Metrics the dashboard and alerts use that the services do not export yet, each with the reason.
 * PENDING: remove an entry as soon as its metric exists (this test then fails until you do).
 */
const PENDING_METRICS: Record<string, string> = {}

/** Series Prometheus itself adds to every scrape target. */
const SCRAPE_METRICS = new Set(['up'])

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
])

/** Metric names in a PromQL expression: identifiers that are not functions, keywords or label names. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // ranges
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '') // label lists
    .replace(/\$\w+/g, '') // dashboard variables
  const names = [...bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(?!\s*\()/g)]
    .filter((match) => !/[A-Za-z0-9_:(]/.test(bare[match.index + match[0].length] ?? ''))
    .map((match) => match[0])
  return [...new Set(names.filter((name) => !PROMQL_WORDS.has(name.toLowerCase()) && !/^\d/.test(name)))]
}

/** Every PromQL query of the Grafana dashboards (panel targets and variable queries) and alert rules. */
async function queries(): Promise<Array<{ file: string; expr: string }>> {
  const found: Array<{ file: string; expr: string }> = []
  const visit = (file: string, node: unknown): void => {
    if (Array.isArray(node)) for (const item of node) visit(file, item)
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if ((key === 'expr' || key === 'definition') && typeof value === 'string') {
          found.push({ file, expr: value.replace(/^label_values\((.*),\s*\w+\)$/, '$1') })
        } else visit(file, value)
      }
    }
  }
  for (const name of await readdir(join(OPS, 'grafana'))) {
    if (!name.endsWith('.json')) continue
    const file = join(OPS, 'grafana', name)
    visit(file, JSON.parse(await readFile(file, 'utf8')))
  }
  const rules = join(OPS, 'prometheus', 'alerts.yml')
  for (const match of (await readFile(rules, 'utf8')).matchAll(/^\s*expr:\s*(.+)$/gm)) {
    found.push({ file: rules, expr: (match[1] as string).trim() })
  }
  return found
}

/** Metric names on a /metrics page, with the series names a histogram or summary adds. */
function exported(text: string): Set<string> {
  const names = new Set<string>()
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name as string)
    if (type === 'histogram' || type === 'summary') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`)
    }
  }
  return names
}

/** The names the queries use that are neither exported, synthetic nor pending. */
export function missingMetrics(
  used: ReadonlyArray<{ file: string; expr: string }>,
  available: ReadonlySet<string>,
): { missing: string[]; pending: string[] } {
  const missing = new Set<string>()
  const pending = new Set<string>()
  for (const { file, expr } of used) {
    for (const name of metricNames(expr)) {
      if (available.has(name) || SCRAPE_METRICS.has(name)) continue
      if (Object.hasOwn(PENDING_METRICS, name)) pending.add(name)
      else missing.add(`${name} (${file})`)
    }
  }
  return { missing: [...missing].sort(), pending: [...pending].sort() }
}

describe('ops files', () => {
  it('alert rules and the scrape example pass promtool', async () => {
    const rules = await run('promtool', ['check', 'rules', join(OPS, 'prometheus', 'alerts.yml')])
    assert.match(rules.stdout, /SUCCESS: \d+ rules found/)
    const config = await run('promtool', ['check', 'config', join(OPS, 'prometheus', 'prometheus.yml')])
    assert.match(config.stdout, /valid prometheus config file/)
  })

  it('alert rules fire on the situations they are named for (promtool test rules)', async () => {
    const result = await run('promtool', ['test', 'rules', join(OPS, 'prometheus', 'alerts.test.yml')])
    assert.match(result.stdout, /SUCCESS/)
  })

  it('finds metric names in PromQL and notices a renamed one', () => {
    assert.deepEqual(
      metricNames(
        'histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{route=~"/a|b", service=~"$service"}[$__rate_interval])))',
      ),
      ['http_request_duration_seconds_bucket'],
    )
    assert.deepEqual(
      metricNames('(sum by (group) (a_lag) > 0) and on (group) (max by (group) (a_lag_seconds) == -1)'),
      ['a_lag', 'a_lag_seconds'],
    )
    const used = [{ file: 'x.json', expr: 'rate(pipeline_retries_total[5m])' }]
    assert.deepEqual(missingMetrics(used, new Set(['pipeline_retry_total'])).missing, [
      'pipeline_retries_total (x.json)',
    ])
  })

  describe('against running services', () => {
    const services: TestService[] = []
    before(async () => {
      // Consumers and the reconciliation timer on, so every metric family a production process has exists.
      const config = testConfig({ RECONCILE_INTERVAL_MS: '600000' })
      services.push(await startTestService(couponFeature, config))
      services.push(await startTestService(timesaleFeature, testConfig({ RECONCILE_INTERVAL_MS: '600000' })))
    })
    after(async () => {
      for (const service of services) await service.close()
    })

    it('every metric in the Grafana dashboards and alert rules is exported on /metrics', async (t) => {
      const available = new Set<string>()
      for (const service of services) {
        for (const name of exported(await (await fetch(`${service.url}/metrics`)).text())) available.add(name)
      }
      const used = await queries()
      assert.ok(used.length >= 20, `found ${used.length} queries`)
      const { missing, pending } = missingMetrics(used, available)
      assert.deepEqual(missing, [], `metrics used but not exported: ${missing.join(', ')}`)
      for (const name of pending) t.diagnostic(`pending: ${name} — ${PENDING_METRICS[name]}`)
      const landed = Object.keys(PENDING_METRICS).filter((name) => available.has(name))
      assert.deepEqual(landed, [], `now exported, remove from PENDING_METRICS: ${landed.join(', ')}`)
    })
  })
})
