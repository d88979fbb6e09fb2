#!/usr/bin/env node
/**
 * Entry point of the load tools: `node bench/main.ts bench [options]` (`npm run bench -- [options]`) and
 * `node bench/main.ts loadtest [options]` (`npm run loadtest -- [options]`). They live outside `src/` so
 * that the services never load the generator or its dev dependencies (undici, hdr-histogram-js); the
 * heavy modules are imported only once the options parsed.
 */
import { LOADTEST_HELP, parseLoadtestArgs } from './loadtest-options.ts'
import { BENCH_HELP, parseBenchArgs } from './options.ts'

const USAGE = 'Usage: node bench/main.ts <bench|loadtest> [options]   (npm run bench / npm run loadtest)'

/** Parses the options with `parse`; prints `help` and answers its exit code when they are not run. */
function optionsOr<T>(parse: (args: string[]) => T | 'help', help: string, args: string[]): T | number {
  try {
    const options = parse(args)
    if (options !== 'help') return options
    console.log(help)
    return 0
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${help}`)
    return 2
  }
}

async function run(name: string | undefined, args: string[]): Promise<number> {
  if (name === 'bench') {
    const options = optionsOr(parseBenchArgs, BENCH_HELP, args)
    if (typeof options === 'number') return options
    const { runBench } = await import('./run-bench.ts')
    return runBench(options, args)
  }
  if (name === 'loadtest') {
    const options = optionsOr(parseLoadtestArgs, LOADTEST_HELP, args)
    if (typeof options === 'number') return options
    const { runLoadtest } = await import('./loadtest.ts')
    return runLoadtest(options)
  }
  console.error(name === undefined ? USAGE : `Unknown command "${name}".\n${USAGE}`)
  return 2
}

const [name, ...args] = process.argv.slice(2)
process.exitCode = await run(name, args)
