import type { Pool } from '../../src/platform/postgres.ts'

/**
 * Calls `probe` with the id the next row of `table` will get, while no other session can insert into the
 * table: a SHARE lock conflicts with the ROW EXCLUSIVE lock every INSERT takes (PostgreSQL docs, "Explicit
 * Locking" → table-level lock modes), and an INSERT that already drew its id holds that lock, so the id is
 * still unused while `probe` runs. Reads (ACCESS SHARE) go on. The lock ends before the caller creates its
 * row, so another test file running at the same time may still take the id first: the caller compares it
 * with the id its creation returned and counts only the rounds where they match.
 *
 * @returns the predicted id (decimal string) and what `probe` returned.
 */
export async function probeNextId<T>(
  pool: Pool,
  table: string,
  probe: (id: string) => Promise<T>,
): Promise<{ id: string; result: T }> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    await client.query(`SET LOCAL lock_timeout = '10s'`)
    await client.query(`LOCK TABLE ${table} IN SHARE MODE`)
    const { rows } = await client.query<{ next: string }>(
      `SELECT COALESCE(last_value + increment_by, start_value) AS next
         FROM pg_sequences WHERE sequencename = pg_get_serial_sequence($1, 'id')::regclass::text`,
      [table],
    )
    const id = String(rows[0]?.next)
    const result = await probe(id)
    return { id, result }
  } finally {
    await client.query('COMMIT').catch(() => undefined)
    client.release()
  }
}
