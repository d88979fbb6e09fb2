import { describe, it } from 'node:test'
import { FLOWS } from './flows.ts'
import { assertChecks, cli, runScenario } from './scenario.ts'
import { deleteRedisData, killHard, pidOf, skipUnlessIsolated, stack } from './stack.ts'
import type { Check } from './verify.ts'

/**
 * Redis dies mid-burst (SIGKILL) and comes back empty: its append-only file and snapshot are deleted
 * before the restart. The services must rebuild each promotion's state from PostgreSQL by themselves (the
 * periodic reconciliation is off); the reconciliation command then reports any drift the rebuild left,
 * and repairs it.
 */
describe('chaos: Redis restart with its data gone', { skip: skipUnlessIsolated }, () => {
  for (const flow of FLOWS) {
    it(`${flow.name}: rebuilds from PostgreSQL; no oversell, nothing lost, Redis = PostgreSQL`, async () => {
      const result = await runScenario({
        name: 'redis-wipe',
        title: 'Redis SIGKILL mid-burst, AOF and RDB deleted, restarted empty',
        flow,
        layout: 'single',
        users: 1500,
        stock: 500 * flow.unitsPerRequest,
        ratePerSecond: 250,
        faultAtMs: 1_500,
        async fault(context) {
          const pid = pidOf('redis')
          await killHard(pid)
          context.note(`kill -9 redis (pid ${pid})`)
          deleteRedisData()
          await stack('start', 'redis')
          context.note('redis restarted with no data (appendonlydir and dump.rdb deleted)')
        },
        async checks(context): Promise<Check[]> {
          const args = ['reconcile', '--flow', flow.name, '--id', context.promotionId, '--json']
          const { reports } = JSON.parse(await cli(context.config, args)) as { reports: unknown[] }
          context.remark(`node src/main.ts ${args.join(' ')}: ${JSON.stringify(reports[0])}`)
          const after = await context.facts()
          return [
            {
              name: 'Redis = PostgreSQL after reconcile',
              ok: after.redis.agrees,
              detail: after.redis.detail,
            },
          ]
        },
      })
      assertChecks(result)
    })
  }
})
