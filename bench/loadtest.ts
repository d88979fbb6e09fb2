/**
 * `loadtest`: the seed's "1000명이 동시에 쿠폰 발급 요청" (`1..1000 | ForEach-Object -Parallel … -ThrottleLimit
 * 100`): every user asks once, at most `concurrency` in flight, on a fresh promotion. Prints what happened
 * and checks the seed's "예상 결과" against it.
 */
import { join } from 'node:path'
import type { LoadtestOptions } from './loadtest-options.ts'
import { checkMark, fmt, ms } from './report/markdown.ts'
import type { RunReport } from './results-types.ts'
import { connect, ROOT } from './run-bench.ts'
import { runScenario } from './scenario.ts'
import { ensureServices } from './services.ts'

/** The seed's expectation for the strategy, and whether this run bears it out. */
export function expectation(run: RunReport): { seed: string; observed: string; holds: boolean } {
  const answered = run.completed - Object.values(run.errors).reduce((a, b) => a + b, 0)
  const timeouts = Object.entries(run.errors)
    .filter(([k]) => k.includes('TIMEOUT'))
    .reduce((a, [, n]) => a + n, 0)
  if (run.strategy === 'v3') {
    const fifo = run.checks.find((c) => c.name === 'FIFO')
    const settled = run.settle && !run.settle.timedOut
    const holds = answered === run.sent && run.failures === 0 && !!settled && fifo?.ok !== false
    return {
      seed: 'V3: 모든 요청 즉시 응답 (PENDING), 순차 처리 — every request answered at once, processed in order',
      observed:
        `${fmt(answered)}/${fmt(run.sent)} answered (max ${ms(run.latency.max)}), ${fmt(run.successes)} accepted ` +
        `(202 ${run.service === 'coupon' ? 'PENDING' : 'QUEUED'})` +
        `${run.successes < run.sent ? ' (the rest refused at once: sold out or already asked)' : ''}, ` +
        `${settled ? 'all settled' : 'NOT all settled'}, FIFO ${fifo ? checkMark(fifo.ok) : '–'}`,
      holds,
    }
  }
  return {
    seed: `${run.strategy.toUpperCase()}: 타임아웃 발생, 일부 실패 — timeouts, some failures`,
    observed: `${fmt(timeouts)} timeouts, ${fmt(run.failures)} failures (5xx or transport), max ${ms(run.latency.max)}`,
    holds: timeouts > 0 || run.failures > 0,
  }
}

function print(run: RunReport, options: LoadtestOptions): void {
  const unit = options.service === 'coupon' ? 'coupons issued' : 'units sold'
  const taken = run.checks.find((c) => c.name === 'no oversell')?.detail ?? ''
  const lines = [
    '',
    `Seed load test: ${fmt(options.users)} users at once, ${options.concurrency} in flight — ${options.service} ${options.strategy}, ` +
      `promotion ${run.promotionId} with ${fmt(options.stock)} units`,
    '',
    'Answers by status:',
    ...Object.entries(run.statuses)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `  ${k.padEnd(24)} ${fmt(n).padStart(7)}`),
    ...Object.entries(run.errors).map(([k, n]) => `  ${`error ${k}`.padEnd(24)} ${fmt(n).padStart(7)}`),
    '',
    `Time to answer: p50 ${ms(run.latency.p50)}, p99 ${ms(run.latency.p99)}, max ${ms(run.latency.max)} ` +
      `(all answered in ${(run.wallMs / 1000).toFixed(2)} s, ${fmt(run.throughput)}/s)`,
  ]
  if (run.settle) {
    const s = run.settle
    lines.push(
      s.timedOut
        ? `Time to settle: TIMED OUT with ${fmt(s.settled)} of ${fmt(s.accepted)} accepted requests settled`
        : `Time to settle: all ${fmt(s.accepted)} accepted requests settled ${ms(s.lagAfterLastAcceptMs)} after the last answer ` +
            `(${fmt(s.busyRate)}/s from first request to last outcome)`,
    )
  }
  lines.push(`${unit[0]?.toUpperCase()}${unit.slice(1)}: ${taken}`, '', 'Invariants (SPEC §4):')
  for (const c of run.checks) lines.push(`  ${checkMark(c.ok)} ${c.name.padEnd(22)} ${c.detail}`)
  const e = expectation(run)
  lines.push(
    '',
    `Seed's expected result: ${e.seed}`,
    `Observed: ${e.observed} → ${e.holds ? 'as the seed expects' : 'NOT as the seed expects'}`,
  )
  process.stdout.write(`${lines.join('\n')}\n`)
}

export async function runLoadtest(options: LoadtestOptions): Promise<number> {
  const conn = connect()
  const target = conn.targets[options.service]
  const log = (line: string) => process.stderr.write(`${line}\n`)
  const services = await ensureServices({
    services: [{ name: options.service, origin: target.origin }],
    logDir: join(ROOT, '.local/logs/bench'),
    log,
  })
  try {
    const available = await target.availability()
    if (!available.ok) throw new Error(`${options.service} is not available: ${available.reason}`)
    const run = await runScenario(
      target,
      {
        scenario: 'loadtest',
        strategy: options.strategy,
        stock: options.stock,
        repeatEvery: 0,
        shape: { kind: 'closed', concurrency: options.concurrency, total: options.users, warmupMs: 0 },
      },
      {
        cpuPorts: conn.cpuPorts,
        workers: 1,
        timeoutMs: options.timeoutMs,
        settleTimeoutMs: options.settleTimeoutMs,
        log,
      },
    )
    print(run, options)
    return run.checks.some((c) => c.ok === false) ? 1 : 0
  } finally {
    await services.stop()
    await conn.close()
  }
}
