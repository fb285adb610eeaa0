#!/usr/bin/env node
// Runs every *.test.ts below src/ and test/ with node's test runner through tsx. Node 20's
// `--test` does not expand globs itself. Arguments narrow the set: `npm test -- sandbox` runs the
// files whose path contains "sandbox".
//
// `--fast` (npm run test:fast) leaves out the slowest end-to-end files, listed in
// scripts/slow-test-files.json by scripts/test-timings.js from a run's timings (docs/testing.md):
// for the inner loop only; `npm test` runs everything and is what CI runs.
// `--timings FILE` also writes each top-level test's duration to FILE (scripts/timing-reporter.js).
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseTestArgs, selectTestFiles } from './test-args.js'

const roots = ['src', 'test']
// `--coverage` (npm run test:coverage) adds node's coverage report (lines, branches, functions).
let parsed
try {
  parsed = parseTestArgs(process.argv.slice(2))
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error))
  process.exit(1)
}
const { coverage, fast, timings, filters } = parsed
const slow = fast
  ? new Set(JSON.parse(readFileSync(new URL('./slow-test-files.json', import.meta.url), 'utf8')))
  : new Set()
const files = selectTestFiles(
  roots
    .flatMap((root) => readdirSync(root, { recursive: true }).map((f) => join(root, String(f))))
    .filter((f) => f.endsWith('.test.ts') && !f.split('/').includes('node_modules')),
  filters,
  slow,
)
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`)
  process.exit(1)
}
const reporters =
  timings === undefined
    ? []
    : [
        '--test-reporter=tap',
        '--test-reporter-destination=stdout',
        `--test-reporter=${new URL('./timing-reporter.js', import.meta.url).href}`,
        `--test-reporter-destination=${timings}`,
      ]
const result = spawnSync(
  process.execPath,
  [
    '--no-node-snapshot',
    '--import',
    'tsx',
    '--test',
    ...(coverage ? ['--experimental-test-coverage'] : []),
    ...reporters,
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '2'}`,
    ...files,
  ],
  { stdio: 'inherit' },
)
process.exit(result.status ?? 1)
