import { pino, type DestinationStream, type Logger } from 'pino'
import type { LogLevel } from '../config/load-config.js'

export type { Logger } from 'pino'

/**
 * Paths pino removes from every line, whatever the component: credentials in headers, secrets in
 * bodies, and hook scripts (which may embed keys). Hook secret values never reach a log line.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'client_secret',
  'password',
  'secrets',
  'script',
  '*.client_secret',
  '*.clientSecret',
  '*.password',
  '*.secrets',
  '*.script',
  '*.access_token',
] as const

/** Builds the one pino instance of the process; components use `logger.child({ component })`. */
export function createLogger(options: {
  level: LogLevel
  destination?: DestinationStream
}): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      base: { service: 'openhooks' },
    },
    options.destination,
  )
}
