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
