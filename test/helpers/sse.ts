/** A real Server-Sent Events client (the `eventsource` package) for tests. */
import { EventSource } from 'eventsource'

export interface ReceivedEvent<T> {
  readonly id: string
  readonly data: T
}

/**
 * Opens `url` with an EventSource and collects its `status` events until `isFinal` says the last one is
 * final; rejects after `timeoutMs` or when the client gives up. `lastEventId` resumes like a reconnect.
 */
export function streamUntil<T>(
  url: string,
  isFinal: (data: T) => boolean,
  { timeoutMs = 30_000, lastEventId }: { timeoutMs?: number; lastEventId?: string } = {},
): Promise<Array<ReceivedEvent<T>>> {
  return new Promise((resolve, reject) => {
    const events: Array<ReceivedEvent<T>> = []
    const source = new EventSource(url, {
      fetch: (input, init) =>
        fetch(input, {
          ...init,
          headers: { ...init?.headers, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
        }),
    })
    const fail = (why: string) => {
      clearTimeout(timer)
      source.close()
      reject(new Error(`${why} (${url}); events so far: ${JSON.stringify(events)}`))
    }
    const timer = setTimeout(() => fail('no final event in time'), timeoutMs)
    source.addEventListener('status', (event) => {
      const data = JSON.parse(event.data) as T
      events.push({ id: event.lastEventId, data })
      if (isFinal(data)) {
        clearTimeout(timer)
        source.close()
        resolve(events)
      }
    })
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) fail('the stream failed')
    })
  })
}

/** Reads a stream's raw text for `ms` (or until it ends) with plain fetch: status, headers and body. */
export async function readRaw(
  url: string,
  ms: number,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const controller = new AbortController()
  const response = await fetch(url, { headers, signal: controller.signal })
  let text = ''
  const timer = setTimeout(() => controller.abort(), ms)
  try {
    const decoder = new TextDecoder()
    for await (const chunk of response.body ?? [])
      text += decoder.decode(chunk as Uint8Array, { stream: true })
  } catch {
    // aborted: the time is up
  } finally {
    clearTimeout(timer)
  }
  return { status: response.status, headers: response.headers, text }
}
