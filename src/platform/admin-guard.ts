import { createHash, timingSafeEqual } from 'node:crypto'
import { isIP } from 'node:net'
import type { FastifyRequest } from 'fastify'
import { AppError } from '../errors.ts'

/** Error codes of a refused admin request; the HTTP layer counts and logs them. */
export const ADMIN_REFUSALS = ['UNAUTHORIZED', 'ADMIN_LOOPBACK_ONLY'] as const

/**
 * Whether a socket address is the machine itself: 127.0.0.0/8, `::1`, or an IPv4-mapped 127.x address.
 * The socket's address is used, never a forwarded header: a proxy on the same machine makes every client
 * look local, which is why a deployment behind one sets `ADMIN_TOKEN`.
 */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false
  if (address === '::1') return true
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address
  return isIP(v4) === 4 && v4.startsWith('127.')
}

// Both sides are hashed first so the comparison takes the same time whatever the given header's length.
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = createHash('sha256')
    .update(header ?? '')
    .digest()
  const expected = createHash('sha256').update(`Bearer ${token}`).digest()
  return timingSafeEqual(given, expected)
}

/**
 * `onRequest` hook of admin endpoints (promotion creation, DLQ, lag, reconciliation, dashboard data).
 * With a token configured, every client needs `Authorization: Bearer <token>` (compared in constant
 * time), else 401 `UNAUTHORIZED`. Without one, only loopback clients get in, else 403 `ADMIN_LOOPBACK_ONLY`.
 */
export function requireAdmin(token: string) {
  return async (request: FastifyRequest): Promise<void> => {
    if (token) {
      if (!bearerMatches(request.headers.authorization, token)) throw new AppError('UNAUTHORIZED')
      return
    }
    if (!isLoopback(request.socket.remoteAddress)) throw new AppError('ADMIN_LOOPBACK_ONLY')
  }
}

/**
 * `onRequest` hook of the dashboard's page and assets. They hold no data (the page asks the admin endpoints
 * with the token the operator types in), so with a token configured they are served to anyone; without
 * one, like the admin endpoints, only to loopback clients (403 `ADMIN_LOOPBACK_ONLY`).
 */
export function requireDashboardAccess(token: string) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!token && !isLoopback(request.socket.remoteAddress)) throw new AppError('ADMIN_LOOPBACK_ONLY')
  }
}
