import { describeEnv } from '../config.ts'
import type { Command } from './command.ts'

/** `help`: usage lines of the commands `listing` gives (each printed once), then the environment. */
export function helpCommand(listing: () => Iterable<Command>): Command {
  return {
    summary: 'show this help',
    usage: 'help',
    async run() {
      const lines = [
        'Usage: node src/main.ts <command> [options]   (npm run cli -- <command>)',
        '',
        'Commands:',
      ]
      const seen = new Set<Command>()
      for (const command of listing()) {
        if (seen.has(command)) continue
        seen.add(command)
        lines.push(`  ${command.usage.padEnd(52)} ${command.summary}`)
      }
      lines.push(
        '',
        'Load tools (bench/main.ts, outside the services): npm run bench -- --help, npm run loadtest -- --help',
        '',
        'Environment (default; LOCAL_KAFKA_PORT, LOCAL_REDIS_PORT and LOCAL_PG_PORT, when set, move the',
        'connection defaults to that local stack, see docs/infra.md "Isolated stacks"):',
      )
      for (const { name, default: value } of describeEnv())
        lines.push(`  ${name.padEnd(34)} ${value || '(empty)'}`)
      console.log(lines.join('\n'))
      return 0
    },
  }
}
