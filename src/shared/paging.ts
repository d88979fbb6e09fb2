import { z } from 'zod'
import type { FastifyReply, FastifyRequest } from '../platform/http.ts'

/**
 * Paging of every list endpoint (SPEC §2 "Lists page"): `?limit=&offset=`, nothing cut silently.
 *
 * - `limit` 1–{@link MAX_PAGE_LIMIT} (default {@link DEFAULT_PAGE_LIMIT}); a larger one is refused with 400,
 *   never clamped. `offset` 0–999,999,999 (default 0). Both are plain decimal numbers (no sign, no leading
 *   zero); any other query parameter is refused with 400 `VALIDATION_FAILED`.
 * - The body stays a JSON array of the page's items (compatible with clients written before paging), and
 *   two headers tell what else there is: `X-Total-Count` (items in the whole list when the page was read)
 *   and `Link` (RFC 8288) with `rel="next"` while more items follow and `rel="prev"` after the first page.
 *   No `next` link means this is the last page.
 * - Lists are newest first and their items are never deleted, so walking the pages while items are added
 *   may show an item twice (it moved down a page), never skip one.
 */

/** Most items one page may hold. */
export const MAX_PAGE_LIMIT = 1000
/** Items in a page when `limit` is not given. */
export const DEFAULT_PAGE_LIMIT = 100

/** Querystring of list endpoints: `?limit=1..1000&offset=0..999999999`, nothing else. */
export const pageQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^(?:[1-9][0-9]{0,2}|1000)$/)
    .meta({
      description: `Items per page, 1–${MAX_PAGE_LIMIT} (default ${DEFAULT_PAGE_LIMIT}); larger is refused with 400`,
    })
    .optional(),
  offset: z
    .string()
    .regex(/^(?:0|[1-9][0-9]{0,8})$/)
    .meta({ description: 'Items to skip from the start of the list (default 0)' })
    .optional(),
})

export type PageQuery = z.output<typeof pageQuery>

/** Which slice of a list to read: `limit` items after the first `offset`. */
export interface PageRequest {
  readonly limit: number
  readonly offset: number
}

/** One page of a list and the size of the whole list. */
export interface Page<T> {
  readonly items: T[]
  readonly total: number
}

/** The slice a validated querystring asks for. */
export function pageRequest(query: PageQuery): PageRequest {
  return { limit: Number(query.limit ?? DEFAULT_PAGE_LIMIT), offset: Number(query.offset ?? 0) }
}

/**
 * The `Link` header value of a page (RFC 8288): `next` while items follow, `prev` after the first page.
 * Targets are relative to the request's own path. Undefined when there is neither.
 */
export function pageLinks(path: string, request: PageRequest, total: number): string | undefined {
  const link = (offset: number, rel: string) =>
    `<${path}?limit=${request.limit}&offset=${offset}>; rel="${rel}"`
  const links: string[] = []
  if (request.offset + request.limit < total) links.push(link(request.offset + request.limit, 'next'))
  if (request.offset > 0) {
    const previous = Math.min(Math.max(request.offset - request.limit, 0), Math.max(total - request.limit, 0))
    links.push(link(previous, 'prev'))
  }
  return links.length > 0 ? links.join(', ') : undefined
}

/** Sets `X-Total-Count` and `Link` on a list answer; returns the page's items (the body). */
export function sendPage<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  slice: PageRequest,
  page: Page<T>,
): T[] {
  void reply.header('x-total-count', String(page.total))
  const links = pageLinks(request.url.split('?')[0] ?? request.url, slice, page.total)
  if (links) void reply.header('link', links)
  return page.items
}

/** OpenAPI description of a list endpoint: how to page, and what is refused. */
export const PAGE_DESCRIPTION =
  `A page of the list: \`limit\` 1–${MAX_PAGE_LIMIT} (default ${DEFAULT_PAGE_LIMIT}), \`offset\` (default 0). ` +
  'X-Total-Count is the size of the whole list; Link has rel="next" while more items follow (none on the ' +
  'last page) and rel="prev". A larger limit, a malformed value or any other query parameter → 400 ' +
  'VALIDATION_FAILED.'

/** OpenAPI description of the paging headers, for a list endpoint's 200 answer. */
export const pageHeadersSchema = {
  'X-Total-Count': { type: 'integer', description: 'Items in the whole list when the page was read' },
  Link: {
    type: 'string',
    description: 'RFC 8288 links: rel="next" while more items follow (absent on the last page), rel="prev"',
    examples: ['</api/coupons/users/1001?limit=100&offset=100>; rel="next"'],
  },
} as const

/** A list endpoint's 200 answer: a JSON array of `items`, with the paging headers. */
export function pageResponseSchema<S extends object>(items: S) {
  return { type: 'array', items, headers: pageHeadersSchema } as const
}
