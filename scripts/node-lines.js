// The Node.js lines openhooks supports (docs/adr/0007-isolated-vm-per-node-line.md), and the one
// check that applies them: `npm install` runs this file as the `preinstall` script, and
// bin/openhooks.js calls `nodeLineVerdict` before it loads anything else. Plain JavaScript that
// imports only from Node.js itself, so that it runs (and refuses) on any Node.js, before the
// dependencies exist. Types: node-lines.d.ts.
import { pathToFileURL } from 'node:url'

/**
 * Each supported line: its major version, the first release of it openhooks supports, and the day
 * the Node.js project ends its support (after which openhooks still runs on it, with a warning,
 * until the line is dropped from this table). package.json `engines.node` is `engineRange()`.
 */
export const NODE_LINES = [
  // 20.19 is the first 20.x where `require()` of an ES module works without a flag.
  { major: 20, minimum: '20.19.0', endOfLife: '2026-04-30' },
  // 22.13: the development tools (ESLint's eslint-visitor-keys) declare ^22.13.0.
  { major: 22, minimum: '22.13.0', endOfLife: '2027-04-30' },
  { major: 24, minimum: '24.0.0', endOfLife: '2028-04-30' },
  { major: 26, minimum: '26.0.0', endOfLife: '2029-04-30' },
]

/** The line the README recommends: the fastest supported one in docs/performance.md. */
export const RECOMMENDED_MAJOR = 26

/** `engines.node` of package.json, built from NODE_LINES. */
export function engineRange() {
  return NODE_LINES.map((line) => `^${line.minimum}`).join(' || ')
}

/** "20.19+, 22.13+, 24 or 26 (26 recommended)" */
export function supportedLinesText() {
  const names = NODE_LINES.map((line) =>
    line.minimum.endsWith('.0.0') ? String(line.major) : `${minorOf(line.minimum)}+`,
  )
  const last = names.pop()
  return `${names.join(', ')} or ${last} (${RECOMMENDED_MAJOR} recommended)`
}

/**
 * What to do on Node.js `version` (as in `process.versions.node`) on day `today`:
 * `{ level: 'ok' }`, `{ level: 'warn', message }` (a line past its end of life) or
 * `{ level: 'refuse', message }` (not supported: stop). Each message is one line.
 */
export function nodeLineVerdict(version, today) {
  const [major, minor, patch] = version.split('.').map(Number)
  const line = NODE_LINES.find((l) => l.major === major)
  const supported = `supported: Node.js ${supportedLinesText()}`
  if (line === undefined || compareVersions([major, minor, patch], line.minimum) < 0) {
    return {
      level: 'refuse',
      message: `openhooks: Node.js ${version} is not supported; ${supported}.`,
    }
  }
  if (today.toISOString().slice(0, 10) > line.endOfLife) {
    return {
      level: 'warn',
      message:
        `openhooks: warning: Node.js ${line.major} is past its end of life (${line.endOfLife}) ` +
        `and gets no security fixes; ${supported}.`,
    }
  }
  return { level: 'ok' }
}

function minorOf(version) {
  return version.split('.').slice(0, 2).join('.')
}

function compareVersions(parts, minimum) {
  const min = minimum.split('.').map(Number)
  for (let i = 0; i < 3; i += 1) {
    const a = parts[i] ?? 0
    const b = min[i] ?? 0
    if (a !== b) return a < b ? -1 : 1
  }
  return 0
}

// Run as a script (`npm install`'s preinstall): refuse an unsupported Node.js with one line and
// exit code 1; warn on a line past its end of life. npm runs a project's own preinstall after the
// install scripts of its dependencies (their native builds), so what stops an install at once is
// `engine-strict` in .npmrc; this is the guard for an install without it.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const verdict = nodeLineVerdict(process.versions.node, new Date())
  if (verdict.level !== 'ok') process.stderr.write(`${verdict.message}\n`)
  if (verdict.level === 'refuse') process.exitCode = 1
}
