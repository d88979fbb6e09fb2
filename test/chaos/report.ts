/**
 * The per-scenario summary: printed to stdout next to the node:test result, and appended to the report
 * file (`CHAOS_REPORT`) that `infra/chaos.sh` prints at the end of the run.
 */
import { appendFileSync } from 'node:fs'
import type { Check } from './verify.ts'

export interface ScenarioSummary {
  readonly title: string
  readonly timeline: readonly string[]
  readonly sent: number
  readonly answers: Readonly<Record<string, number>>
  readonly accepted: number
  readonly settled: number
  readonly settleSeconds: number
  /** Coupons issued / units sold. */
  readonly granted: number
  readonly stock: number
  readonly failed: Readonly<Record<string, number>>
  readonly deadLettered: number
  readonly replayed: number
  readonly malformedDeadLetters: number
  readonly outcomeMessages: number
  /** Requests answered with an error (no 202) that were processed all the same. */
  readonly unacknowledgedProcessed: number
  readonly checks: readonly Check[]
  readonly notes: readonly string[]
}

const list = (counts: Readonly<Record<string, number>>) =>
  Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .map(([key, value]) => `${key}: ${value}`)
    .join(' · ') || '-'

export function formatSummary(s: ScenarioSummary): string {
  const width = Math.max(...s.checks.map((check) => check.name.length))
  const lines = [
    '',
    `== chaos: ${s.title}`,
    ...s.timeline.map((event) => `   fault       ${event}`),
    `   requests    sent ${s.sent} · ${list(s.answers)}`,
    `   accepted    ${s.accepted} (202)`,
    `   settled     ${s.settled}/${s.accepted} within ${s.settleSeconds.toFixed(1)} s after the burst ended`,
    `   granted     ${s.granted}/${s.stock} units (coupons issued / units sold) · failed outcomes ${list(s.failed)}`,
    `   DLQ         dead-lettered ${s.deadLettered} accepted requests (replayed ${s.replayed}) · ` +
      `malformed ${s.malformedDeadLetters}`,
    `   outcomes    ${s.outcomeMessages} messages · answered without 202 yet processed: ${s.unacknowledgedProcessed}`,
    ...s.notes.map((note) => `   note        ${note}`),
    '   invariants',
    ...s.checks.map(
      (check) => `     ${check.ok ? 'PASS' : 'FAIL'}  ${check.name.padEnd(width)}  ${check.detail}`,
    ),
    '',
  ]
  return lines.join('\n')
}

export function publish(summary: ScenarioSummary): void {
  const text = formatSummary(summary)
  process.stdout.write(`${text}\n`)
  const file = process.env.CHAOS_REPORT
  if (file) appendFileSync(file, `${text}\n`)
}
