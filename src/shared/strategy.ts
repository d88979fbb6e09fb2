import { z } from 'zod'

/** The three ways a write endpoint can work (SPEC §1). */
export const STRATEGIES = ['v1', 'v2', 'v3'] as const
export type Strategy = (typeof STRATEGIES)[number]

/** Querystring of write endpoints: `?strategy=v1|v2|v3`, default `v3`. */
export const strategyQuery = z.strictObject({
  strategy: z
    .enum(STRATEGIES)
    .meta({ description: 'v1 DB transaction, v2 Redis lock, v3 Kafka' })
    .default('v3'),
})
