import type { Logger } from './logger.ts'

type Closer = { readonly name: string; readonly close: () => Promise<unknown> }

/**
 * Closes registered resources in reverse order of registration (stop accepting → drain consumers and
 * commit → close clients) once, on SIGTERM / SIGINT or when asked.
 */
export class Lifecycle {
  readonly #closers: Closer[] = []
  readonly #logger: Logger
  #closing: Promise<void> | undefined

  constructor(logger: Logger) {
    this.#logger = logger
  }

  add(name: string, close: () => Promise<unknown>): void {
    this.#closers.push({ name, close })
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const closer of [...this.#closers].reverse()) {
        try {
          await closer.close()
          this.#logger.debug({ resource: closer.name }, 'closed')
        } catch (error) {
          this.#logger.warn({ err: error, resource: closer.name }, 'close failed')
        }
      }
    })()
    return this.#closing
  }

  /** Exits the process after a graceful close on SIGTERM / SIGINT, or after `timeoutMs` at the latest. */
  handleSignals(timeoutMs = 20_000): void {
    const onSignal = (signal: NodeJS.Signals) => {
      this.#logger.info({ signal }, 'shutting down')
      setTimeout(() => {
        this.#logger.error('graceful shutdown timed out')
        process.exit(1)
      }, timeoutMs).unref()
      void this.close().then(() => process.exit(0))
    }
    process.once('SIGTERM', onSignal)
    process.once('SIGINT', onSignal)
  }
}
