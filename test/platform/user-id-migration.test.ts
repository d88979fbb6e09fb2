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

describe('migration 0004: user ids become text', () => {
  const config = testConfig()
  const database = `userids_${uniqueSuffix()}`
  const url = new URL(config.postgres.url)
  const logger = createLogger({ level: 'silent', name: 'test' })
  let admin: pg.Client
  let client: pg.Client
  let before0004: string

  before(async () => {
    admin = new pg.Client({ connectionString: config.postgres.url })
    await admin.connect()
    await admin.query(`CREATE DATABASE ${database}`)
    url.pathname = `/${database}`
    before0004 = await mkdtemp(join(tmpdir(), 'migrations-'))
    for (const name of await readdir(MIGRATIONS_DIR)) {
      if (name < '0004') await cp(join(MIGRATIONS_DIR, name), join(before0004, name))
    }
    client = new pg.Client({ connectionString: url.toString() })
  })
  after(async () => {
    await client.end().catch(() => {})
    await rm(before0004, { recursive: true, force: true })
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

  it('keeps the integer ids of existing rows, their uniqueness and their indexes', async () => {
    await migrate(url.toString(), logger, before0004)
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

    assert.deepEqual(await migrate(url.toString(), logger), ['0004_opaque-user-ids'])

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
