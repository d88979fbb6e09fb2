import { parseArgs } from 'node:util'
import { loadConfig } from '../config.ts'
import { flows, type RegisteredFlow } from '../flows.ts'
import { createRuntime, type StartOptions, startFeature } from '../runtime.ts'
import type { Command } from './command.ts'

/** Runs one flow's service (or all of them in one process, `flow` undefined) until SIGTERM / SIGINT. */
export function serveCommand(flow: RegisteredFlow | undefined): Command {
  const which = flow?.name ?? 'all'
  return {
    summary: flow
      ? `run the ${flow.name} service (HTTP API on ${flow.portVariable} + consumer)`
      : 'run all services in one process',
    usage: `${which} [--no-http] [--no-consumer] [--instance <id>]`,
    async run(args) {
      const { values } = parseArgs({
        args,
        options: {
          'no-http': { type: 'boolean', default: false },
          'no-consumer': { type: 'boolean', default: false },
          instance: { type: 'string' },
        },
      })
      const config = loadConfig()
      const runtime = await createRuntime(
        config,
        flow ? flow.name : 'promotion',
        ...(values.instance ? [values.instance] : []),
      )
      runtime.lifecycle.handleSignals()
      const options: StartOptions = {
        http: !values['no-http'],
        ...(values['no-consumer'] ? { consume: false } : {}),
        ...(values.instance ? { instanceId: values.instance } : {}),
      }
      for (const started of flow ? [flow] : flows) await startFeature(runtime, started, options)
      return undefined
    },
  }
}
