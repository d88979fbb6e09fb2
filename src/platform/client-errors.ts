/**
 * Client failures turned into coded errors where they happen. Each client factory in platform/ wraps its
 * client with {@link mapClientErrors} and one of the classifiers below, so what leaves a Redis, PostgreSQL
 * or Kafka call is always an {@link AppError}: `DEPENDENCY_UNAVAILABLE` (503, retryable) when the
 * dependency could not be reached or answered "try again", `INTERNAL_ERROR` when it refused the request
 * itself (a bug on our side). Classification uses error types and protocol codes, never message text.
 */
import { GenericError } from '@platformatic/kafka'
import { ReplyError } from 'ioredis'
import pg from 'pg'
import { AppError } from '../errors.ts'

/**
 * Redis error replies whose first word (the RESP error code) means "not now": the server is loading its
 * data, busy with a script, read-only during a failover, or out of memory; or, on Redis Cluster, a
 * redirection the client could not follow while a replica takes over from a failed master.
 */
const REDIS_TRANSIENT_REPLIES = new Set([
  'MOVED',
  'ASK',
  'LOADING',
  'BUSY',
  'TRYAGAIN',
  'MASTERDOWN',
  'READONLY',
  'CLUSTERDOWN',
  'OOM',
])

/**
 * An ioredis failure as a coded error. An error reply from the server (`ReplyError`) is the server's
 * answer: transient codes are retryable, the rest (a script error, WRONGTYPE) is ours. Anything else
 * ioredis rejects with — connection closed or refused, command timed out, retries per request
 * exhausted — means Redis was not reachable.
 */
export function redisFailure(error: unknown): AppError {
  if (error instanceof AppError) return error
  if (error instanceof ReplyError) {
    const code = String((error as Error).message).split(' ', 1)[0] ?? ''
    return new AppError(REDIS_TRANSIENT_REPLIES.has(code) ? 'DEPENDENCY_UNAVAILABLE' : 'INTERNAL_ERROR', {
      cause: error,
    })
  }
  return new AppError(isProgrammingError(error) ? 'INTERNAL_ERROR' : 'DEPENDENCY_UNAVAILABLE', {
    cause: error,
  })
}

/**
 * SQLSTATE classes (the first two characters of the code) after which the same statement may succeed:
 * 08 connection exception, 40 transaction rollback (serialization failure, deadlock), 53 insufficient
 * resources, 57 operator intervention (statement timeout, shutdown, starting up), 58 system error.
 */
const POSTGRES_TRANSIENT_CLASSES = new Set(['08', '40', '53', '57', '58'])

/**
 * A `pg` failure as a coded error. An error the server reported (`DatabaseError`) is classified by its
 * SQLSTATE class; any other rejection from the pool or a client (connection refused or terminated, no
 * connection free within the pool's timeout) means PostgreSQL was not reachable.
 */
export function postgresFailure(error: unknown): AppError {
  if (error instanceof AppError) return error
  if (error instanceof pg.DatabaseError) {
    const transient = POSTGRES_TRANSIENT_CLASSES.has(String(error.code).slice(0, 2))
    return new AppError(transient ? 'DEPENDENCY_UNAVAILABLE' : 'INTERNAL_ERROR', { cause: error })
  }
  return new AppError(isProgrammingError(error) ? 'INTERNAL_ERROR' : 'DEPENDENCY_UNAVAILABLE', {
    cause: error,
  })
}

/** Kafka client error codes that mean the request or the configuration is wrong, not the brokers. */
const KAFKA_PERMANENT_CODES = new Set([
  'PLT_KFK_AUTHENTICATION',
  'PLT_KFK_UNSUPPORTED',
  'PLT_KFK_UNSUPPORTED_API',
  'PLT_KFK_UNSUPPORTED_COMPRESSION',
  'PLT_KFK_UNSUPPORTED_FORMAT',
  'PLT_KFK_USER',
])

/**
 * A `@platformatic/kafka` failure as a coded error: the library's own errors (`PLT_KFK_*`: network,
 * timeout, broker responses) mean the brokers could not take the request, except the codes that say the
 * request itself is wrong. Anything else (a serializer throwing) is ours.
 */
export function kafkaFailure(error: unknown): AppError {
  if (error instanceof AppError) return error
  if (error instanceof Error && GenericError.isGenericError(error)) {
    return new AppError(KAFKA_PERMANENT_CODES.has(error.code) ? 'INTERNAL_ERROR' : 'DEPENDENCY_UNAVAILABLE', {
      cause: error,
    })
  }
  return new AppError('INTERNAL_ERROR', { cause: error })
}

/** A type or range error thrown by the client for the arguments it was given: a bug, not an outage. */
function isProgrammingError(error: unknown): boolean {
  return error instanceof TypeError || error instanceof RangeError
}

export interface ErrorMappingOptions {
  /** Methods whose result (or resolved value) is an object to wrap the same way: a connection, a pipeline. */
  readonly nested?: ReadonlySet<PropertyKey>
  /** Rewrites a resolved value, e.g. the per-command errors in a pipeline's `exec()` result. */
  readonly mapResolved?: (method: PropertyKey, value: unknown) => unknown
}

/**
 * Wraps a client so that every promise its methods return rejects with `classify(error)`. Chained calls
 * that return the client itself return the wrapper. Callback-style calls (last argument a function) pass
 * through unchanged: their caller handles the error.
 */
export function mapClientErrors<T extends object>(
  client: T,
  classify: (error: unknown) => AppError,
  options: ErrorMappingOptions = {},
): T {
  const { nested, mapResolved } = options
  const rethrow = (error: unknown): never => {
    throw classify(error)
  }
  const settle = (property: PropertyKey, value: unknown): unknown => {
    const mapped = mapResolved ? mapResolved(property, value) : value
    return nested?.has(property) && typeof mapped === 'object' && mapped !== null
      ? mapClientErrors(mapped, classify, options)
      : mapped
  }
  const wrappers = new Map<PropertyKey, { original: unknown; wrapper: unknown }>()
  const proxy: T = new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target)
      if (typeof value !== 'function') return value
      const cached = wrappers.get(property)
      if (cached?.original === value) return cached.wrapper
      const method = value as (...args: unknown[]) => unknown
      const wrapper = (...args: unknown[]): unknown => {
        if (typeof args.at(-1) === 'function') return method.apply(target, args)
        let result: unknown
        try {
          result = method.apply(target, args)
        } catch (error) {
          return rethrow(error)
        }
        if (result === target) return proxy
        if (result instanceof Promise) return result.then((resolved) => settle(property, resolved), rethrow)
        return settle(property, result)
      }
      wrappers.set(property, { original: value, wrapper })
      return wrapper
    },
  })
  return proxy
}
