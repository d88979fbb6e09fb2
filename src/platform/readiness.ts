import type { FastifyInstance } from 'fastify'
import { withTimeout } from './async.ts'
import { Gauge, metricOnce, type Registry } from './metrics.ts'

/** A readiness probe: resolves when the dependency answers, rejects otherwise. */
export type ReadinessCheck = () => Promise<void>

/** How long one dependency may take to answer a probe before it counts as down, in ms. */
const CHECK_TIMEOUT_MS = 3_000

/** Runs every check at once: `ok`, or the reason it failed, per dependency. */
export async function runChecks(checks: Record<string, ReadinessCheck>): Promise<Record<string, string>> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await withTimeout(check(), CHECK_TIMEOUT_MS)
        return [name, 'ok'] as const
      } catch (error) {
        // A coded client failure carries the client's own words as its cause; operators want those.
        const reason = error instanceof Error && error.cause instanceof Error ? error.cause : error
        return [name, reason instanceof Error ? reason.message : String(reason)] as const
      }
    }),
  )
  return Object.fromEntries(results)
}

/**
 * `GET /ready` (200 when every dependency answers, else 503 with the failing ones) and the gauge
 * `service_dependency_up{dependency}` (1 up, 0 down), probed on each scrape, which the readiness alert
 * watches. Services sharing a registry (`all`) share the gauge, probed with the first one's checks (the
 * same dependencies).
 */
export function registerReadiness(
  app: FastifyInstance,
  registry: Registry,
  checks: Record<string, ReadinessCheck>,
): void {
  metricOnce(
    registry,
    'service_dependency_up',
    () =>
      new Gauge({
        name: 'service_dependency_up',
        help: 'Whether a dependency (kafka, redis, postgres) answered its readiness probe: 1 up, 0 down; probed on scrape',
        labelNames: ['dependency'],
        registers: [registry],
        async collect() {
          for (const [dependency, state] of Object.entries(await runChecks(checks)))
            this.set({ dependency }, state === 'ok' ? 1 : 0)
        },
      }),
  )
  app.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
    const results = await runChecks(checks)
    const ready = Object.values(results).every((state) => state === 'ok')
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: results })
  })
}
