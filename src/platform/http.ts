import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify'
import { AppError, ERRORS, isAppError, toAppError } from '../errors.ts'
import { ADMIN_REFUSALS } from './admin-guard.ts'
import { type AdmissionOptions, registerAdmission } from './admission.ts'
import type { HttpTimeouts } from './http-config.ts'
import {
  clientErrorHandler,
  collectMethods,
  FRAMEWORK_CODES,
  refuseEncodedBodies,
  refuseUnknownQueryParameters,
  refuseUnknownTransferCodings,
} from './http-edge.ts'
import { registerHttpMetrics } from './http-metrics.ts'
import { registerJsonParser } from './json-parser.ts'
import type { Logger } from './logger.ts'
import type { Registry } from './metrics.ts'
import { type ReadinessCheck, registerReadiness } from './readiness.ts'
import type { Redis } from './redis.ts'
import { schemaKeywords } from './schema-keywords.ts'

export type { FastifyInstance, FastifyReply, FastifyRequest }

/** The error body of every endpoint (SPEC §2). */
export interface ErrorBody {
  statusCode: number
  code: string
  message: string
  path: string
  timestamp: string
  details?: unknown
}

export const errorBodySchema = {
  type: 'object',
  required: ['statusCode', 'code', 'message', 'path', 'timestamp'],
  properties: {
    statusCode: { type: 'integer', examples: [409] },
    code: { type: 'string', examples: ['SOLD_OUT'] },
    message: { type: 'string', examples: [ERRORS.SOLD_OUT.message] },
    path: { type: 'string', examples: ['/api/coupons/issue'] },
    timestamp: { type: 'string', format: 'date-time' },
    details: {},
  },
} as const

export type { ReadinessCheck }

export interface HttpServerOptions {
  readonly name: string
  readonly title: string
  readonly bodyLimit: number
  /** Slow-client limits of the HTTP server; Node's defaults (minutes) when absent. */
  readonly timeouts?: HttpTimeouts
  readonly logger: Logger
  readonly registry: Registry
  readonly readiness: Record<string, ReadinessCheck>
  /** Where rate-limit counters live, shared by every instance of the service. */
  readonly rateLimitStore?: Redis
  /** Admission control of write endpoints (503 `OVERLOADED`); none when absent. */
  readonly admission?: Omit<AdmissionOptions, 'registry'>
}

/** A request budget per time window (`max` 0 = off), per user id or per client IP. */
export interface RateLimits {
  readonly max: number
  readonly by: 'user' | 'ip'
  readonly windowMs: number
}

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>

/**
 * Route hooks that answer 429 `RATE_LIMITED` past the budget: per IP before the body is read, or per user
 * once the body is validated (`userOf` reads the user id from it). Counters live in Redis when the server
 * has a rate-limit store, so all instances share them; if Redis fails, requests pass rather than fail.
 */
export function rateLimitHooks(
  app: FastifyInstance,
  limits: RateLimits,
  userOf: (request: FastifyRequest) => string | undefined,
): { onRequest?: Hook; preHandler?: Hook } {
  const limiter = (app as unknown as { rateLimit?: (options: object) => Hook }).rateLimit
  if (!limiter || limits.max <= 0) return {}
  const options = { max: limits.max, timeWindow: limits.windowMs }
  return limits.by === 'ip'
    ? { onRequest: limiter({ ...options, keyGenerator: (r: FastifyRequest) => `ip:${r.ip}` }) }
    : {
        preHandler: limiter({ ...options, keyGenerator: (r: FastifyRequest) => `user:${userOf(r) ?? r.ip}` }),
      }
}

export function errorBody(
  request: FastifyRequest,
  status: number,
  code: string,
  message: string,
  details?: unknown,
) {
  const body: ErrorBody = {
    statusCode: status,
    code,
    message,
    path: request.url.split('?')[0] ?? request.url,
    timestamp: new Date().toISOString(),
  }
  if (details !== undefined) body.details = details
  return body
}

/**
 * An error from a route or the framework as a coded error. Client failures arrive coded already (wrapped
 * in platform/); the framework's own errors are mapped by code; anything else is {@link toAppError}'s.
 */
function httpError(error: FastifyError): AppError {
  if (isAppError(error)) return error
  if (error.validation) {
    const details = error.validation.map((issue) => ({
      field: issue.instancePath
        ? issue.instancePath.slice(1).replaceAll('/', '.')
        : String(issue.params?.missingProperty ?? issue.params?.additionalProperty ?? ''),
      rule: issue.keyword,
      message: issue.message,
    }))
    const fields = [...new Set(details.map((detail) => detail.field).filter(Boolean))]
    const message = fields.length > 0 ? `요청 값이 올바르지 않습니다: ${fields.join(', ')}` : undefined
    return new AppError('VALIDATION_FAILED', { message, details, cause: error })
  }
  const mapped = error.code ? FRAMEWORK_CODES[error.code] : undefined
  if (mapped) return new AppError(mapped, { cause: error })
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError('VALIDATION_FAILED', { cause: error })
  }
  return toAppError(error)
}

