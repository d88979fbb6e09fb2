import { after, before } from 'node:test'
import type { Config } from '../../src/config.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { createPool, migrate, type Pool } from '../../src/platform/postgres.ts'

/**
 * A migrated PostgreSQL pool for a suite's direct SQL tests, opened before its tests and closed after them;
 * `row(sql, params)` reads the first row of a query.
 */
export function suitePool(config: Config) {
  const logger = createLogger({ level: 'silent', name: 'test' })
  let opened: Pool | undefined
  before(async () => {
    await migrate(config.postgres.url, logger)
    opened = createPool(config.postgres, logger)
  })
  after(() => opened?.end())
  const handle = {
    get pool(): Pool {
      if (!opened) throw new Error('the suite pool is open only while the suite runs')
      return opened
    },
    async row<T extends object>(sql: string, params: readonly unknown[]): Promise<T | undefined> {
      return (await handle.pool.query<T>(sql, [...params])).rows[0]
    },
  }
  return handle
}
