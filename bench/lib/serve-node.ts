/**
 * Real `openhooks serve` processes for the cluster scenario: each runs from source (tsx) with its
 * own data folder and the environment given, writes its log to a file in that folder (as a
 * production node writes to its journal, without the bench reading every line), and is found
 * ready by its `server.started` line. `stop()` ends it (SIGTERM, then SIGKILL after a deadline)
 * and removes its folder. With `BENCH_CPU_PROF=DIR` the node writes a V8 CPU profile there
 * (`--cpu-prof`) when it exits; `cliEntry` runs another copy of the sources (an older commit's,
 * side by side with this one's).
 */
import { spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CHILD_EXIT_TIMEOUT_MS, CHILD_START_TIMEOUT_MS } from './processes.js'

const CLI_ENTRY = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))
/** Pause between two reads of a starting node's log, in milliseconds. */
const START_POLL_MS = 50

export interface ServeNode {
  readonly url: string
  readonly dataDir: string
  readonly pid: number
  stop(): Promise<void>
}

export async function startServeNode(
  name: string,
  env: Readonly<Record<string, string>>,
  options: { readonly cliEntry?: string } = {},
): Promise<ServeNode> {
  const dataDir = mkdtempSync(join(tmpdir(), `openhooks-bench-${name}-`))
  const logFile = join(dataDir, 'server.log')
  const log = openSync(logFile, 'a')
  const child = spawn(
    process.execPath,
    [
      '--no-node-snapshot',
      ...(process.env.BENCH_CPU_PROF !== undefined
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
        : []),
      '--import',
      'tsx',
      options.cliEntry ?? CLI_ENTRY,
      'serve',
    ],
    {
      env: { ...process.env, PORT: '0', ...env, OPENHOOKS_DATA_DIR: dataDir },
      stdio: ['ignore', log, log],
    },
  )
  closeSync(log)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) {
      // It ended before it was asked to: its log says why, and the folder is about to go.
      const tail = readFileSync(logFile, 'utf8').slice(-4_000)
      process.stderr.write(
        `node ${name} had exited (${String(child.exitCode ?? child.signalCode)}):\n${tail}\n`,
      )
    } else {
      const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_EXIT_TIMEOUT_MS)
      child.kill('SIGTERM')
      await exited
      clearTimeout(timer)
    }
    rmSync(dataDir, { recursive: true, force: true })
  }
  const deadline = Date.now() + CHILD_START_TIMEOUT_MS
  for (;;) {
    const text = readFileSync(logFile, 'utf8')
    const url = /"event":"server.started","url":"([^"]+)"/.exec(text)?.[1]
    if (url !== undefined) return { url, dataDir, pid: child.pid ?? -1, stop }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop()
      throw new Error(`node ${name} did not start:\n${text.slice(-2_000)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, START_POLL_MS))
  }
}
