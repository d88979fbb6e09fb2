/** The three ways a write endpoint can work (SPEC §1). */
export const STRATEGIES = ['v1', 'v2', 'v3'] as const
export type Strategy = (typeof STRATEGIES)[number]

/** Querystring schema of write endpoints: `?strategy=v1|v2|v3`, default `v3`. */
export const strategyQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    strategy: {
      type: 'string',
      enum: [...STRATEGIES],
      default: 'v3',
      description: 'v1 DB transaction, v2 Redis lock, v3 Kafka',
    },
  },
} as const

/** A positive integer id given as a JSON string (`"1"`) or number (`1`). */
export const idSchema = {
  anyOf: [
    { type: 'string', pattern: '^[1-9][0-9]{0,17}$' },
    { type: 'integer', minimum: 1, maximum: 999_999_999_999_999 },
  ],
} as const

/** Path parameter id: digits only. */
export const idParamSchema = { type: 'string', pattern: '^[1-9][0-9]{0,17}$' } as const
