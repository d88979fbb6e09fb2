/**
 * One HTTP exchange through undici's low-level `dispatch` API: the answer's status and body text, with no
 * response stream object in between. About half the CPU per request of `pool.request()` + `body.text()`,
 * which matters when the generator shares two cores with everything it measures.
 */
import type { Dispatcher, Pool } from 'undici'

export interface Answer {
  readonly status: number
  readonly text: string
}

export function exchange(pool: Pool, options: Dispatcher.DispatchOptions): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let status = 0
    const chunks: Buffer[] = []
    pool.dispatch(options, {
      onRequestStart() {},
      onResponseStart(_controller, statusCode) {
        status = statusCode
      },
      onResponseData(_controller, chunk) {
        chunks.push(chunk)
      },
      onResponseEnd() {
        const text =
          chunks.length === 1
            ? (chunks[0] as Buffer).toString('utf8')
            : Buffer.concat(chunks).toString('utf8')
        resolve({ status, text })
      },
      onResponseError(_controller, error) {
        reject(error)
      },
    })
  })
}
