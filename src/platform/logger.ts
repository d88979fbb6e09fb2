import { type Logger, pino } from 'pino'

export type { Logger }

/**
 * Structured JSON logs to stdout; secrets are redacted wherever they appear in a log object. `instance`
 * (e.g. `coupon-api-2`) tells apart the lines of several instances of one service.
 */
export function createLogger(options: { level: string; name: string; instance?: string }): Logger {
  return pino({
    name: options.name,
    level: options.level,
    base: { pid: process.pid, ...(options.instance ? { instance: options.instance } : {}) },
    redact: {
      paths: [
        'token',
        'adminToken',
        '*.adminToken',
        'req.headers.authorization',
        'headers.authorization',
        'password',
      ],
      censor: '[redacted]',
    },
  })
}
