/** Command-line options of `loadtest` (kept apart so that `--help` loads nothing heavy). */
import { parseArgs } from 'node:util'
import { SERVICES, type ServiceName, STRATEGIES, type Strategy } from './targets/types.ts'

export const LOADTEST_USAGE =
  'loadtest [--strategy v1|v2|v3] [--users 1000] [--concurrency 100] [--service coupon|timesale] [--stock 100]'

export const LOADTEST_HELP = `Usage: node bench/main.ts ${LOADTEST_USAGE}   (npm run loadtest -- …)

The seed's load test: --users distinct users each send one request at once, --concurrency of them in flight
(the seed's -ThrottleLimit), against a fresh promotion with --stock units. Prints the answers by status, the
time to answer, the time until every accepted v3 request settled, what was issued, the SPEC §4 checks, and
the seed's expected result next to what happened. Exit code 1 if an invariant was violated.

Options (default):
  --strategy <v1|v2|v3>      (v3)
  --users <n>                (1000)
  --concurrency <n>          (100)
  --service <name>           coupon or timesale (coupon)
  --stock <n>                units of the promotion (100)
  --timeout <s>              per-request timeout (30); --settle-timeout <s> (120)
  -h, --help                 this text
`

export interface LoadtestOptions {
  readonly strategy: Strategy
  readonly users: number
  readonly concurrency: number
  readonly service: ServiceName
  readonly stock: number
  readonly timeoutMs: number
  readonly settleTimeoutMs: number
}

export function parseLoadtestArgs(args: readonly string[]): LoadtestOptions | 'help' {
  const { values: v } = parseArgs({
    args: [...args],
    options: {
      strategy: { type: 'string', default: 'v3' },
      users: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '100' },
      service: { type: 'string', default: 'coupon' },
      stock: { type: 'string', default: '100' },
      timeout: { type: 'string', default: '30' },
      'settle-timeout': { type: 'string', default: '120' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (v.help) return 'help'
  const positive = (name: string, value: string) => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${value}"`)
    return n
  }
  if (!STRATEGIES.includes(v.strategy as Strategy))
    throw new Error(`--strategy must be one of ${STRATEGIES.join(', ')}`)
  if (!SERVICES.includes(v.service as ServiceName))
    throw new Error(`--service must be one of ${SERVICES.join(', ')}`)
  return {
    strategy: v.strategy as Strategy,
    users: positive('users', v.users),
    concurrency: positive('concurrency', v.concurrency),
    service: v.service as ServiceName,
    stock: positive('stock', v.stock),
    timeoutMs: positive('timeout', v.timeout) * 1000,
    settleTimeoutMs: positive('settle-timeout', v['settle-timeout']) * 1000,
  }
}
