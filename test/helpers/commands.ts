import { spawnSync } from 'node:child_process'

/**
 * `undefined` when `command` runs here; otherwise the reason a test that needs it is skipped.
 * Under `CI=true` a missing command is an error instead: `.ci/run` installs every command the
 * tests use, so CI never skips one.
 */
export function commandMissing(command: string): string | undefined {
  const probe = spawnSync(command, ['-V'], { stdio: 'ignore' })
  if (probe.error === undefined) return undefined
  if (process.env.CI === 'true') {
    throw new Error(`${command} is required under CI=true: .ci/run installs it`)
  }
  return `${command} is not installed (Debian: apt-get install -y ${command}); this test reads system calls with it`
}
