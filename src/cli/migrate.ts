import { loadConfig } from '../config.ts'
import { createLogger } from '../platform/logger.ts'
import { migrate } from '../platform/postgres.ts'
import type { Command } from './command.ts'

export const migrateCommand: Command = {
  summary: 'apply pending database migrations',
  usage: 'migrate',
  async run() {
    const config = loadConfig()
    const applied = await migrate(
      config.postgres.migrationUrl,
      createLogger({ level: config.logLevel, name: 'migrate' }),
    )
    console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'database is up to date')
    return 0
  },
}
