/**
 * The browser tests serve the built dashboard (dist/dashboard, made by `npm run build`); one that
 * finds none builds it first, as `npm run build` would.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** Longest wait for the dashboard's build, in milliseconds (a deadline, not a speed bound). */
const BUILD_TIMEOUT_MS = 180_000

/** Builds dist/dashboard when it is missing. */
export function ensureDashboardBuilt(): void {
  if (existsSync(join(ROOT, 'dist', 'dashboard', 'index.html'))) return
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      join(ROOT, 'dashboard', 'vite.config.ts'),
      '--logLevel',
      'warn',
    ],
    { cwd: ROOT, timeout: BUILD_TIMEOUT_MS, stdio: 'inherit' },
  )
}
