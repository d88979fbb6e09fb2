import { describe, it } from 'node:test'
import { FLOWS } from './flows.ts'
import { assertChecks, runScenario, sleep } from './scenario.ts'
import { skipUnlessIsolated, stack } from './stack.ts'

/**
 * PostgreSQL is down for 10 s during a burst (`pg_ctl stop -m fast`, then start). The accept path does not
 * need it, so requests keep being accepted; the consumer retries each batch in place (3 retries with
 * backoff), then dead-letters what still fails. Once PostgreSQL is back the dead letters are replayed with
 * `node src/main.ts dlq replay --flow <flow>` and everything settles.
 */
describe('chaos: PostgreSQL down for 10 s', { skip: skipUnlessIsolated }, () => {
  for (const flow of FLOWS) {
    it(`${flow.name}: retries, dead-letters, replays; every accepted request settles once`, async () => {
      const result = await runScenario({
        name: 'postgres-outage',
        title: 'PostgreSQL down for 10 s during a burst (retries, DLQ, replay with the CLI)',
        flow,
        layout: 'single',
        users: 1500,
        stock: 500 * flow.unitsPerRequest,
        ratePerSecond: 250,
        faultAtMs: 1_000,
        replayWith: 'cli',
        async fault(context) {
          await stack('stop', 'postgres')
          context.note('PostgreSQL stopped (pg_ctl stop -m fast)')
          await sleep(10_000)
          await stack('start', 'postgres')
          context.note('PostgreSQL started again')
        },
        checks: (_context, _answers, _facts, dlq) => [
          {
            name: 'outage went through the DLQ',
            ok: dlq.accepted > 0 && dlq.replayed >= dlq.accepted,
            detail: `${dlq.accepted} accepted requests dead-lettered after their retries, ${dlq.replayed} replayed`,
          },
        ],
      })
      assertChecks(result)
    })
  }
})
