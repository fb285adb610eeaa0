/**
 * A parser of Prometheus' text exposition format (version 0.0.4), for tests that read `/metrics`:
 * `# HELP` and `# TYPE` lines, samples `name{label="value",…} value [timestamp]` with the format's
 * escapes in label values. Throws on any line it cannot read, so a malformed output fails the test.
 */
export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

export interface Exposition {
  /** Family name → declared type. */
  readonly types: ReadonlyMap<string, string>
  readonly samples: readonly Sample[]
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/

/** Values are read as Go's strconv.ParseFloat reads them (Prometheus' parser): NaN and Inf in any case. */
function parseValue(text: string): number {
  const lower = text.toLowerCase()
  if (lower === '+inf' || lower === 'inf') return Infinity
  if (lower === '-inf') return -Infinity
  if (lower === 'nan') return NaN
  const value = Number(text)
  if (text === '' || Number.isNaN(value)) throw new Error(`not a sample value: ${text}`)
  return value
}

function parseLabels(text: string, line: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {}
  let rest = text
  for (;;) {
    rest = rest.trimStart()
    if (rest.startsWith('}')) return { labels, rest: rest.slice(1) }
    const name = LABEL_NAME.exec(rest)?.[0]
    if (name === undefined) throw new Error(`bad label name in: ${line}`)
    rest = rest.slice(name.length)
    if (!rest.startsWith('="')) throw new Error(`bad label in: ${line}`)
    rest = rest.slice(2)
    let value = ''
    for (;;) {
      const char = rest[0]
      if (char === undefined) throw new Error(`unterminated label value in: ${line}`)
      rest = rest.slice(1)
      if (char === '"') break
      if (char === '\\') {
        const escaped = rest[0]
        rest = rest.slice(1)
        if (escaped === 'n') value += '\n'
        else if (escaped === '\\' || escaped === '"') value += escaped
        else throw new Error(`bad escape in: ${line}`)
      } else value += char
    }
    if (Object.hasOwn(labels, name)) throw new Error(`repeated label ${name} in: ${line}`)
    labels[name] = value
    rest = rest.trimStart()
    if (rest.startsWith(',')) rest = rest.slice(1)
    else if (!rest.startsWith('}')) throw new Error(`expected , or } in: ${line}`)
  }
}

export function parsePrometheusText(text: string): Exposition {
  const types = new Map<string, string>()
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line)
      if (match === null) continue // a comment
      if (match[1] === 'TYPE') {
        const type = match[3] ?? ''
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type)) {
          throw new Error(`unknown type in: ${line}`)
        }
        types.set(match[2] ?? '', type)
      }
      continue
    }
    const name = NAME.exec(line)?.[0]
    if (name === undefined) throw new Error(`bad sample line: ${line}`)
    let rest = line.slice(name.length)
    let labels: Record<string, string> = {}
    if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest.slice(1), line))
    const parts = rest.trim().split(/\s+/)
    if (parts.length < 1 || parts.length > 2) throw new Error(`bad sample line: ${line}`)
    samples.push({ name, labels, value: parseValue(parts[0] ?? '') })
  }
  return { types, samples }
}

/** The value of the one sample `name` with exactly these labels (missing: 0, as a fresh series). */
export function sampleValue(
  exposition: Exposition,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  const wanted = Object.entries(labels).sort()
  const found = exposition.samples.filter(
    (sample) =>
      sample.name === name &&
      JSON.stringify(Object.entries(sample.labels).sort()) === JSON.stringify(wanted),
  )
  if (found.length > 1)
    throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`)
  return found[0]?.value ?? 0
}
