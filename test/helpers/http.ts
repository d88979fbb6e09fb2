/** Small JSON-over-HTTP helpers for tests (global fetch, keep-alive by default). */
export interface JsonResponse<T = Record<string, unknown>> {
  readonly status: number
  readonly body: T
  readonly headers: Headers
}

export async function request<T = Record<string, unknown>>(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonResponse<T>> {
  const init: RequestInit = { method, headers: { ...headers } }
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body)
    ;(init.headers as Record<string, string>)['content-type'] ??= 'application/json'
  }
  const response = await fetch(url, init)
  const text = await response.text()
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T, headers: response.headers }
}

export const post = <T = Record<string, unknown>>(
  url: string,
  body?: unknown,
  headers?: Record<string, string>,
) => request<T>('POST', url, body, headers)
export const get = <T = Record<string, unknown>>(url: string) => request<T>('GET', url)

/** Counts answers by `status` or `code`, e.g. `{ '201': 100, '409:SOLD_OUT': 900 }`. */
export function tally(responses: readonly JsonResponse[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const response of responses) {
    const code = typeof response.body.code === 'string' ? `:${response.body.code}` : ''
    const key = `${response.status}${code}`
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}

/** The value at `path` inside parsed JSON (for reading an OpenAPI document), `undefined` past a gap. */
export function dig(value: unknown, ...path: Array<string | number>): Record<string, unknown> {
  let node = value
  for (const key of path) node = (node as Record<string | number, unknown> | undefined)?.[key]
  return node as Record<string, unknown>
}
