/**
 * The npm client, run as a child process for the dependency resolver: one command under a
 * deadline (the whole process group is killed when it passes), with bounded output, and npm's
 * failures turned into `DependencyError`s (not found, registry unreachable, timeout).
 */
import { spawn } from 'node:child_process'
import { DependencyError } from './dependency-error.js'

/** Longest one HTTP request of npm to the registry may take, in milliseconds (`fetch-timeout`). */
export const NPM_FETCH_TIMEOUT_MS = 30_000

/** Output of one npm command kept for error messages, in bytes. */
export const MAX_NPM_OUTPUT_BYTES = 256 * 1024

export interface NpmResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly timedOut: boolean
  readonly spawnError?: string
}

/** How the resolver runs npm. */
export interface NpmOptions {
  /** The npm executable. */
  readonly npm: string
  /** Environment of the npm processes (npm reads its configuration from it). */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Registry URL; `undefined` uses npm's own configuration. */
  readonly registry: string | undefined
  /** Longest one command may take, in milliseconds. */
  readonly timeoutMs: number
}

export function runNpm(
  options: NpmOptions,
  args: readonly string[],
  cwd: string,
): Promise<NpmResult> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(options.env)) {
    // Our own Node options (a test loader, say) are not npm's business.
    if (value !== undefined && key !== 'NODE_OPTIONS') env[key] = value
  }
  const flags = [
    `--fetch-timeout=${NPM_FETCH_TIMEOUT_MS}`,
    // One retry with short backoff: a flaky registry gets a second chance, a dead one fails fast.
    '--fetch-retries=1',
    '--fetch-retry-mintimeout=500',
    '--fetch-retry-maxtimeout=2000',
    '--update-notifier=false',
    ...(options.registry !== undefined ? [`--registry=${options.registry}`] : []),
  ]
  return new Promise((resolve) => {
    let stdout = ''
    let stderr = ''
    let timedOut = false
    let done = false
    const finish = (result: NpmResult) => {
      if (done) return
      done = true
      clearTimeout(timer)
      resolve(result)
    }
    const child = spawn(options.npm, [...args, ...flags], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    const timer = setTimeout(() => {
      timedOut = true
      // npm may have started children of its own: end the whole process group.
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
      } catch {
        child.kill('SIGKILL')
      }
    }, options.timeoutMs)
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < MAX_NPM_OUTPUT_BYTES) stdout += chunk.toString('utf8')
    })
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_NPM_OUTPUT_BYTES) stderr += chunk.toString('utf8')
    })
    child.on('error', (error) => {
      finish({ code: null, stdout, stderr, timedOut, spawnError: error.message })
    })
    child.on('close', (code) => {
      finish({ code, stdout, stderr, timedOut })
    })
  })
}

/** Throws the `DependencyError` for a failed npm command; returns when it succeeded. */
export function throwNpmFailure(
  result: NpmResult,
  timeoutMs: number,
  name: string,
  spec: string,
  version?: string,
): void {
  const label = `${name}@${version ?? spec}`
  if (result.spawnError !== undefined) {
    throw new DependencyError(
      'install-failed',
      name,
      spec,
      `${label}: npm could not be started (${result.spawnError})`,
    )
  }
  if (result.timedOut) {
    throw new DependencyError(
      'timeout',
      name,
      spec,
      `${label}: the npm registry did not answer within ${timeoutMs} ms`,
    )
  }
  if (result.code === 0) return
  const { code, summary } = npmError(result)
  switch (code ?? '') {
    case 'E404':
    case 'ETARGET': {
      const noVersion = code === 'ETARGET' || /No match found/.test(summary ?? '')
      throw new DependencyError(
        'not-found',
        name,
        spec,
        noVersion
          ? `${name}@${spec}: no such version on the npm registry`
          : `${name}: no such package on the npm registry`,
      )
    }
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ERR_SOCKET_TIMEOUT':
      throw new DependencyError(
        'registry-unreachable',
        name,
        spec,
        `${label}: the npm registry could not be reached (${code})`,
      )
    default:
      throw new DependencyError(
        'install-failed',
        name,
        spec,
        `${label}: npm failed${code !== undefined ? ` (${code})` : ''}`,
      )
  }
}

/** The `code` and `summary` of npm's `--json` error object, else of its `npm error` lines. */
function npmError(result: NpmResult): { code?: string | undefined; summary?: string | undefined } {
  const json = /\{\s*"error"[\s\S]*\}\s*$/.exec(result.stdout)?.[0]
  if (json !== undefined) {
    try {
      const parsed = JSON.parse(json) as { error?: { code?: unknown; summary?: unknown } }
      if (typeof parsed.error?.code === 'string') {
        const summary = parsed.error.summary
        return {
          code: parsed.error.code,
          summary: typeof summary === 'string' ? summary : undefined,
        }
      }
    } catch {
      // fall back to the text
    }
  }
  return {
    code: /npm (?:error|ERR!) code (\S+)/.exec(result.stderr)?.[1],
    summary: /npm (?:error|ERR!) 404 (No match found[^\n]*)/.exec(result.stderr)?.[1],
  }
}
