#!/usr/bin/env node
// Runs the compatibility suite: test/compat/*.compat.ts, Auth0's own clients (the `auth0` SDK
// majors and `a0deploy`) against openhooks over HTTPS. Kept out of `npm test` (its files do not
// end in .test.ts) because it takes minutes and gigabytes. Arguments narrow the set, as for
// scripts/run-tests.js: `npm run test:compat -- sdk`.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'

const root = join('test', 'compat')
const filters = process.argv.slice(2)
const files = readdirSync(root)
  .filter((f) => f.endsWith('.compat.ts'))
  .map((f) => join(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()
if (files.length === 0) {
  console.error(`no compat files match ${filters.join(' ')}`)
  process.exit(1)
}
const started = Date.now()
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '2'}`,
    ...files,
  ],
  { stdio: 'inherit' },
)
console.log(`compat suite: ${((Date.now() - started) / 1000).toFixed(1)} s`)
process.exit(result.status ?? 1)
