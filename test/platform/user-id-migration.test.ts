import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { createLogger } from '../../src/platform/logger.ts'
import { MIGRATIONS_DIR, migrate } from '../../src/platform/postgres.ts'
import { eventually, testConfig, uniqueSuffix } from '../helpers/stack.ts'

const USER_ID_TABLES = ['coupons', 'coupon_requests', 'timesale_orders', 'timesale_requests']

/**
 * A database of its own, created before the suite and dropped after it, and a copy of the migrations
 * before `first` (to build the state a later migration starts from).
 */
function scratchDatabase(first: string) {
  const config = testConfig()
  const database = `userids_${uniqueSuffix()}`
  const url = new URL(config.postgres.url)
  const scratch = { url: '', dir: '', client: undefined as unknown as pg.Client }
  let admin: pg.Client
  before(async () => {
    admin = new pg.Client({ connectionString: config.postgres.url })
    await admin.connect()
    await admin.query(`CREATE DATABASE ${database}`)
    url.pathname = `/${database}`
    scratch.url = url.toString()
    scratch.dir = await mkdtemp(join(tmpdir(), 'migrations-'))
    for (const name of await readdir(MIGRATIONS_DIR)) {
      if (name < first) await cp(join(MIGRATIONS_DIR, name), join(scratch.dir, name))
    }
    scratch.client = new pg.Client({ connectionString: scratch.url })
  })
  after(async () => {
    await scratch.client.end().catch(() => {})
    await rm(scratch.dir, { recursive: true, force: true })
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
  return scratch
}

const logger = createLogger({ level: 'silent', name: 'test' })

describe('migration 0004: user ids become text', () => {
  const scratch = scratchDatabase('0004')

  it('keeps the integer ids of existing rows, their uniqueness and their indexes', async () => {
    const { client } = scratch
    await migrate(scratch.url, logger, scratch.dir)
    await client.connect()
    const couponRequest = randomUUID()
    const orderRequest = randomUUID()
    await client.query(`
      INSERT INTO coupon_policies (id, title, total_quantity, issued_quantity, start_time, end_time, discount_type, discount_value)
      VALUES (1, 'p', 10, 1, now() - interval '1 hour', now() + interval '1 hour', 'FIXED', 1000);
      INSERT INTO coupons (id, policy_id, user_id, request_id, strategy) VALUES (1, 1, 1001, '${couponRequest}', 'v3');
      INSERT INTO coupon_requests (request_id, policy_id, user_id, status, coupon_id, accepted_at)
      VALUES ('${couponRequest}', 1, 1001, 'ISSUED', 1, now());
      INSERT INTO time_sales (id, product_name, original_price, sale_price, total_quantity, sold_quantity, start_at, end_at)
      VALUES (1, 'p', 100, 50, 10, 2, now() - interval '1 hour', now() + interval '1 hour');
      INSERT INTO timesale_orders (id, time_sale_id, user_id, quantity, unit_price, total_price, request_id, strategy)
      VALUES (1, 1, 1001, 2, 50, 100, '${orderRequest}', 'v3');
      INSERT INTO timesale_requests (request_id, time_sale_id, user_id, quantity, ticket, queue_position, status, order_id, accepted_at)
      VALUES ('${orderRequest}', 1, 1001, 2, 1, 1, 'COMPLETED', 1, now());
    `)

    const applied = await migrate(scratch.url, logger)
    assert.equal(applied[0], '0004_opaque-user-ids')

    for (const table of USER_ID_TABLES) {
      const { rows } = await client.query<{ user_id: unknown; type: string }>(
        `SELECT user_id, pg_typeof(user_id)::text AS type FROM ${table}`,
      )
      assert.deepEqual(rows, [{ user_id: '1001', type: 'text' }], table)
    }
    const indexes = await client.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE indexname = ANY($1) ORDER BY 1`,
      [
        [
          'coupons_policy_id_user_id_key',
          'coupons_user_id_idx',
          'timesale_orders_sale_user_idx',
          'timesale_orders_user_id_idx',
        ],
      ],
    )
    assert.equal(indexes.rows.length, 4, JSON.stringify(indexes.rows))

    const insertCoupon = (userId: string) =>
      client.query(
        `INSERT INTO coupons (policy_id, user_id, request_id, strategy) VALUES (1, $1, $2, 'v1')`,
        [userId, randomUUID()],
      )
    await assert.rejects(insertCoupon('1001'), { code: '23505' }, 'still one coupon per user and policy')
    for (const bad of ['01001', '0', 'a b', 'k'.repeat(65), '']) {
      await assert.rejects(insertCoupon(bad), { code: '23514' }, `CHECK refuses ${JSON.stringify(bad)}`)
    }
    await insertCoupon('kim@example.com')
    await insertCoupon(randomUUID())
  })
})

describe('migration 0005: user ids of dots only are refused from now on', () => {
  const scratch = scratchDatabase('0005')

  it('keeps the rows stored before, refuses new ones in every user-id column, and takes every other id', async () => {
    const { client } = scratch
    await migrate(scratch.url, logger, scratch.dir)
    await client.connect()
    await client.query(`
      INSERT INTO coupon_policies (id, title, total_quantity, issued_quantity, start_time, end_time, discount_type, discount_value)
      VALUES (1, 'p', 10, 1, now() - interval '1 hour', now() + interval '1 hour', 'FIXED', 1000);
      INSERT INTO time_sales (id, product_name, original_price, sale_price, total_quantity, sold_quantity, start_at, end_at)
      VALUES (1, 'p', 100, 50, 10, 1, now() - interval '1 hour', now() + interval '1 hour');
    `)
    const insert: Record<string, (userId: string) => Promise<unknown>> = {
      coupons: (userId) =>
        client.query(
          `INSERT INTO coupons (policy_id, user_id, request_id, strategy) VALUES (1, $1, $2, 'v1')`,
          [userId, randomUUID()],
        ),
      coupon_requests: (userId) =>
        client.query(
          `INSERT INTO coupon_requests (request_id, policy_id, user_id, status, accepted_at)
           VALUES ($2, 1, $1, 'FAILED', now())`,
          [userId, randomUUID()],
        ),
      timesale_orders: (userId) =>
        client.query(
          `INSERT INTO timesale_orders (time_sale_id, user_id, quantity, unit_price, total_price, request_id, strategy)
           VALUES (1, $1, 1, 50, 50, $2, 'v1')`,
          [userId, randomUUID()],
        ),
      timesale_requests: (userId) =>
        client.query(
          `INSERT INTO timesale_requests (request_id, time_sale_id, user_id, quantity, ticket, queue_position, status, code, accepted_at)
           VALUES ($2, 1, $1, 1, 1, 1, 'FAILED', 'SOLD_OUT', now())`,
          [userId, randomUUID()],
        ),
    }
    for (const table of USER_ID_TABLES) await insert[table]?.('..')

    assert.deepEqual(await migrate(scratch.url, logger), ['0005_url-safe-user-ids'])

    for (const table of USER_ID_TABLES) {
      const { rows } = await client.query(`SELECT user_id FROM ${table}`)
      assert.deepEqual(rows, [{ user_id: '..' }], `${table} keeps its row`)
      for (const dots of ['.', '..', '...']) {
        await assert.rejects(
          insert[table]?.(dots) ?? Promise.resolve(),
          { code: '23514' },
          `${table} ${dots}`,
        )
      }
      for (const fine of ['1001', '.a', 'a..b']) await insert[table]?.(fine)
    }
  })
})
