#!/usr/bin/env node
// Turns the timings of test runs (`node scripts/run-tests.js --timings FILE`, one JSON line per
// top-level test: scripts/timing-reporter.js) into the report of the slowest test files in
// docs/testing.md, and the list `npm run test:fast` leaves out (scripts/slow-test-files.json).
//
//   node scripts/test-timings.js [--note "how the timings were taken"] FILE...
//
// A file's time is the sum of its top-level tests' durations: the time its tests ran, without
// loading the file. Files of one run run two at a time (TEST_CONCURRENCY), so the sum over files
// is about twice the run's wall time.
import { readFileSync, writeFileSync } from 'node:fs'
import { relative } from 'node:path'

/** A file whose tests take this long or longer (ms) is left out of `npm run test:fast`. */
export const SLOW_FILE_MS = 8_000
/** Rows of the report. */
const REPORT_ROWS = 25
const BEGIN = '<!-- slowest-test-files:begin (scripts/test-timings.js) -->'
const END = '<!-- slowest-test-files:end -->'

const args = process.argv.slice(2)
const noteAt = args.indexOf('--note')
const note = noteAt >= 0 ? args[noteAt + 1] : undefined
const inputs = args.filter((arg, i) => arg !== '--note' && (noteAt < 0 || i !== noteAt + 1))
if (inputs.length === 0) {
  console.error('usage: node scripts/test-timings.js [--note TEXT] TIMINGS.jsonl...')
  process.exit(1)
}

const root = new URL('..', import.meta.url).pathname
/** @type {Map<string, { ms: number, tests: number, failed: number }>} */
const byFile = new Map()
for (const input of inputs) {
  for (const line of readFileSync(input, 'utf8').split('\n')) {
    if (line.trim() === '') continue
    const { file, durationMs, ok } = JSON.parse(line)
    const path = relative(root, file)
    const entry = byFile.get(path) ?? { ms: 0, tests: 0, failed: 0 }
    entry.ms += durationMs
    entry.tests += 1
    if (!ok) entry.failed += 1
    byFile.set(path, entry)
  }
}
const rows = [...byFile.entries()].sort((a, b) => b[1].ms - a[1].ms)
const totalMs = rows.reduce((sum, [, entry]) => sum + entry.ms, 0)
// Only test files can be left out: a helper that declares tests (a contract) runs with its importer.
const isSlow = ([path, entry]) => entry.ms >= SLOW_FILE_MS && path.endsWith('.test.ts')
const slow = rows.filter(isSlow).map(([path]) => path)
const slowMs = rows.filter(isSlow).reduce((sum, [, e]) => sum + e.ms, 0)

const seconds = (ms) => (ms / 1000).toFixed(1)
const table = [
  '| File | Tests | Time (s) | Share |',
  '| --- | ---: | ---: | ---: |',
  ...rows
    .slice(0, REPORT_ROWS)
    .map(
      ([path, e]) =>
        `| \`${path}\`${slow.includes(path) ? ' (slow)' : ''} | ${e.tests} | ${seconds(e.ms)} | ${((100 * e.ms) / totalMs).toFixed(1)} % |`,
    ),
].join('\n')
const failed = rows.filter(([, e]) => e.failed > 0).map(([path]) => `\`${path}\``)
const section = [
  BEGIN,
  '',
  `${rows.length} files, ${seconds(totalMs)} s of test time in all${note !== undefined ? ` (${note})` : ''}. ` +
    `The ${slow.length} files marked slow (${SLOW_FILE_MS / 1000} s or more each) hold ` +
    `${((100 * slowMs) / totalMs).toFixed(0)} % of it; \`npm run test:fast\` leaves them out.` +
    (failed.length > 0 ? ` Files with a failed test in these runs: ${failed.join(', ')}.` : ''),
  '',
  table,
  '',
  END,
].join('\n')

const docPath = new URL('../docs/testing.md', import.meta.url)
const doc = readFileSync(docPath, 'utf8')
const start = doc.indexOf(BEGIN)
const end = doc.indexOf(END)
if (start < 0 || end < 0) {
  console.error(`docs/testing.md has no ${BEGIN} … ${END} section`)
  process.exit(1)
}
writeFileSync(docPath, doc.slice(0, start) + section + doc.slice(end + END.length))
writeFileSync(
  new URL('./slow-test-files.json', import.meta.url),
  `${JSON.stringify(slow.sort(), null, 2)}\n`,
)
console.log(`docs/testing.md: ${rows.length} files; ${slow.length} slow`)
