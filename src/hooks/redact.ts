import type { LogEntry, RunOutcome } from '../sandbox/runner.js'

/** Shorter secret values are not searched for in output: they would match ordinary text. */
export const MIN_REDACTED_SECRET_CHARS = 4
const REDACTION = '[secret]'

/**
 * `util.inspect`'s default `maxStringLength` (and the isolate's copy of it), in UTF-16 code units:
 * a longer string is printed cut there, followed by "... N more characters".
 */
const INSPECT_MAX_STRING_CHARS = 10_000

/** Escapes of `util.inspect` inside a quoted string (src/sandbox/isolate/inspect.ts). */
const INSPECT_ESCAPES: Readonly<Record<number, string>> = {
  8: '\\b',
  9: '\\t',
  10: '\\n',
  12: '\\f',
  13: '\\r',
  92: '\\\\',
}

/**
 * A string as `util.inspect` writes it between its quotes: control characters escaped, and the
 * single quote escaped or not (it picks another quote when the string holds one).
 */
function inspectEscaped(value: string, escapeQuote: boolean): string {
  let out = ''
  for (const char of value) {
    const code = char.charCodeAt(0)
    const named = INSPECT_ESCAPES[code]
    if (named !== undefined) out += named
    else if (code === 39 && escapeQuote) out += "\\'"
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
      out += `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`
    } else out += char
  }
  return out
}

/**
 * An encoded form is searched for only from this many characters: a shorter one (the hex of a
 * 4-character secret is 8) would match ordinary text too often.
 */
const MIN_ENCODED_NEEDLE_CHARS = 8

/**
 * The base64 alphabet's text of `bytes` as it appears inside the encoding of a longer value that
 * holds them at any of the three byte alignments (`user:secret` encodes `secret` at alignment 2):
 * the characters that depend only on `bytes`, padding dropped.
 */
function base64Forms(bytes: Buffer): string[] {
  const forms: string[] = []
  for (let shift = 0; shift < 3; shift += 1) {
    const shifted = Buffer.concat([Buffer.alloc(shift), bytes])
    const whole = Math.floor(shifted.length / 3) * 4
    // A shifted encoding's first group mixes the zero bytes in; from its next group on, only `bytes`.
    const text = shifted.toString('base64').slice(shift === 0 ? 0 : 4, whole)
    forms.push(text)
    if (shift === 0) forms.push(shifted.toString('base64').replace(/=+$/, ''))
  }
  return forms.flatMap((form) => [form, form.replace(/\+/g, '-').replace(/\//g, '_')])
}

/**
 * Common encodings of a secret a hook may log instead of the value itself (finding 9 of the
 * security review): base64 and base64url (at every alignment), hex in both cases,
 * percent-encoding (both hex cases, and `+` for a space as in forms), and the value in upper and
 * lower case. Best effort: a hook that wants to leak a secret can always transform it further.
 */
function encodedForms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8')
  const hex = bytes.toString('hex')
  const percent = encodeURIComponent(value)
  const lowerPercent = percent.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase())
  return [
    ...base64Forms(bytes),
    hex,
    hex.toUpperCase(),
    percent,
    lowerPercent,
    percent.replace(/%20/g, '+'),
    lowerPercent.replace(/%20/g, '+'),
    value.toUpperCase(),
    value.toLowerCase(),
  ].filter((form) => form.length >= MIN_ENCODED_NEEDLE_CHARS && form !== value)
}

/**
 * The forms a secret value takes in text a hook produces: as it is, JSON-escaped (`%j`,
 * `JSON.stringify`), and as `util.inspect` writes it (`console.log(secrets)`), which also splits
 * a long string after each newline into `'line\n' +` pieces: each such line is searched for
 * too, and cuts a string longer than `INSPECT_MAX_STRING_CHARS`. Longest first.
 */
function needles(secrets: Readonly<Record<string, string>>): string[] {
  const forms = new Set<string>()
  const add = (form: string) => {
    if (form.length >= MIN_REDACTED_SECRET_CHARS) forms.add(form)
  }
  for (const value of Object.values(secrets)) {
    if (value.length < MIN_REDACTED_SECRET_CHARS) continue
    forms.add(value)
    add(JSON.stringify(value).slice(1, -1))
    for (const form of encodedForms(value)) forms.add(form)
    // inspect prints a long value cut short: its first part is searched for as well.
    const inspected =
      value.length > INSPECT_MAX_STRING_CHARS
        ? [value, value.slice(0, INSPECT_MAX_STRING_CHARS)]
        : [value]
    for (const shown of inspected) {
      const lines = shown.split(/(?<=\n)/)
      for (const escapeQuote of [true, false]) {
        add(inspectEscaped(shown, escapeQuote))
        if (lines.length > 1) for (const line of lines) add(inspectEscaped(line, escapeQuote))
      }
    }
  }
  return [...forms].sort((a, b) => b.length - a.length)
}

/**
 * The needles of each secrets object, worked out once (issue 23): the dispatcher hands the same
 * object to every run of a hook until the hook changes. Secrets objects are never mutated.
 */
const NEEDLES = new WeakMap<Readonly<Record<string, string>>, readonly string[]>()

function needlesOf(secrets: Readonly<Record<string, string>>): readonly string[] {
  let found = NEEDLES.get(secrets)
  if (found === undefined) {
    found = needles(secrets)
    NEEDLES.set(secrets, found)
  }
  return found
}

function scrub(text: string, values: readonly string[]): string {
  let out = text
  for (const value of values) out = out.split(value).join(REDACTION)
  return out
}

/** Every string inside `value` (objects and arrays included) with the secret values removed. */
export function redactDeep<T>(value: T, secrets: Readonly<Record<string, string>>): T {
  const values = needlesOf(secrets)
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
  const values = needlesOf(secrets)
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
