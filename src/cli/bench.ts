import { BENCH_HELP, BENCH_USAGE, parseBenchArgs } from '../../bench/options.ts'
import type { Command } from './index.ts'

export const benchCommand: Command = {
  summary: 'benchmark v1/v2/v3 of both services side by side; report in bench/results/',
  usage: BENCH_USAGE,
  async run(args) {
    let options: ReturnType<typeof parseBenchArgs>
    try {
      options = parseBenchArgs(args)
    } catch (error) {
      console.error(`${(error as Error).message}\n\n${BENCH_HELP}`)
      return 2
    }
    if (options === 'help') {
      console.log(BENCH_HELP)
      return 0
    }
    // Loaded on demand: the load generator's dev dependencies (undici, hdr-histogram-js) stay out of the
    // services' start-up.
    const { runBench } = await import('../../bench/run-bench.ts')
    return runBench(options, args)
  },
}
