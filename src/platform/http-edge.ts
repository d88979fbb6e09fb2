import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify'
import FindMyWay from 'find-my-way'
import { AppError, ERRORS, type ErrorCode } from '../errors.ts'

/** A querystring schema that accepts no parameter at all. */
const NO_QUERY = { type: 'object', additionalProperties: false, properties: {} } as const

/**
 * Makes every route of `app` (those registered after this call, plugins included) refuse query parameters
 * it does not declare, with 400 `VALIDATION_FAILED` naming them: a route without a `querystring` schema gets
 * one that allows none, and a declared object schema without `additionalProperties` gets `false` (shared
 * schema objects are copied, never changed). The names are checked in an `onRequest` hook after the route's
 * own (the admin guard), so an unknown parameter is refused before the body is read or validated.
 */
export function refuseUnknownQueryParameters(app: FastifyInstance): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = (route.schema ?? {}) as Record<string, unknown>
    const query = schema.querystring as Record<string, unknown> | undefined
    if (query && (query.type !== 'object' || query.additionalProperties !== undefined)) {
      if (query.additionalProperties !== false) return
    } else {
      route.schema = { ...schema, querystring: query ? { ...query, additionalProperties: false } : NO_QUERY }
    }
    const known = new Set(Object.keys((query?.properties as object | undefined) ?? {}))
    const check = (request: FastifyRequest, _reply: unknown, done: (error?: Error) => void) => {
      const unknown = Object.keys((request.query as object | null) ?? {}).filter((name) => !known.has(name))
      if (unknown.length === 0) return done()
      done(
        new AppError('VALIDATION_FAILED', {
          message: `요청 값이 올바르지 않습니다: ${unknown.join(', ')}`,
          details: unknown.map((field) => ({
            field,
            rule: 'additionalProperties',
            message: 'unknown query parameter',
          })),
        }),
      )
    }
    route.onRequest = [...[route.onRequest ?? []].flat(), check] as RouteOptions['onRequest']
  })
}

/**
 * Answers a method a path does not have with 405 `METHOD_NOT_ALLOWED` and an `Allow` header listing the
 * methods it has (RFC 9110 §15.5.6), instead of 404. Routes are collected as they are registered; call
 * {@link MethodCheck.allowed} from the not-found handler. Wildcard routes (static files: `/dashboard/*`,
 * `/docs/static/*`) are left out: a wildcard matches every path under it, so it cannot tell that a path
 * exists, and an unknown file under it stays a 404.
 */
export interface MethodCheck {
  /** The methods `request`'s path has, or none when no route matches the path at all. */
  allowed(request: FastifyRequest): string[]
}

export function collectMethods(app: FastifyInstance): MethodCheck {
  const router = FindMyWay({ ignoreTrailingSlash: false })
  const methods = new Set<string>()
  app.addHook('onRoute', (route) => {
    if (route.url.includes('*')) return
    // A plugin's `/` route is also served at its prefix plus `/` (prefixTrailingSlash 'both'), and Fastify
    // announces only the first of the two (`/docs`, not `/docs/`).
    const urls = route.prefix && route.url === route.prefix ? [route.url, `${route.url}/`] : [route.url]
    for (const method of [route.method].flat()) {
      methods.add(method)
      for (const url of urls) {
        if (!router.hasRoute(method as 'GET', url)) router.on(method as 'GET', url, () => {})
      }
    }
  })
  return {
    allowed(request) {
      const path = request.url.split('?')[0] ?? '/'
      return [...methods].filter((method) => router.find(method as 'GET', path) !== null).sort()
    },
  }
}

/**
 * Refuses a body (a request with `Content-Length` above 0 or `Transfer-Encoding`) sent with a `Content-Encoding` other than `identity` with 415
 * `UNSUPPORTED_CONTENT_ENCODING`, before it is read: the API takes plain JSON only, and a compressed body
 * would otherwise be parsed as broken JSON.
 */
export function refuseEncodedBodies(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const encoding = request.headers['content-encoding']
    if (encoding === undefined || encoding.trim().toLowerCase() === 'identity') return done()
    // Only a request with a body has something encoded.
    const length = request.headers['content-length']
    if (request.headers['transfer-encoding'] === undefined && (length === undefined || length === '0'))
      return done()
    done(new AppError('UNSUPPORTED_CONTENT_ENCODING'))
  })
}

/**
 * Refuses a request whose `Transfer-Encoding` names a coding other than `chunked` (`gzip, chunked`) with
 * 501 `NOT_IMPLEMENTED`, before its body is read: RFC 9112 §6.1 says a server that does not understand a
 * transfer coding answers 501, and Node's parser would hand over the still-encoded bytes as the body. Node
 * itself refuses a request whose final coding is not `chunked` (400 `BAD_REQUEST`).
 */
export function refuseUnknownTransferCodings(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const header = request.headers['transfer-encoding']
    if (header === undefined) return done()
    // Codings are a comma list, each with optional parameters (RFC 9112 §7); names are case-insensitive.
    const codings = header.split(',').map((coding) => coding.split(';')[0]?.trim().toLowerCase())
    done(codings.every((coding) => coding === 'chunked') ? undefined : new AppError('NOT_IMPLEMENTED'))
  })
}

/** Fastify's own client errors (router and body parser), mapped to our stable codes. */
export const FRAMEWORK_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_MAX_PARAM_LENGTH: 'URI_TOO_LONG',
  FST_ERR_BAD_URL: 'VALIDATION_FAILED',
}

/** Node's codes for what its HTTP parser refuses, mapped to ours; anything else is BAD_REQUEST. */
const CLIENT_ERROR_CODES: Record<string, ErrorCode> = {
  ERR_HTTP_REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  HPE_HEADER_OVERFLOW: 'HEADERS_TOO_LARGE',
}

/**
 * Fastify's `clientErrorHandler`: answers what Node refuses before Fastify sees a request (Node docs,
 * `http.Server` event `'clientError'`) in the house error shape (SPEC §2), then closes the connection:
 * - a request whose headers or body did not arrive within HTTP_HEADERS_TIMEOUT_MS / HTTP_REQUEST_TIMEOUT_MS
 *   (`ERR_HTTP_REQUEST_TIMEOUT`) → 408 `REQUEST_TIMEOUT`;
 * - headers past Node's `maxHeaderSize`, 16 KiB by default (`HPE_HEADER_OVERFLOW`) → 431 `HEADERS_TOO_LARGE`;
 * - anything else the parser cannot read → 400 `BAD_REQUEST`.
 * `path` is empty: the request line may not have arrived. A reset or already closed connection gets nothing.
 */
export function clientErrorHandler(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: Socket,
): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const code = CLIENT_ERROR_CODES[error.code ?? ''] ?? 'BAD_REQUEST'
  const { status, message } = ERRORS[code]
  this.log.debug({ err: error, code }, 'refused a request the HTTP parser could not take')
  if (!socket.writable) {
    socket.destroy()
    return
  }
  const body = JSON.stringify({
    statusCode: status,
    code,
    message,
    path: '',
    timestamp: new Date().toISOString(),
  })
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
}
