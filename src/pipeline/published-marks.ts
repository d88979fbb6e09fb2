import type { Logger } from '../platform/logger.ts'

const RETRY_MS = 1_000
const MAX_CARRIED = 100_000

/**
 * Records that outcome messages were published, so a redelivered request is not announced again. Once the
 * messages are out, failing the batch over this bookkeeping would publish them a second time on the retry;
 * so a failed write (PostgreSQL down at that moment) is kept and retried in the background instead.
 */
export class PublishedMarks {
  readonly #mark: (requestIds: readonly string[]) => Promise<void>
  readonly #logger: Logger
  #carried: string[] = []
  #timer: NodeJS.Timeout | undefined

  constructor(mark: (requestIds: readonly string[]) => Promise<void>, logger: Logger) {
    this.#mark = mark
    this.#logger = logger
  }

  async record(requestIds: readonly string[]): Promise<void> {
    const all = this.#carried.length > 0 ? [...this.#carried, ...requestIds] : [...requestIds]
    if (all.length === 0) return
    try {
      await this.#mark(all)
      this.#carried = []
    } catch (error) {
      this.#carried = all.slice(-MAX_CARRIED)
      this.#logger.warn(
        { err: error, pending: this.#carried.length },
        'could not record published outcomes; will retry',
      )
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined
        void this.record([])
      }, RETRY_MS).unref()
    }
  }
}
