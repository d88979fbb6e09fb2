import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { createLogger } from '../../src/platform/logger.ts'
import { MIGRATIONS_DIR, migrate } from '../../src/platform/postgres.ts'
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

  it('is safe to run from several processes at once on a fresh database', async () => {
    const fresh = `migrate_${uniqueSuffix()}`
    await admin.query(`CREATE DATABASE ${fresh}`)
    const freshUrl = new URL(url)
    freshUrl.pathname = `/${fresh}`
    try {
      const children = [0, 1].map(() => spawnMigration(freshUrl.toString()))
      // Both processes are loaded and waiting; released together, they migrate at the same moment.
      await Promise.all(children.map((child) => child.ready))
      for (const child of children) child.go()
      const results = await Promise.all(children.map((child) => child.result))

      const expected = readdirSync(MIGRATIONS_DIR)
        .filter((file) => file.endsWith('.sql'))
        .map((file) => file.replace(/\.sql$/, ''))
        .sort()
      assert.ok(expected.length >= 3)
      assert.deepEqual(results.flat().sort(), expected, 'every migration applied once, by one of the two')
      const client = new pg.Client({ connectionString: freshUrl.toString() })
      await client.connect()
      try {
        const { rows } = await client.query<{ name: string }>(
          'SELECT name FROM schema_migrations ORDER BY id',
        )
        assert.deepEqual(
          rows.map((row) => row.name),
          expected,
        )
      } finally {
        await client.end()
      }
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${fresh} WITH (FORCE)`)
    }
  })
})

/** The migration runner in a process of its own: loads, says `ready`, migrates when told to go. */
function spawnMigration(url: string): {
  ready: Promise<void>
  go(): void
  result: Promise<string[]>
} {
  const code = `
    const { migrate } = await import(process.argv[1])
    const { createLogger } = await import(process.argv[2])
    const logger = createLogger({ level: 'silent', name: 'migrate' })
    process.stdout.write('ready\\n')
    await new Promise((resolve) => process.stdin.once('data', resolve))
    process.stdout.write(JSON.stringify(await migrate(process.argv[3], logger)) + '\\n')
    process.exit(0)
  `
  const modules = ['../../src/platform/postgres.ts', '../../src/platform/logger.ts'].map(
    (path) => new URL(path, import.meta.url).href,
  )
  const child = spawn(process.execPath, ['--input-type=module', '-e', code, ...modules, url], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      if (stdout.startsWith('ready\n')) resolve()
    })
    child.once('exit', () => reject(new Error(`migration process exited early: ${stderr}`)))
  })
  const result = new Promise<string[]>((resolve, reject) => {
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`migration process failed (exit ${code}): ${stderr}`))
      else resolve(JSON.parse(stdout.slice('ready\n'.length)) as string[])
    })
  })
  ready.catch(() => {})
  return { ready, go: () => child.stdin.end('go\n'), result }
}
