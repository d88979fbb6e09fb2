import { readFileSync } from 'node:fs'
import { createLocalJWKSet, errors, importSPKI, type JWTVerifyOptions, jwtVerify } from 'jose'
import { AppError } from '../errors.ts'
import { isUserId, isUserIdValue, normalizeUserId } from '../shared/user-id.ts'
import { errorBodySchema, type FastifyInstance, type FastifyReply, type FastifyRequest } from './http.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The endpoint acts for a user: with JWT auth configured it needs the user's bearer token. */
    userAuth?: boolean
  }
}

/** How user JWTs are verified; absent when auth is off (config `AUTH_JWT_*`). */
export interface JwtAuthConfig {
  readonly key:
    | { readonly kind: 'secret'; readonly secret: string }
    | { readonly kind: 'publicKeyFile'; readonly path: string }
    | { readonly kind: 'jwksFile'; readonly path: string }
  readonly algorithms: readonly string[]
  readonly issuer: string
  readonly audience: string
  readonly clockToleranceS: number
}

/**
 * Verifies a compact JWT and returns its subject as a normalised user id (`shared/user-id.ts`); throws what
 * `jose` throws, also for a `sub` that is not a user id.
 */
export type JwtVerifier = (token: string) => Promise<string>

/**
 * Builds the verifier of user tokens from the configuration: an HMAC secret, a PEM public key file or a
 * JWKS file (read once, at start). Tokens must be signed with one of the configured algorithms, carry `sub`
 * and `exp`, and match the issuer and audience when those are configured.
 */
export async function createJwtVerifier(config: JwtAuthConfig): Promise<JwtVerifier> {
  const options: JWTVerifyOptions = {
    algorithms: [...config.algorithms],
    clockTolerance: config.clockToleranceS,
    requiredClaims: ['sub', 'exp'],
    ...(config.issuer ? { issuer: config.issuer } : {}),
    ...(config.audience ? { audience: config.audience } : {}),
  }
  const subject = (payload: { sub?: unknown; iat?: unknown }): string => {
    // jose checks `iat` only against a maximum token age; a token issued in the future (beyond the same
    // clock skew that `exp` and `nbf` get) was minted by a clock that is wrong, or forged to live longer.
    if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + config.clockToleranceS) {
      throw new errors.JWTClaimValidationFailed('iat is in the future', {}, 'iat', 'check_failed')
    }
    if (payload.sub === undefined || payload.sub === '') {
      throw new errors.JWTClaimValidationFailed('missing sub', {}, 'sub', 'missing')
    }
    // RFC 7519 §4.1.2: `sub` is a StringOrURI, i.e. a JSON string; a number such as 1001 is not a subject.
    if (typeof payload.sub !== 'string') {
      throw new errors.JWTClaimValidationFailed('sub is not a string', {}, 'sub', 'check_failed')
    }
    // The subject becomes the user id: it must follow the user-id rule, and is normalised like a body's.
    if (!isUserId(payload.sub)) {
      throw new errors.JWTClaimValidationFailed('sub is not a user id', {}, 'sub', 'check_failed')
    }
    return normalizeUserId(payload.sub)
  }
  const { key } = config
  if (key.kind === 'jwksFile') {
    const keys = createLocalJWKSet(JSON.parse(readFileSync(key.path, 'utf8')))
    return async (token) => subject((await jwtVerify(token, keys, options)).payload)
  }
  const secretOrKey =
    key.kind === 'secret'
      ? new TextEncoder().encode(key.secret)
      : await importSPKI(readFileSync(key.path, 'utf8'), config.algorithms[0] ?? 'RS256')
  return async (token) => subject((await jwtVerify(token, secretOrKey, options)).payload)
}

const users = new WeakMap<FastifyRequest, string>()

/** Whether a body's `userId` names the token's (normalised) user: `1001`, `"1001"`, any UUID case. */
function sameUser(value: string | number, user: string): boolean {
  return normalizeUserId(value) === user
}

function challenge(reply: FastifyReply, error?: string): void {
  void reply.header('www-authenticate', error ? `Bearer error="${error}"` : 'Bearer')
}

const BEARER = /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i

/**
 * User authentication of the routes whose config has `userAuth` (issue, order). Off without a verifier:
 * the body's `userId` is taken as given. With one:
 * - no `Authorization: Bearer` → 401 `AUTH_REQUIRED`; an expired token → 401 `AUTH_TOKEN_EXPIRED`; any
 *   other bad token (signature, algorithm, issuer, audience, no `sub`, `nbf` or `iat` later than now plus
 *   `AUTH_JWT_CLOCK_TOLERANCE_S`) → 401 `AUTH_TOKEN_INVALID`, each with a `WWW-Authenticate` challenge
 *   (RFC 6750);
 * - the user is the token's `sub` (normalised; a `sub` that is not a user id, or not a JSON string (RFC 7519
 *   §4.1.2: `"sub": 1001` is refused), → 401 `AUTH_TOKEN_INVALID`): a
 *   body without `userId` gets it, a body with another `userId` → 403 `USER_MISMATCH` (`1001`, `"1001"` and
 *   a UUID in either case name one user); a malformed `userId` (wrong type or spelling) is not compared and
 *   gets validation's 400 `VALIDATION_FAILED`.
 * The OpenAPI document shows the `userToken` scheme on these routes (optional while auth is off).
 */
export function registerUserAuth(app: FastifyInstance, verify: JwtVerifier | undefined): void {
  app.addHook('onRoute', (route) => {
    if (!route.config?.userAuth) return
    const schema = route.schema ?? {}
    route.schema = {
      ...schema,
      security: verify ? [{ userToken: [] }] : [{}, { userToken: [] }],
      response: {
        ...(verify ? { 401: errorBodySchema, 403: errorBodySchema } : {}),
        ...(schema.response as object),
      },
    }
  })
  if (!verify) return

  app.addHook('onRequest', async (request, reply) => {
    if (!request.routeOptions.config?.userAuth) return
    const header = request.headers.authorization
    if (!header) {
      challenge(reply)
      throw new AppError('AUTH_REQUIRED')
    }
    const token = BEARER.exec(header)?.[1]
    if (!token) {
      challenge(reply, 'invalid_request')
      throw new AppError('AUTH_TOKEN_INVALID')
    }
    try {
      users.set(request, await verify(token))
    } catch (error) {
      challenge(reply, 'invalid_token')
      if (error instanceof errors.JWTExpired) throw new AppError('AUTH_TOKEN_EXPIRED', { cause: error })
      throw new AppError('AUTH_TOKEN_INVALID', { cause: error })
    }
  })

  // After parsing, before validation: the body's user is the token's user.
  app.addHook('preValidation', async (request) => {
    const user = users.get(request)
    const body = request.body
    if (user === undefined || !body || typeof body !== 'object' || Array.isArray(body)) return
    const fields = body as { userId?: unknown }
    if (fields.userId === undefined) fields.userId = user
    // A malformed userId (an object, `true`, `".."`) is left to validation: 400 naming it, never 403.
    else if (isUserIdValue(fields.userId) && !sameUser(fields.userId, user))
      throw new AppError('USER_MISMATCH')
  })
}
