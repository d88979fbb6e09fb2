import underPressure from '@fastify/under-pressure'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ERRORS } from '../errors.ts'
import type { OverloadConfig } from './http-config.ts'
import { Counter, metricOnce, type Registry } from './metrics.ts'

/** Why a request was shed: under-pressure's check types, plus our in-flight limit. */
export type ShedReason =
  | 'eventLoopDelay'
  | 'heapUsedBytes'
  | 'healthCheck'
  | 'inFlight'
  | 'rssBytes'
  | 'eventLoopUtilization'

export interface AdmissionOptions {
  readonly limits: OverloadConfig
  readonly registry: Registry
  /** Messages handed to the Kafka producer and not yet acknowledged; sampled every `sampleIntervalMs`. */
  readonly producerBacklog?: () => number
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** Whether admission control guards a request: every write endpoint, never reads, probes or metrics. */
function isWrite(request: FastifyRequest): boolean {
  return !READ_METHODS.has(request.method)
}

/**
 * Admission control of the write endpoints. When the process cannot answer quickly — mean event-loop
 * delay, V8 heap, the producer's un-acknowledged backlog (an `@fastify/under-pressure` health check) or the
 * number of write requests in flight past its limit — a write request is answered at once with 503
 * `OVERLOADED` and `Retry-After`, before its handler and before any Redis or Kafka call, so a shed request
 * changed nothing. The sampled pressure checks run in an `onRequest` hook (before the body is read); the
 * in-flight limit counts a request only from `preValidation` on, once its whole body has arrived, so clients
 * that send their headers or body slowly hold no slot (the server's header/request timeouts cut them off).
 * Reads, `/health`, `/ready` and `/metrics` are never shed. Shed requests are counted in
 * `http_requests_shed_total{route, reason}` (plus the registry's `service` label).
 */
export async function registerAdmission(app: FastifyInstance, options: AdmissionOptions): Promise<void> {
  const { limits } = options
  const shed = metricOnce(
    options.registry,
    'http_requests_shed_total',
    () =>
      new Counter({
        name: 'http_requests_shed_total',
        help: 'Write requests answered 503 OVERLOADED without being processed, by route and reason',
        labelNames: ['route', 'reason'],
        registers: [options.registry],
      }),
  )
  const retryAfter = String(limits.retryAfterSeconds)
  const body = (request: FastifyRequest) => ({
    statusCode: 503,
    code: 'OVERLOADED',
    message: ERRORS.OVERLOADED.message,
    path: request.url.split('?')[0] ?? request.url,
    timestamp: new Date().toISOString(),
  })
  const refuse = (request: FastifyRequest, reply: FastifyReply, reason: ShedReason): void => {
    shed.inc({ route: request.routeOptions.url ?? 'unmatched', reason })
    void reply.code(503).header('Retry-After', retryAfter).send(body(request))
  }

  // under-pressure samples the process and calls `pressureHandler` for every request while a limit is
  // exceeded; it only notes the reason here, and the hook below decides (reads always pass).
  const pressure = new WeakMap<FastifyRequest, ShedReason>()
  const backlog = options.producerBacklog
  await app.register(underPressure, {
    maxEventLoopDelay: limits.maxEventLoopDelayMs,
    maxHeapUsedBytes: limits.maxHeapBytes,
    sampleInterval: limits.sampleIntervalMs,
    ...(backlog && limits.maxProducerBacklog > 0
      ? {
          healthCheck: async () => backlog() <= limits.maxProducerBacklog,
          healthCheckInterval: limits.sampleIntervalMs,
        }
      : {}),
    pressureHandler: (request, _reply, type) => {
      pressure.set(request, type as ShedReason)
    },
  })

  app.addHook('onRequest', (request, reply, done) => {
    if (!isWrite(request)) return done()
    const reason = pressure.get(request)
    if (reason) return refuse(request, reply, reason)
    done()
  })

  let inFlight = 0
  app.addHook('preValidation', (request, reply, done) => {
    if (limits.maxInFlight <= 0 || !isWrite(request)) return done()
    if (inFlight >= limits.maxInFlight) return refuse(request, reply, 'inFlight')
    inFlight++
    // 'close' fires once, whether the answer was sent or the client went away first.
    reply.raw.once('close', () => {
      inFlight--
    })
    done()
  })
}
