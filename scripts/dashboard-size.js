#!/usr/bin/env node
// Prints the dashboard's first-load JavaScript, gzipped: the scripts index.html loads (its module
// entry and any modulepreload links), which is what a browser fetches before the first page
// shows. Lazily loaded chunks (the editor page, with CodeMirror) are listed separately.
// Exits 1 when first-load JS exceeds the budget of issue 6.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

const BUDGET_BYTES = 400 * 1024
const dir = join(import.meta.dirname, '..', 'dist', 'dashboard')
const html = readFileSync(join(dir, 'index.html'), 'utf8')
const firstLoad = new Set(
  [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]),
)
const gz = (file) => gzipSync(readFileSync(join(dir, file)), { level: 9 }).length
const kb = (n) => `${(n / 1024).toFixed(1)} KB`
let first = 0
for (const file of readdirSync(join(dir, 'assets')).map((f) => `assets/${f}`)) {
  if (!file.endsWith('.js')) continue
  const size = gz(file)
  const isFirst = firstLoad.has(file)
  if (isFirst) first += size
  console.log(`${isFirst ? 'first load' : 'lazy      '}  ${kb(size).padStart(9)}  ${file}`)
}
console.log(`first-load JS, gzipped: ${kb(first)} (budget ${kb(BUDGET_BYTES)})`)
process.exit(first <= BUDGET_BYTES ? 0 : 1)