/**
 * A Fastify server with the house conventions: JSON-schema validation without type coercion of bodies
 * (plus the `x-instant`, `x-decimals` and `x-normalize` keywords of `schema-keywords.ts`),
 * a body-size limit, every error in the SPEC §2 shape with a stable code, `/health`, `/ready`, `/metrics`,
 * an OpenAPI document at `/docs/json` and its page at `/docs`. Routes are added by the caller inside
 * `register`, so that they appear in the OpenAPI document.
 */
export async function createHttpServer(
  options: HttpServerOptions,
  register: (app: FastifyInstance) => Promise<void> | void,
): Promise<FastifyInstance> {
  const { timeouts } = options
  const app = Fastify({
    ...(timeouts
      ? {
          // A client that sends its headers or body slowly is answered 408 and disconnected once the
          // timeout passes; Node checks open connections against it every `connectionsCheckingInterval`.
          http: {
            headersTimeout: timeouts.headersMs,
            connectionsCheckingInterval: Math.min(1_000, Math.ceil(timeouts.headersMs / 2)),
          },
          requestTimeout: timeouts.requestMs,
          keepAliveTimeout: timeouts.keepAliveMs,
        }
      : {}),
    loggerInstance: options.logger as FastifyBaseLogger,
    // One log line per request would cost more than the accept path itself; metrics cover requests.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit,
    ajv: {
      customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true },
      plugins: [schemaKeywords as never],
    },
    // Router errors (a path parameter past 100 characters, a malformed URL) in our error shape.
    frameworkErrors: (error, request, reply) => {
      const appError = httpError(error)
      void (reply as FastifyReply)
        .code(appError.status)
        .send(errorBody(request, appError.status, appError.code, appError.message, appError.details))
    },
    // What Node's parser refuses (timeouts, oversized headers) in the same error shape.
    clientErrorHandler,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  })

  // The API speaks JSON only; any other body type is refused with 415 rather than parsed as a string.
  app.removeContentTypeParser('text/plain')
  // Number literals a double would round are refused rather than silently changed.
  registerJsonParser(app)
  // Every route, plugins' included: unknown query parameters are a 400, a method the path lacks a 405.
  refuseUnknownQueryParameters(app)
  const methods = collectMethods(app)
  refuseUnknownTransferCodings(app)
  refuseEncodedBodies(app)

  const { adminRefused } = registerHttpMetrics(app, options.registry)

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const appError = httpError(error)
    if ((ADMIN_REFUSALS as readonly string[]).includes(appError.code)) {
      adminRefused.inc({ code: appError.code })
      // The client's address and what it asked for; never its Authorization header.
      request.log.warn(
        {
          code: appError.code,
          client: request.socket.remoteAddress,
          method: request.method,
          path: request.url.split('?')[0],
        },
        'admin request refused',
      )
    }
    // 501 answers the client's transfer coding: nothing failed here.
    if (appError.status >= 500 && appError.code !== 'NOT_IMPLEMENTED') {
      request.log.error({ err: error, code: appError.code, url: request.url }, 'request failed')
    }
    void reply
      .code(appError.status)
      .send(errorBody(request, appError.status, appError.code, appError.message, appError.details))
  })
  app.setNotFoundHandler((request, reply) => {
    const allowed = methods.allowed(request)
    // A route of this very method that found nothing (a static file that is not there) is a 404.
    if (allowed.length > 0 && !allowed.includes(request.method)) {
      const { status, message } = ERRORS.METHOD_NOT_ALLOWED
      void reply
        .code(status)
        .header('Allow', allowed.join(', '))
        .send(errorBody(request, status, 'METHOD_NOT_ALLOWED', message))
      return
    }
    void reply.code(404).send(errorBody(request, 404, 'NOT_FOUND', ERRORS.NOT_FOUND.message))
  })

  if (options.admission) await registerAdmission(app, { ...options.admission, registry: options.registry })
  await app.register(rateLimit, {
    global: false,
    ...(options.rateLimitStore ? { redis: options.rateLimitStore } : {}),
    nameSpace: 'rate-limit:',
    skipOnError: true,
    errorResponseBuilder: () => new AppError('RATE_LIMITED'),
  })
  await app.register(swagger, {
    openapi: {
      info: { title: options.title, version: '1.0.0' },
      components: {
        securitySchemes: {
          adminToken: { type: 'http', scheme: 'bearer' },
          userToken: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: "A user's JWT (sub = userId); required on issue/order only when AUTH_JWT_* is set",
          },
        },
      },
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })

  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok', service: options.name }))
  registerReadiness(app, options.registry, options.readiness)
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    return reply.type(options.registry.contentType).send(await options.registry.metrics())
  })

  await register(app)
  await app.ready()
  return app
}
