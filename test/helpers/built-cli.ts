/**
 * `bin/openhooks.js`, the installed command, runs dist/. Tests that spawn it first rebuild dist/
 * (tsc and the isolate bundle, as `npm run build` does) when a source file is newer than it.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const BIN = join(ROOT, 'bin', 'openhooks.js')
/** Longest wait for one build step, in milliseconds (a deadline, not a speed bound). */
const BUILD_STEP_TIMEOUT_MS = 600_000

function newestMtimeMs(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs)
  }
  return newest
}

/** Rebuilds dist/ when src/ changed since it was built; returns the path of bin/openhooks.js. */
export function ensureBuiltCli(): string {
  let built = 0
  try {
    built = statSync(join(ROOT, 'dist', 'sandbox', 'isolate-runtime.bundle.js')).mtimeMs
    built = Math.min(built, statSync(join(ROOT, 'dist', 'cli', 'main.js')).mtimeMs)
  } catch {
    built = 0
  }
  if (newestMtimeMs(join(ROOT, 'src')) > built) {
    const options = { cwd: ROOT, timeout: BUILD_STEP_TIMEOUT_MS, stdio: 'inherit' as const }
    execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      options,
    )
    execFileSync(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts', 'build-isolate.ts')],
      options,
    )
  }
  return BIN
}
