import type { LogEntry, RunOutcome } from '../sandbox/runner.js'

/** Shorter secret values are not searched for in output: they would match ordinary text. */
export const MIN_REDACTED_SECRET_CHARS = 4
const REDACTION = '[secret]'

/**
 * The forms a secret value takes in text a hook produces: as it is, and JSON-escaped (the
 * console formats objects with JSON, so a PEM key's newlines appear as `\n`). Longest first.
 */
function needles(secrets: Readonly<Record<string, string>>): string[] {
  const forms = new Set<string>()
  for (const value of Object.values(secrets)) {
    if (value.length < MIN_REDACTED_SECRET_CHARS) continue
    forms.add(value)
    forms.add(JSON.stringify(value).slice(1, -1))
  }
  return [...forms].sort((a, b) => b.length - a.length)
}

function scrub(text: string, values: readonly string[]): string {
  let out = text
  for (const value of values) out = out.split(value).join(REDACTION)
  return out
}

/** Every string inside `value` (objects and arrays included) with the secret values removed. */
export function redactDeep<T>(value: T, secrets: Readonly<Record<string, string>>): T {
  const values = needles(secrets)
  if (values.length === 0) return value
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') return scrub(item, values)
    if (Array.isArray(item)) return item.map(walk)
    if (typeof item === 'object' && item !== null) {
      return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, walk(v)]))
    }
    return item
  }
  return walk(value) as T
}

/**
 * Removes the hook's secret values from its console output before the output is stored or shown:
 * a script that logs `context.webtask.secrets` must not put them in the tenant log.
 */
export function redactLogs(
  logs: readonly LogEntry[],
  secrets: Readonly<Record<string, string>>,
): LogEntry[] {
  const values = needles(secrets)
  if (values.length === 0) return [...logs]
  return logs.map((entry) => {
    const message = scrub(entry.message, values)
    return message === entry.message ? entry : { ...entry, message }
  })
}

/** The outcome with its console output, error and messages redacted. */
export function redactOutcome<O extends RunOutcome>(
  outcome: O,
  secrets: Readonly<Record<string, string>>,
): O {
  const logs = redactLogs(outcome.logs, secrets)
  return outcome.kind === 'hook-error'
    ? { ...outcome, logs, error: redactDeep(outcome.error, secrets) }
    : { ...outcome, logs }
}
