/** Querystring of list endpoints: `?limit=1..100&offset=n`. */
export const pageQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'string', pattern: '^(?:[1-9][0-9]?|100)$', description: '1–100, default 50' },
    offset: { type: 'string', pattern: '^[0-9]{1,9}$', description: 'default 0' },
  },
} as const

export interface PageQuery {
  readonly limit?: string
  readonly offset?: string
}

export function page(query: PageQuery): { limit: number; offset: number } {
  return { limit: Number(query.limit ?? 50), offset: Number(query.offset ?? 0) }
}
