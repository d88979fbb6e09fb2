import type { Pool, PoolClient } from '../platform/postgres.ts'

/** A v3 request's outcome as PostgreSQL records it, and whether its message was published. */
export interface Recorded<O> {
  readonly outcome: O
  readonly published: boolean
}

/** A row of an outcome query: the outcome's fields (columns aliased to them) and `published`. */
export type OutcomeRow<O> = O & { readonly published: boolean }

export interface OutcomeTableOptions {
  /** The table, e.g. `coupon_requests`: one row per settled request, keyed by `request_id`. */
  readonly table: string
  /**
   * A query returning the {@link OutcomeRow}s of the request ids in `$1::uuid[]`, its columns aliased to the
   * outcome's field names plus `published_at IS NOT NULL AS published` (it may join for derived fields).
   */
  readonly selectByIds: string
}

/**
 * The outcome table of a flow: read by request id, and the published mark that keeps a redelivered request
 * from being announced twice. Every operation is one set-based statement, whatever the number of ids. A
 * flow's request repository extends it with its batch write.
 */
export class OutcomeTable<O extends { readonly requestId: string }> {
  readonly #pool: Pool
  readonly #options: OutcomeTableOptions

  constructor(pool: Pool, options: OutcomeTableOptions) {
    this.#pool = pool
    this.#options = options
  }

  /** The recorded outcomes among `requestIds`, by request id (inside a transaction when `client` is one). */
  async read(requestIds: readonly string[], client: Pool | PoolClient = this.#pool) {
    const { rows } = await client.query<OutcomeRow<O>>(this.#options.selectByIds, [requestIds])
    return this.recorded(rows)
  }

  /** Maps rows of the table (e.g. those a write statement returned) by request id. */
  recorded(rows: ReadonlyArray<OutcomeRow<O>>): Map<string, Recorded<O>> {
    return new Map(
      rows.map(({ published, ...fields }) => {
        // The row's other columns are exactly the outcome's fields (the query aliases them so).
        const outcome = fields as unknown as O
        return [outcome.requestId, { outcome, published }]
      }),
    )
  }

  /** The recorded outcome of one request, if it settled. */
  async findOutcome(requestId: string): Promise<O | undefined> {
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
