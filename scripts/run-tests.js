#!/usr/bin/env node
// Runs every *.test.ts below src/ and test/ with node's test runner through tsx. Node 20's
// `--test` does not expand globs itself. Arguments narrow the set: `npm test -- sandbox` runs the
// files whose path contains "sandbox".
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'

const roots = ['src', 'test']
// `--coverage` (npm run test:coverage) adds node's coverage report (lines, branches, functions).
const coverage = process.argv.includes('--coverage')
const filters = process.argv.slice(2).filter((arg) => arg !== '--coverage')
const files = roots
  .flatMap((root) => readdirSync(root, { recursive: true }).map((f) => join(root, String(f))))
  .filter((f) => f.endsWith('.test.ts') && !f.split('/').includes('node_modules'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`)
  process.exit(1)
}
const result = spawnSync(
  process.execPath,
  [
    '--no-node-snapshot',
    '--import',
    'tsx',
    '--test',
    ...(coverage ? ['--experimental-test-coverage'] : []),
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '2'}`,
    ...files,
  ],
  { stdio: 'inherit' },
)
process.exit(result.status ?? 1)
