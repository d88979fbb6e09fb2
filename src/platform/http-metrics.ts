import type { FastifyInstance } from 'fastify'
import { ADMIN_REFUSALS } from './admin-guard.ts'
import { Counter, Histogram, LATENCY_BUCKETS, metricOnce, type Registry } from './metrics.ts'

/**
 * The HTTP metrics of a server: `http_request_duration_seconds{method, route, status}` (observed on every
 * answer, in seconds) and `http_admin_refused_total{code}` (started at 0 for each code of
 * {@link ADMIN_REFUSALS}, so that alert rules see the series at once). Services that share a registry share
 * the metrics (`metricOnce`). Returns the admin counter for the error handler to count refusals with.
 */
export function registerHttpMetrics(
  app: FastifyInstance,
  registry: Registry,
): { adminRefused: Counter<'code'> } {
  const duration = metricOnce(
    registry,
    'http_request_duration_seconds',
    () =>
      new Histogram({
        name: 'http_request_duration_seconds',
        help: 'HTTP request duration by route and status',
        labelNames: ['method', 'route', 'status'],
        buckets: LATENCY_BUCKETS,
        registers: [registry],
      }),
  )
  app.addHook('onResponse', async (request, reply) => {
    duration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    )
  })

  const adminRefused = metricOnce(
    registry,
    'http_admin_refused_total',
    () =>
      new Counter({
        name: 'http_admin_refused_total',
        help: 'Admin requests refused: a missing or wrong token (UNAUTHORIZED) or a non-loopback client without a configured token (ADMIN_LOOPBACK_ONLY)',
        labelNames: ['code'],
        registers: [registry],
      }),
  )
  for (const code of ADMIN_REFUSALS) adminRefused.inc({ code }, 0)
  return { adminRefused }
}
