#!/usr/bin/env node
/**
 * Entry point: `node src/main.ts <command> [options]`. Commands live in `src/cli/`, one file each.
 */
import { commands } from './cli/index.ts'

const [name = 'help', ...args] = process.argv.slice(2)
const command = commands[name]
if (!command) {
  process.stderr.write(`Unknown command "${name}". Run "node src/main.ts help".\n`)
  process.exit(2)
}
try {
  const code = await command.run(args)
  if (typeof code === 'number') process.exitCode = code
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
}
