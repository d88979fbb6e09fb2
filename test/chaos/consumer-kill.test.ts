import { describe, it } from 'node:test'
import { FLOWS } from './flows.ts'
import { assertChecks, runScenario, within } from './scenario.ts'
import { skipUnlessIsolated } from './stack.ts'

/**
 * SIGKILL of consumers mid-burst: the first is killed with `kill -9` at a random moment while it works
 * through the burst; its replacement dies by fault injection right after its first batch reached
 * PostgreSQL (before Redis was settled and the outcomes were published); a third one finishes the work.
 * The stock lasts past the first kill, so the replacements inherit a backlog with stock left to decide.
 */
describe('chaos: consumer SIGKILL mid-batch', { skip: skipUnlessIsolated }, () => {
  for (const flow of FLOWS) {
    it(`${flow.name}: loses nothing, grants nothing twice, one outcome per accepted request`, async () => {
      const result = await runScenario({
        name: 'consumer-kill',
        title: `consumer SIGKILL mid-batch (kill -9 at a random moment, then a crash at ${flow.afterPersist})`,
        flow,
        layout: 'single',
        users: 1500,
        stock: 600 * flow.unitsPerRequest,
        ratePerSecond: 250,
        faultAtMs: 1_000 + Math.floor(Math.random() * 1_000),
        async fault(context) {
          const [first] = context.processes.consumers
          if (!first) throw new Error('no consumer to kill')
          await context.processes.kill(first)
          context.note(`kill -9 consumer-1 (pid ${first.child.pid}) while it consumed the burst`)
          const doomed = await context.processes.startConsumer({ FAULT_INJECTION: flow.afterPersist })
          const death = await within(doomed.exited, 60_000, `consumer-2 to reach ${flow.afterPersist}`)
          context.note(`consumer-2 killed itself at ${flow.afterPersist} (${death.signal})`)
          await context.processes.startConsumer()
          context.note('consumer-3 started (clean)')
        },
      })
      assertChecks(result)
    })
  }
})
