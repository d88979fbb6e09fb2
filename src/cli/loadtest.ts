import { LOADTEST_HELP, LOADTEST_USAGE, parseLoadtestArgs } from '../../bench/loadtest-options.ts'
import type { Command } from './index.ts'

export const loadtestCommand: Command = {
  summary: "the seed's load test: 1000 users at once, 100 in flight, one strategy",
  usage: LOADTEST_USAGE,
  async run(args) {
    let options: ReturnType<typeof parseLoadtestArgs>
    try {
      options = parseLoadtestArgs(args)
    } catch (error) {
      console.error(`${(error as Error).message}\n\n${LOADTEST_HELP}`)
      return 2
    }
    if (options === 'help') {
      console.log(LOADTEST_HELP)
      return 0
    }
    // Loaded on demand, like `bench`: the generator's dev dependencies stay out of the services' start-up.
    const { runLoadtest } = await import('../../bench/loadtest.ts')
    return runLoadtest(options)
  },
}
