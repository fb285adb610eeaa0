/**
 * `openhooks types --out DIR`: writes TypeScript declarations of each extensibility point's
 * script (docs/local-development.md), for editors to complete `context.webtask.secrets` and the
 * user fields, and for `tsc` to check hooks.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { EXIT_OK, UsageError, type CliIo } from '../cli/cli-io.js'
import { renderAllDeclarations } from './hook-types.js'

export const TYPES_USAGE = `Usage: openhooks types --out DIR

Writes DIR/<trigger>.d.ts for each extensibility point: the script's arguments, context (with
context.webtask.secrets), the callback and the error classes. In a JavaScript hook:

  /** @type {import('./types/credentials-exchange').Hook} */
  module.exports = function (client, scope, audience, context, cb) { … }

Exit codes: 0 written, 1 the folder cannot be written, 2 bad usage.
`

export function typesCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: { out: { type: 'string' } },
  })
  if (positionals.length > 0) throw new UsageError(`Unexpected argument ${positionals[0] ?? ''}`)
  if (values.out === undefined || values.out === '') throw new UsageError('--out is required')
  const dir = resolve(io.cwd, values.out)
  mkdirSync(dir, { recursive: true })
  const files = renderAllDeclarations()
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  io.out(`Wrote ${Object.keys(files).length} declaration files to ${dir}\n`)
  return Promise.resolve(EXIT_OK)
}
