import assert from 'node:assert/strict'
import { get, type JsonResponse } from './http.ts'

/** The targets of a `Link` header by relation, e.g. `{ next: '/api/…?limit=100&offset=100' }`. */
export function links(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of (headers.get('link') ?? '').split(',')) {
    const match = /^\s*<([^>]*)>\s*;\s*rel="([^"]+)"\s*$/.exec(part)
    if (match) out[match[2] as string] = match[1] as string
  }
  return out
}

/** `X-Total-Count` as a number (fails when absent). */
export function totalCount(response: JsonResponse<unknown>): number {
  const value = response.headers.get('x-total-count')
  assert.ok(value !== null, 'X-Total-Count is set')
  return Number(value)
}

/** Follows `rel="next"` from `path` until the last page; returns every item and the number of pages. */
export async function walkPages<T>(origin: string, path: string): Promise<{ items: T[]; pages: number }> {
  const items: T[] = []
  let pages = 0
  for (let next: string | undefined = path; next !== undefined; pages++) {
    const response: JsonResponse<T[]> = await get<T[]>(`${origin}${next}`)
    assert.equal(response.status, 200, JSON.stringify(response.body))
    items.push(...response.body)
    next = links(response.headers).next
  }
  return { items, pages }
}

/** Query strings every list endpoint refuses with 400 VALIDATION_FAILED. */
export const BAD_PAGE_QUERIES: readonly string[] = [
  'limit=0',
  'limit=1001',
  'limit=-1',
  'limit=abc',
  'limit=1e2',
  'limit=010',
  'limit=',
  'offset=-1',
  'offset=01',
  'offset=1.5',
  'offset=1000000000',
  'limit=1&limit=2',
  'page=2',
  'sort=id',
]
