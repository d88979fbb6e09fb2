import { flows } from '../flows.ts'
import type { Command } from './command.ts'
import { dlqCommand } from './dlq.ts'
import { helpCommand } from './help.ts'
import { lagCommand } from './lag.ts'
import { migrateCommand } from './migrate.ts'
import { reconcileCommand } from './reconcile.ts'
import { scaleCommand } from './scale.ts'
import { serveCommand } from './serve.ts'
import { topicsCommand } from './topics.ts'

/** `help` lists the commands given below, each once. */
const help = helpCommand(() => Object.values(commands))

/** Every command by the name it is called with (`node src/main.ts <name>`). */
export const commands: Readonly<Record<string, Command>> = {
  ...Object.fromEntries(flows.map((flow) => [flow.name, serveCommand(flow)])),
  all: serveCommand(undefined),
  migrate: migrateCommand,
  topics: topicsCommand,
  dlq: dlqCommand,
  lag: lagCommand,
  reconcile: reconcileCommand,
  scale: scaleCommand,
  help,
  '--help': help,
  '-h': help,
}
