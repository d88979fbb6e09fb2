import { parseArgs } from 'node:util'
import { loadConfig } from '../config.ts'
import { findFlow, flowNames, flows } from '../flows.ts'
import { createRuntime, type Feature, featureContext } from '../runtime.ts'
import { integerIdOf } from '../shared/ids.ts'
import type { Command } from './command.ts'

async function run<T>(
  feature: Feature<T>,
  repair: boolean,
  ids: string[] | undefined,
  json: boolean,
): Promise<number> {
  const config = loadConfig()
  const runtime = await createRuntime(config, `${feature.name}-reconcile`)
  try {
    if (!feature.reconciler) {
      console.log(`${feature.name}: no reconciliation`)
      return 0
    }
    const reports = await feature
      .reconciler(runtime, featureContext(config, feature))
      .reconcileAll(repair, ids)
    if (json) console.log(JSON.stringify({ flow: feature.name, reports }, null, 2))
    else {
      const drifted = reports.filter((report) => report.drifted)
      console.log(
        `${feature.name}: ${reports.length} promotion(s) checked, ${drifted.length} with drift${repair ? ' (repaired)' : ''}`,
      )
      for (const report of drifted) console.log(`  ${JSON.stringify(report)}`)
    }
    return 0
  } finally {
    await runtime.lifecycle.close()
  }
}

export const reconcileCommand: Command = {
  summary: 'compare Redis with PostgreSQL per promotion and repair Redis (--dry-run only reports)',
  usage: `reconcile [--flow ${flowNames.join('|')}|all] [--id <promotion id>]… [--dry-run] [--json]`,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        flow: { type: 'string', default: 'all' },
        id: { type: 'string', multiple: true },
        'dry-run': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    })
    const ids = values.id?.map(integerIdOf)
    if (ids?.some((id) => id === undefined)) {
      console.error(`--id takes promotion ids (digits, no leading zero). Usage: ${reconcileCommand.usage}`)
      return 2
    }
    const repair = !values['dry-run']
    const one = findFlow(values.flow)
    if (values.flow !== 'all' && !one) {
      console.error(`Usage: ${reconcileCommand.usage}`)
      return 2
    }
    let code = 0
    for (const flow of one ? [one] : flows) {
      code ||= await run(flow, repair, ids as string[] | undefined, values.json)
    }
    return code
  },
}
