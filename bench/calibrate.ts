#!/usr/bin/env node
/**
 * Generator self-test: `node bench/calibrate.ts`. Runs the load generator against a no-op HTTP server (a
 * child process answering 202 with a v3-sized body) to show what the generator itself costs and can do on
 * this machine — closed loop flat out, then open loop at 5,000 and 10,000 requests/s. If the services are
 * measured far below these figures, the generator is not what limits them.
 */
import { fork } from 'node:child_process'
import { runLoad } from './load/generator.ts'

const PORT = 3999
const SERVER = `
const http = require('node:http')
const body = JSON.stringify({ status: 'PENDING', message: '쿠폰 발급 요청이 접수되었습니다. 잠시 후 확인해주세요.',
  policyId: '1', userId: '1', requestId: '612ef2d2-59b9-4134-949a-43e27e2d10bd' })
http.createServer((req, res) => { req.resume(); req.on('end', () => {
  res.writeHead(202, { 'content-type': 'application/json' }); res.end(body) }) })
  .listen(${PORT}, '127.0.0.1', () => process.send('ready'))
`

const server = fork('-e', [SERVER], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
// `fork('-e')` runs the inline script: node's -e flag with the module text as its argument.
await new Promise((resolve) => server.once('message', resolve))
try {
  const template = {
    origin: `http://127.0.0.1:${PORT}`,
    path: '/noop',
    bodyPrefix: '{"policyId":"1","userId":"',
    bodySuffix: '"}',
    repeatUserEvery: 0,
    userOffset: 0,
    successStatus: 202,
  }
  const shapes = [
    { kind: 'closed' as const, concurrency: 100, durationMs: 5000, warmupMs: 1000 },
    {
      kind: 'open' as const,
      ratePerSecond: 5000,
      durationMs: 5000,
      connections: 128,
      pipelining: 1,
      maxInFlight: 50_000,
    },
    {
      kind: 'open' as const,
      ratePerSecond: 10_000,
      durationMs: 5000,
      connections: 128,
      pipelining: 1,
      maxInFlight: 50_000,
    },
  ]
  for (const shape of shapes) {
    const cpu = process.cpuUsage()
    const r = await runLoad({ template, shape, workers: 1, timeoutMs: 30_000 })
    const used = process.cpuUsage(cpu)
    const seconds = (r.lastAnsweredAt - r.firstSentAt) / 1000
    const label = shape.kind === 'closed' ? 'closed c=100      ' : `open ${shape.ratePerSecond}/s`.padEnd(18)
    console.log(
      `${label} ${Math.round(r.throughput).toString().padStart(6)} answers/s  p50 ${r.latency.p50.toFixed(2)} ms  ` +
        `p99 ${r.latency.p99.toFixed(2)} ms  send lag p99 ${r.sendLag.p99.toFixed(2)} ms  ` +
        `generator ELU ${r.generatorUtilization.toFixed(2)}  bench CPU ${(((used.user + used.system) / 1e6 / seconds) * 100).toFixed(0)} % of a core`,
    )
  }
} finally {
  server.kill()
}
