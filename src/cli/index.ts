import { flows } from '../flows.ts'
import { dlqCommand } from './dlq.ts'
import { helpCommand } from './help.ts'
import { lagCommand } from './lag.ts'
import { migrateCommand } from './migrate.ts'
import { reconcileCommand } from './reconcile.ts'
import { scaleCommand } from './scale.ts'
import { serveCommand } from './serve.ts'
import { topicsCommand } from './topics.ts'

export interface Command {
  readonly summary: string
  readonly usage: string
  /** Resolves when the command is done (a server command resolves once it is listening). */
  run(args: string[]): Promise<number | undefined>
}

export const commands: Record<string, Command> = {
  ...Object.fromEntries(flows.map((flow) => [flow.name, serveCommand(flow)])),
  all: serveCommand(undefined),
  migrate: migrateCommand,
  topics: topicsCommand,
  dlq: dlqCommand,
  lag: lagCommand,
  reconcile: reconcileCommand,
  scale: scaleCommand,
  help: helpCommand,
  '--help': helpCommand,
  '-h': helpCommand,
}
