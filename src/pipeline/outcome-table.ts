import type { Pool, PoolClient } from '../platform/postgres.ts'

/** A v3 request's outcome as PostgreSQL records it, and whether its message was published. */
export interface Recorded<O> {
  readonly outcome: O
  readonly published: boolean
}

/** The columns every outcome table has (`coupon_requests`, `timesale_requests`). */
export interface OutcomeRowBase {
  readonly request_id: string
  readonly published_at: Date | null
}

export interface OutcomeTableOptions<Row extends OutcomeRowBase, O> {
  /** The table, e.g. `coupon_requests`: one row per settled request, keyed by `request_id`. */
  readonly table: string
  /** A query returning the rows of the request ids in `$1::uuid[]` (it may join for derived columns). */
  readonly selectByIds: string
  readonly toOutcome: (row: Row) => O
}

/**
 * The outcome table of a flow: read by request id, and the published mark that keeps a redelivered request
 * from being announced twice. Every operation is one set-based statement, whatever the number of ids.
 */
export class OutcomeTable<Row extends OutcomeRowBase, O> {
  readonly #pool: Pool
  readonly #options: OutcomeTableOptions<Row, O>

  constructor(pool: Pool, options: OutcomeTableOptions<Row, O>) {
    this.#pool = pool
    this.#options = options
  }

  /** The recorded outcomes among `requestIds`, by request id (inside a transaction when `client` is one). */
  async read(requestIds: readonly string[], client: Pool | PoolClient = this.#pool) {
    const { rows } = await client.query<Row>(this.#options.selectByIds, [requestIds])
    return this.recorded(rows)
  }

  /** Maps rows of the table (e.g. those a write statement returned) by request id. */
  recorded(rows: readonly Row[]): Map<string, Recorded<O>> {
    return new Map(
      rows.map((row) => [
        row.request_id,
        { outcome: this.#options.toOutcome(row), published: row.published_at !== null },
      ]),
    )
  }

  async find(requestId: string): Promise<O | undefined> {
    return (await this.read([requestId])).get(requestId)?.outcome
  }

  /** Marks the outcomes published (one UPDATE for the whole list; already marked rows keep their time). */
  async markPublished(requestIds: readonly string[]): Promise<void> {
    if (requestIds.length === 0) return
    await this.#pool.query(
      `UPDATE ${this.#options.table} SET published_at = now()
       WHERE request_id = ANY($1::uuid[]) AND published_at IS NULL`,
      [requestIds],
    )
  }
}

/**
 * The outcomes a batch must publish, in the batch's order, each once: those not marked published (written
 * by this batch, or by an earlier attempt that crashed before its mark).
 */
export function toPublish<O>(
  requests: ReadonlyArray<{ readonly requestId: string }>,
  recorded: ReadonlyMap<string, Recorded<O>>,
): O[] {
  const seen = new Set<string>()
  const out: O[] = []
  for (const { requestId } of requests) {
    const entry = recorded.get(requestId)
    if (!entry || entry.published || seen.has(requestId)) continue
    seen.add(requestId)
    out.push(entry.outcome)
  }
  return out
}
