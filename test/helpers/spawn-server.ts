import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const CLI_ENTRY = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))
/**
 * How long a spawned server may take to start listening: a deadline for a server that cannot
 * start, not a speed bound (tsx compiles the sources and the workers start on a machine that may
 * have a load average of 20; idle, it takes about two seconds).
 */
export const SERVER_START_TIMEOUT_MS = 120_000

export interface RunningServer {
  readonly child: ChildProcessWithoutNullStreams
  readonly url: string
  stdout(): string
  stderr(): string
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>
}

/**
 * Starts `openhooks serve` from source (through tsx) and waits until it listens, at most
 * `startTimeoutMs` (SERVER_START_TIMEOUT_MS unless given).
 */
export async function spawnServer(
  env: Record<string, string>,
  options: { readonly startTimeoutMs?: number } = {},
): Promise<RunningServer> {
  const startTimeoutMs = options.startTimeoutMs ?? SERVER_START_TIMEOUT_MS
  const child = spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, 'serve'], {
    // Tests reach only servers they start, and allow those explicitly (issue 9).
    env: {
      ...process.env,
      PORT: '0',
      OPENHOOKS_LOG_LEVEL: 'info',
      OPENHOOKS_EGRESS: 'allowlist',
      ...env,
    },
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')))
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`server did not start within ${startTimeoutMs} ms:\n${out}\n${err}`))
    }, startTimeoutMs)
    const poll = setInterval(() => {
      const match = /"event":"server.started","url":"([^"]+)"/.exec(out)
      if (match?.[1] !== undefined) {
        clearInterval(poll)
        clearTimeout(timer)
        resolve(match[1])
      }
    }, 25)
    void exited.then((code) => {
      clearInterval(poll)
      clearTimeout(timer)
      reject(new Error(`server exited with ${String(code)} before listening:\n${out}\n${err}`))
    })
  })
  return { child, url, stdout: () => out, stderr: () => err, exited }
}

/** A Management API token from a spawned server, by the client-credentials grant. */
export async function managementToken(
  server: RunningServer,
  client: { readonly id: string; readonly secret: string; readonly issuer: string },
): Promise<string> {
  const res = await fetch(`${server.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: client.id,
      client_secret: client.secret,
      audience: `${client.issuer}api/v2/`,
    }),
  })
  if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { access_token: string }).access_token
}

/** Runs the CLI to completion. */
export function runCli(
  args: readonly string[],
  env: Record<string, string>,
  options: { cwd?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // tsx by its resolved URL: the command may run in a folder without node_modules.
    const child = spawn(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), CLI_ENTRY, ...args],
      {
        env: { ...process.env, OPENHOOKS_EGRESS: 'allowlist', ...env },
        ...(options.cwd !== undefined ? { cwd: options.cwd } : undefined),
      },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })
}
