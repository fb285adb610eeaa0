import type { LogEntry, RunOutcome } from '../sandbox/runner.js'

/** Shorter secret values are not searched for in output: they would match ordinary text. */
export const MIN_REDACTED_SECRET_CHARS = 4
const REDACTION = '[secret]'

/**
 * Removes the hook's secret values from its console output before the output is stored or shown:
 * a script that logs `context.webtask.secrets` must not put them in the tenant log.
 */
export function redactLogs(
  logs: readonly LogEntry[],
  secrets: Readonly<Record<string, string>>,
): LogEntry[] {
  const values = Object.values(secrets)
    .filter((v) => v.length >= MIN_REDACTED_SECRET_CHARS)
    .sort((a, b) => b.length - a.length)
  if (values.length === 0) return [...logs]
  return logs.map((entry) => {
    let message = entry.message
    for (const value of values) message = message.split(value).join(REDACTION)
    return message === entry.message ? entry : { ...entry, message }
  })
}

/** The outcome with its console output redacted. */
export function redactOutcome<O extends RunOutcome>(
  outcome: O,
  secrets: Readonly<Record<string, string>>,
): O {
  return { ...outcome, logs: redactLogs(outcome.logs, secrets) }
}
