/**
 * The table of error codes. A code is a stable contract: clients and consumers branch on it, never on
 * message text. `status` is the HTTP status, `message` the Korean user-facing sentence, and `retryable`
 * tells a Kafka consumer whether trying again may succeed (a dependency down) or not (a business outcome).
 */
export const ERRORS = {
  VALIDATION_FAILED: { status: 400, retryable: false, message: '요청 값이 올바르지 않습니다.' },
  INVALID_JSON: { status: 400, retryable: false, message: '요청 본문이 올바른 JSON 형식이 아닙니다.' },
  NOT_IN_PERIOD: { status: 400, retryable: false, message: '발급(판매) 기간이 아닙니다.' },
  UNAUTHORIZED: { status: 401, retryable: false, message: '관리자 인증이 필요합니다.' },
  ADMIN_LOOPBACK_ONLY: {
    status: 403,
    retryable: false,
    message: '관리자 토큰이 설정되지 않아 서버 내부(localhost)에서만 사용할 수 있습니다.',
  },
  NOT_FOUND: { status: 404, retryable: false, message: '요청한 경로를 찾을 수 없습니다.' },
  POLICY_NOT_FOUND: { status: 404, retryable: false, message: '쿠폰 정책을 찾을 수 없습니다.' },
  TIMESALE_NOT_FOUND: { status: 404, retryable: false, message: '타임세일을 찾을 수 없습니다.' },
  REQUEST_NOT_FOUND: { status: 404, retryable: false, message: '요청을 찾을 수 없습니다.' },
  ALREADY_ISSUED: { status: 409, retryable: false, message: '이미 발급받은 쿠폰입니다.' },
  SOLD_OUT: { status: 409, retryable: false, message: '준비된 수량이 모두 소진되었습니다.' },
  LIMIT_EXCEEDED: { status: 409, retryable: false, message: '1인당 구매 가능 수량을 초과했습니다.' },
  METHOD_NOT_ALLOWED: {
    status: 405,
    retryable: false,
    message: '이 경로에서 허용되지 않는 HTTP 메서드입니다.',
  },
  BAD_REQUEST: { status: 400, retryable: false, message: '요청 형식이 올바르지 않습니다.' },
  REQUEST_TIMEOUT: {
    status: 408,
    retryable: true,
    message: '요청을 제한 시간 안에 받지 못했습니다. 다시 시도해주세요.',
  },
  HEADERS_TOO_LARGE: { status: 431, retryable: false, message: '요청 헤더가 너무 큽니다.' },
  URI_TOO_LONG: { status: 414, retryable: false, message: '요청 주소가 너무 깁니다.' },
  UNSUPPORTED_CONTENT_ENCODING: {
    status: 415,
    retryable: false,
    message: '압축된 요청 본문은 지원하지 않습니다. Content-Encoding 없이 보내주세요.',
  },
  NOT_IMPLEMENTED: {
    status: 501,
    retryable: false,
    message: '지원하지 않는 Transfer-Encoding 입니다. chunked 만 사용할 수 있습니다.',
  },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false, message: '요청 본문이 너무 큽니다.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false, message: '지원하지 않는 Content-Type 입니다.' },
  RATE_LIMITED: {
    status: 429,
    retryable: false,
    message: '요청이 너무 많습니다. 잠시 후 다시 시도해주세요.',
  },
  INTERNAL_ERROR: {
    status: 500,
    retryable: true,
    message: '일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요.',
  },
  LOCK_TIMEOUT: {
    status: 503,
    retryable: true,
    message: '요청이 몰려 처리하지 못했습니다. 잠시 후 다시 시도해주세요.',
  },
  OVERLOADED: {
    status: 503,
    retryable: true,
    message: '요청이 많아 지금은 처리할 수 없습니다. 잠시 후 다시 시도해주세요.',
  },
  DEPENDENCY_UNAVAILABLE: {
    status: 503,
    retryable: true,
    message: '서비스를 일시적으로 사용할 수 없습니다. 잠시 후 다시 시도해주세요.',
  },
  MALFORMED_MESSAGE: { status: 422, retryable: false, message: '메시지 형식이 올바르지 않습니다.' },
  // Client API: user tokens, Idempotency-Key, result streams.
  AUTH_REQUIRED: { status: 401, retryable: false, message: '로그인이 필요합니다.' },
  AUTH_TOKEN_EXPIRED: {
    status: 401,
    retryable: false,
    message: '로그인이 만료되었습니다. 다시 로그인해주세요.',
  },
  AUTH_TOKEN_INVALID: { status: 401, retryable: false, message: '인증 정보가 올바르지 않습니다.' },
  USER_MISMATCH: {
    status: 403,
    retryable: false,
    message: '로그인한 사용자와 요청의 userId가 다릅니다.',
  },
  IDEMPOTENCY_KEY_INVALID: {
    status: 400,
    retryable: false,
    message: 'Idempotency-Key는 영문, 숫자와 ._~:+/=- 로 된 1~255자여야 합니다.',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    retryable: false,
    message: '같은 Idempotency-Key가 다른 요청에 이미 사용되었습니다.',
  },
  IDEMPOTENCY_KEY_IN_USE: {
    status: 409,
    retryable: true,
    message: '같은 Idempotency-Key의 요청이 아직 처리 중입니다. 잠시 후 다시 시도해주세요.',
  },
  TOO_MANY_STREAMS: {
    status: 503,
    retryable: true,
    message: '실시간 알림 연결이 너무 많습니다. 잠시 후 다시 시도하거나 상태 조회를 이용해주세요.',
  },
} as const satisfies Record<string, { status: number; retryable: boolean; message: string }>

export type ErrorCode = keyof typeof ERRORS

export interface AppErrorOptions {
  /** Overrides the table's Korean message, e.g. to name the offending field. */
  message?: string
  cause?: unknown
  /** Machine-readable context returned to the client, e.g. validation problems. */
  details?: unknown
}

/** An error with a stable code from {@link ERRORS}. */
export class AppError extends Error {
  override readonly name = 'AppError'
  readonly code: ErrorCode
  readonly status: number
  readonly retryable: boolean
  readonly details: unknown

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    super(options.message ?? ERRORS[code].message, { cause: options.cause })
    this.code = code
    this.status = ERRORS[code].status
    this.retryable = ERRORS[code].retryable
    this.details = options.details
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError
}

/**
 * The one answer to "what is this failure?" for the HTTP layer and the consumer alike: an {@link AppError}
 * is itself; anything else is an error nobody classified (client failures are wrapped where they happen,
 * in platform/), so `INTERNAL_ERROR`: HTTP 500, and retryable, as a transient cause cannot be ruled out.
 */
export function toAppError(error: unknown): AppError {
  return isAppError(error) ? error : new AppError('INTERNAL_ERROR', { cause: error })
}

/** Whether a failure may go away on retry: the `retryable` flag of {@link toAppError}. */
export function isRetryable(error: unknown): boolean {
  return toAppError(error).retryable
}
