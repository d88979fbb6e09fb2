import { parseArgs } from 'node:util'
import { loadConfig } from '../config.ts'
import { couponFeature } from '../coupon/feature.ts'
import { createRuntime, type StartOptions, startFeature } from '../runtime.ts'
import { timesaleFeature } from '../timesale/feature.ts'
import type { Command } from './index.ts'

/** Runs one service (or both in one process) until SIGTERM / SIGINT. */
export function serveCommand(which: 'coupon' | 'timesale' | 'all'): Command {
  const names = which === 'all' ? (['coupon', 'timesale'] as const) : ([which] as const)
  return {
    summary:
      which === 'all'
        ? 'run both services in one process'
        : `run the ${which} service (HTTP API on ${which === 'coupon' ? 'COUPON_PORT' : 'TIMESALE_PORT'} + consumer)`,
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
        which === 'all' ? 'promotion' : which,
        ...(values.instance ? [values.instance] : []),
      )
      runtime.lifecycle.handleSignals()
      const options: StartOptions = {
        http: !values['no-http'],
        ...(values['no-consumer'] ? { consume: false } : {}),
        ...(values.instance ? { instanceId: values.instance } : {}),
      }
      for (const name of names) {
        if (name === 'coupon') await startFeature(runtime, couponFeature, options)
        else await startFeature(runtime, timesaleFeature, options)
      }
      return undefined
    },
  }
}
