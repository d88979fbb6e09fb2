import { fileURLToPath } from 'node:url'
import { runner } from 'node-pg-migrate'
import pg from 'pg'
import { mapClientErrors, postgresFailure } from './client-errors.ts'
import type { Logger } from './logger.ts'

export type Pool = pg.Pool
export type PoolClient = pg.PoolClient

// BIGINT ids travel as strings end to end (SPEC: ids are strings in responses); counts are parsed to numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => value)
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value))

export interface PostgresOptions {
  readonly url: string
  readonly poolMax: number
}

/**
 * A connection pool whose queries (on the pool or on a client from `connect()`) reject with coded errors:
 * `DEPENDENCY_UNAVAILABLE` when PostgreSQL is unreachable or asks to retry, `INTERNAL_ERROR` for a
 * statement it refused (see {@link postgresFailure}).
 */
export function createPool(options: PostgresOptions, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // A statement that runs this long means something is wrong (a lock pile-up): fail it and let the
    // caller retry rather than hold a connection forever.
    statement_timeout: 15_000,
  })
  // A client losing its connection (PostgreSQL restarted) must not crash the process: idle clients report
  // on the pool; a checked-out client emits 'error' on itself as well as failing its query, so every client
  // gets a listener when it is created, and the failed query goes the normal error path.
  pool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL client failed'))
  pool.on('connect', (client) => {
    client.on('error', (error) => logger.warn({ err: error }, 'PostgreSQL connection failed'))
  })
  // Queries on the pool and on a checked-out client reject with coded errors (postgresFailure).
  return mapClientErrors(pool, postgresFailure, { nested: new Set(['connect']) })
}

/** Runs `fn` in a transaction; rolls back on error and rethrows. */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const result = await fn(client)
    await client.query('COMMIT')
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  } finally {
    client.release()
  }
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url))

/**
 * Applies the numbered SQL migrations in `migrations/` that are not applied yet. Safe to run from several
 * processes at once: the runner holds an advisory lock.
 */
export async function migrate(url: string, logger: Logger, dir = MIGRATIONS_DIR): Promise<string[]> {
  const applied = await runner({
    databaseUrl: url,
    dir,
    direction: 'up',
    migrationsTable: 'schema_migrations',
    checkOrder: true,
    advisoryLockMode: 'wait',
    log: (message) => logger.debug({ component: 'migrations' }, message),
  })
  const names = applied.map((migration) => migration.name)
  if (names.length > 0) logger.info({ migrations: names }, 'applied database migrations')
  return names
}
