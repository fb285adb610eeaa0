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

/** Bytes of log lines gathered before they are written: one write system call per this many. */
export const LOG_BUFFER_BYTES = 4096
/** Longest a line waits in the buffer before it is written anyway, in milliseconds. */
export const LOG_FLUSH_DELAY_MS = 100

/**
 * The server log's destination (`dest`: a file descriptor or a path): lines are gathered and
 * written `LOG_BUFFER_BYTES` at a time, and at the latest `LOG_FLUSH_DELAY_MS` after the first
 * line of a batch, off the event loop (libuv's thread pool). A line per write cost a system call
 * per request on the token endpoint (docs/performance.md, issue 23). Lines still buffered are
 * written on exit, an uncaught exception's included (pino flushes its destination then); a process
 * killed with SIGKILL loses at most the last `LOG_FLUSH_DELAY_MS` of lines.
 */
export function bufferedDestination(dest: number | string): DestinationStream {
  const stream = pino.destination({ dest, sync: false, minLength: LOG_BUFFER_BYTES })
  let timer: NodeJS.Timeout | undefined
  let closed = false
  stream.on('close', () => {
    closed = true
    clearTimeout(timer)
  })
  const flush = (): void => {
    timer = undefined
    if (!closed) stream.flush()
  }
  return {
    write(line: string) {
      stream.write(line)
      if (timer === undefined && !closed) {
        timer = setTimeout(flush, LOG_FLUSH_DELAY_MS)
        // A batch waiting to be written does not keep the process alive: the exit writes it.
        timer.unref()
      }
    },
  }
}

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
