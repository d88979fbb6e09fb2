import { type Logger, pino } from 'pino'

export type { Logger }

/** Structured JSON logs to stdout; secrets are redacted wherever they appear in a log object. */
export function createLogger(options: { level: string; name: string }): Logger {
  return pino({
    name: options.name,
    level: options.level,
    base: { pid: process.pid },
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
