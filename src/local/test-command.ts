/**
 * `openhooks test [DIR]`: runs every `*.hook-test.json` under DIR (default: the current folder)
 * against its hook file and compares the result with `expect` (docs/local-development.md).
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliIo } from '../cli/cli-io.js'
import { firstJsonErrorOffset, lineAndColumn } from './json-position.js'
import { egressOf } from './run-command.js'
import { startLocalRunner, type LocalRunner } from './local-run.js'
import { declaredDependencies } from './hook-dependencies.js'

export const TEST_USAGE = `Usage: openhooks test [DIR] [--reporter spec|tap] [--egress MODE]

Runs every *.hook-test.json file under DIR (default: the current folder):
  { "hook": "./add-claims.js", "trigger": "credentials-exchange",
    "payload": { … }, "secrets": { "KEY": "value" },
    "expect": { "status": "success", "data": { … } } }
or "expect": { "error": { …fields the error must have… } }.

Exit codes: 0 every case passed, 1 a case failed or a file is not a valid test, 2 bad usage.
`

/** Suffix of the test files. */
export const HOOK_TEST_SUFFIX = '.hook-test.json'
/** Folders never searched. */
const SKIPPED_DIRS = new Set(['node_modules', '.git'])

interface CaseResult {
  readonly name: string
  readonly ok: boolean
  /** Why it failed: a message and, for a wrong result, a diff of expected against actual. */
  readonly details?: string
}

function findTestFiles(dir: string): string[] {
  const found: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) found.push(...findTestFiles(join(dir, entry.name)))
    } else if (entry.isFile() && entry.name.endsWith(HOOK_TEST_SUFFIX)) {
      found.push(join(dir, entry.name))
    }
  }
  return found.sort()
}

/** The JSON of a test file, or a readable error naming the file and the position. */
function parseTestFile(file: string, name: string): Record<string, unknown> | string {
  const text = readFileSync(file, 'utf8')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    const offset = firstJsonErrorOffset(text)
    const where = offset === undefined ? '' : ` (${lineAndColumn(text, offset)})`
    return `${name}: invalid JSON${where}: ${(error as Error).message}`
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `${name}: a test file holds one JSON object`
  }
  const test = value as Record<string, unknown>
  if (typeof test.hook !== 'string') return `${name}: "hook" must be the path of the hook file`
  if (typeof test.trigger !== 'string') return `${name}: "trigger" must be a trigger id`
  if (typeof test.expect !== 'object' || test.expect === null) {
    return `${name}: "expect" must be an object`
  }
  if (test.secrets !== undefined) {
    const secrets = test.secrets
    const ok =
      typeof secrets === 'object' &&
      secrets !== null &&
      Object.values(secrets).every((v) => typeof v === 'string')
    if (!ok) return `${name}: "secrets" must map names to strings`
  }
  return test
}

/** Empty when `actual` has every field of `expected`, else the assertion's diff. */
function difference(actual: unknown, expected: unknown): string | undefined {
  try {
    assert.deepStrictEqual(actual, expected)
    return undefined
  } catch (error) {
    return (error as Error).message
  }
}

/** `actual` reduced to the keys `expected` names (for `expect.error`). */
function pick(actual: unknown, expected: unknown): unknown {
  if (typeof actual !== 'object' || actual === null || typeof expected !== 'object') return actual
  if (expected === null || Array.isArray(expected)) return actual
  return Object.fromEntries(
    Object.keys(expected).map((key) => [key, (actual as Record<string, unknown>)[key]]),
  )
}

async function runCase(
  runner: LocalRunner,
  file: string,
  name: string,
  test: Record<string, unknown>,
): Promise<CaseResult> {
  const expect = test.expect as Record<string, unknown>
  let result
  try {
    const hookFile = resolve(dirname(file), test.hook as string)
    result = await runner.run({
      file: hookFile,
      trigger: test.trigger as string,
      payload: test.payload,
      secrets: (test.secrets as Record<string, string> | undefined) ?? {},
      dependencies: declaredDependencies(hookFile),
    })
  } catch (error) {
    if (error instanceof UsageError) return { name, ok: false, details: error.message }
    throw error
  }
  if (result.kind === 'invalid-payload') {
    return { name, ok: false, details: `the payload does not fit the trigger: ${result.message}` }
  }
  if (result.kind === 'dependency-error') {
    return {
      name,
      ok: false,
      details: `a dependency cannot run:\n${JSON.stringify(result.body, null, 2)}`,
    }
  }
  const { report } = result
  const wantError = expect.error !== undefined || expect.status === 'error'
  const problems: string[] = []
  const wantStatus = wantError ? 'error' : 'success'
  if (report.status !== wantStatus) {
    problems.push(
      `expected status ${wantStatus}, got ${report.status}: ${JSON.stringify(report.data)}`,
    )
  } else if (wantError && expect.error !== undefined) {
    const diff = difference(pick(report.data, expect.error), expect.error)
    if (diff !== undefined) problems.push(`the error differs:\n${diff}`)
  } else if (!wantError && 'data' in expect) {
    const diff = difference(report.data, expect.data)
    if (diff !== undefined) problems.push(`the result differs:\n${diff}`)
  }
  if (problems.length === 0) return { name, ok: true }
  const logs = report.logs.map((l) => `[${l.level}] ${l.message}`).join('\n')
  return {
    name,
    ok: false,
    details: `${problems.join('\n')}${logs === '' ? '' : `\nconsole output:\n${logs}`}`,
  }
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n')
}

export async function testCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: { reporter: { type: 'string' }, egress: { type: 'string' } },
  })
  if (positionals.length > 1) throw new UsageError('Give at most one folder')
  const reporter = values.reporter ?? 'spec'
  if (reporter !== 'spec' && reporter !== 'tap') {
    throw new UsageError('--reporter must be spec or tap')
  }
  const dir = resolve(io.cwd, positionals[0] ?? '.')
  let isDir = false
  try {
    isDir = statSync(dir).isDirectory()
  } catch {
    isDir = false
  }
  if (!isDir) throw new UsageError(`${dir} is not a folder`)
  const files = findTestFiles(dir)
  if (files.length === 0) throw new UsageError(`No *${HOOK_TEST_SUFFIX} files under ${dir}`)

  const tap = reporter === 'tap'
  if (tap) io.out(`TAP version 13\n1..${files.length}\n`)
  const results: CaseResult[] = []
  const runner = await startLocalRunner(io.env, egressOf(values.egress))
  try {
    for (const file of files) {
      const name = relative(dir, file)
      const parsed = parseTestFile(file, name)
      const result =
        typeof parsed === 'string'
          ? { name, ok: false, details: parsed }
          : await runCase(runner, file, name, parsed)
      results.push(result)
      const n = results.length
      if (tap) {
        io.out(`${result.ok ? 'ok' : 'not ok'} ${n} - ${name}\n`)
        if (result.details !== undefined) {
          io.out(`  ---\n  message: |-\n${indent(result.details, '    ')}\n  ...\n`)
        }
      } else {
        io.out(`${result.ok ? 'pass' : 'FAIL'} ${name}\n`)
        if (result.details !== undefined) io.out(`${indent(result.details, '    ')}\n`)
      }
    }
  } finally {
    await runner.close()
  }
  const failed = results.filter((r) => !r.ok).length
  const summary = `${results.length} tests, ${results.length - failed} passed, ${failed} failed`
  io.out(tap ? `# ${summary}\n` : `\n${summary}\n`)
  return failed === 0 ? EXIT_OK : EXIT_FAILURE
}
