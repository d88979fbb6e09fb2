/** A real Server-Sent Events client (the `eventsource` package) for tests. */
import { EventSource } from 'eventsource'

export interface ReceivedEvent<T> {
  readonly id: string
  readonly data: T
}

/**
 * Opens `url` with an EventSource and collects its `status` events until `isFinal` says the last one is
 * final; rejects after `timeoutMs` or when the client gives up. `lastEventId` resumes like a reconnect;
 * `onEvent` sees each event as it arrives (e.g. to know a stream has its first state before the test
 * lets the request settle: a stream counts as open on the server before it has read that state).
 */
export function streamUntil<T>(
  url: string,
  isFinal: (data: T) => boolean,
  {
    timeoutMs = 30_000,
    lastEventId,
    onEvent,
  }: { timeoutMs?: number; lastEventId?: string; onEvent?: (event: ReceivedEvent<T>) => void } = {},
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
      const received = { id: event.lastEventId, data }
      events.push(received)
      onEvent?.(received)
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

/**
 * Opens one stream per url (see {@link streamUntil}) and resolves `started` once every stream has its
 * first event, so a test can start the consumer only when each client saw the state before settlement.
 */
export function streamsStarted<T>(
  urls: readonly string[],
  isFinal: (data: T) => boolean,
): { started: Promise<void>; streams: Array<Promise<Array<ReceivedEvent<T>>>> } {
  let waiting = urls.length
  let markStarted: () => void = () => {}
  let markFailed: (error: unknown) => void = () => {}
  const started = new Promise<void>((resolve, reject) => {
    markStarted = resolve
    markFailed = reject
    if (waiting === 0) resolve()
  })
  const streams = urls.map((url) => {
    let first = true
    const stream = streamUntil<T>(url, isFinal, {
      onEvent: () => {
        if (!first) return
        first = false
        if (--waiting === 0) markStarted()
      },
    })
    // A stream that fails before every stream started fails `started` too (the test sees why at once).
    stream.catch(markFailed)
    return stream
  })
  return { started, streams }
}
