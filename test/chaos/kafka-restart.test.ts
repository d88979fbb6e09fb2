import { describe, it } from 'node:test'
import { FLOWS } from './flows.ts'
import { assertChecks, runScenario, sleep } from './scenario.ts'
import { skipUnlessIsolated, stack } from './stack.ts'

/**
 * The single Kafka broker restarts (controlled stop, a pause, start) during a burst. While it is down the
 * API answers 503 — it never says 202 for a request the broker did not acknowledge — and the consumer
 * waits; once it is back, accepting resumes and every 202 settles.
 */
describe('chaos: Kafka broker restart', { skip: skipUnlessIsolated }, () => {
  for (const flow of FLOWS) {
    it(`${flow.name}: every 202 settles; 503 while the broker is down; accepting resumes`, async () => {
      let backAt = Number.POSITIVE_INFINITY
      const result = await runScenario({
        name: 'kafka-restart',
        title: 'Kafka broker restart during a burst (single broker: stop, 2 s down, start)',
        flow,
        layout: 'single',
        users: 2400,
        stock: 500 * flow.unitsPerRequest,
        ratePerSecond: 150,
        faultAtMs: 2_000,
        async fault(context) {
          context.note('stopping the broker (bash infra/stack.sh stop kafka)')
          await stack('stop', 'kafka')
          context.note('broker stopped')
          await sleep(2_000)
          await stack('start', 'kafka')
          backAt = context.note('broker started and ready')
        },
        checks: (_context, answers) => {
          const after = answers.filter((answer) => answer.sentAtMs > backAt)
          const acceptedAfter = after.filter((answer) => answer.status === 202).length
          return [
            {
              name: 'accepting resumes',
              ok: acceptedAfter > 0,
              detail: `${acceptedAfter}/${after.length} requests sent after the restart got 202`,
            },
          ]
        },
      })
      assertChecks(result)
    })
  }
})
