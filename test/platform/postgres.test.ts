import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { createLogger } from '../../src/platform/logger.ts'
import { migrate } from '../../src/platform/postgres.ts'
import { eventually, testConfig, uniqueSuffix } from '../helpers/stack.ts'

describe('PostgreSQL migrations', () => {
  const config = testConfig()
  const database = `migrate_${uniqueSuffix()}`
  const url = new URL(config.postgres.url)
  const logger = createLogger({ level: 'silent', name: 'test' })
  let admin: pg.Client

  before(async () => {
    admin = new pg.Client({ connectionString: config.postgres.url })
    await admin.connect()
    await admin.query(`CREATE DATABASE ${database}`)
    url.pathname = `/${database}`
  })
  after(async () => {
    // The migration runner closes its connection asynchronously; wait for it rather than kill it.
    await eventually(async () => {
      const { rows } = await admin.query(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
        [database],
      )
      return rows[0].n === 0 ? true : undefined
    }, 5_000).catch(() => {})
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    await admin.end()
  })

  it('applies every migration on an empty database, then nothing on the second run', async () => {
    const first = await migrate(url.toString(), logger)
    assert.ok(first.length >= 1)
    assert.ok(
      first.every((name, index) => index === 0 || name > (first[index - 1] as string)),
      'applied in order',
    )
    const second = await migrate(url.toString(), logger)
    assert.deepEqual(second, [])

    const client = new pg.Client({ connectionString: url.toString() })
    await client.connect()
    try {
      const { rows } = await client.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY id')
      assert.deepEqual(
        rows.map((row) => row.name),
        first,
      )
      const table = await client.query(`SELECT to_regclass('dead_letter_replays') AS t`)
      assert.equal(table.rows[0].t, 'dead_letter_replays')
    } finally {
      await client.end()
    }
  })

  it('is safe to run from several processes at once', async () => {
    const results = await Promise.all([migrate(url.toString(), logger), migrate(url.toString(), logger)])
    assert.deepEqual(results, [[], []])
  })
})
