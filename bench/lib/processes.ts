/**
 * The parent's side of the bench's child processes: the openhooks server (bench/lib/app-server.ts)
 * and the webhook server (bench/lib/webhook-server.ts), both on 127.0.0.1. Every wait for a child
 * has a deadline, and `close()` ends the child it started.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { RunnerStats } from '../../src/sandbox/runner.js'

/** How long a child may take to build its apps and listen. */
export const CHILD_START_TIMEOUT_MS = 60_000
/** How long one IPC request to a child may take (seeding 10,000 hooks included). */
export const CHILD_REQUEST_TIMEOUT_MS = 120_000
/** How long a child may take to exit once disconnected, before it is killed. */
export const CHILD_EXIT_TIMEOUT_MS = 10_000

export interface AppSpec {
  readonly name: string
  /** Who runs hooks: nobody, the isolate sandbox, or a webhook at this loopback URL. */
  readonly runner: 'none' | 'sandbox' | { readonly webhook: string }
  /** The sandbox's LRU of warm isolates per worker. */
  readonly maxWarmIsolates?: number
  /** The sandbox's heap budget for warm isolates per worker, in MB (default 1024). */
  readonly maxWarmHeapMb?: number
  /**
   * Workers of the `credentials-exchange` hook alone (the server's OPENHOOKS_SANDBOX_TOKEN_WORKERS);
   * default 0 here, so that the other scenarios keep measuring one shared worker.
   */
  readonly tokenWorkers?: number
  /** Extra configuration (`OPENHOOKS_*`). */
  readonly env?: Readonly<Record<string, string>>
  /**
   * A `postgres://` URL: the app's store is on PostgreSQL (a database of its own) instead of
   * SQLite on disk.
   */
  readonly postgresUrl?: string
}

export type ServerRequest =
  | { readonly id: number; readonly type: 'stats'; readonly app: string }
  | { readonly id: number; readonly type: 'db-statements' }
  | {
      readonly id: number
      readonly type: 'seed-hooks'
      readonly app: string
      readonly prefix: string
      readonly triggerId: string
      readonly scripts: readonly string[]
    }

export interface ServerReply {
  readonly id: number
  readonly result?: unknown
  readonly error?: string
}

export interface AppEndpoint {
  readonly url: string
  /** A Management API token with every scope. */
  readonly token: string
}

export interface AppServer {
  readonly apps: Readonly<Record<string, AppEndpoint>>
  readonly pid: number
  stats(app: string): Promise<RunnerStats>
  /**
   * SQL statements the server process has sent to its databases so far, all apps together (each
   * is one round trip on PostgreSQL); see bench/lib/statement-counter.ts.
   */
  dbStatements(): Promise<{ sqlite: number; postgres: number }>
  seedHooks(app: string, prefix: string, triggerId: string, scripts: string[]): Promise<string[]>
  close(): Promise<void>
}

/** The argument that tells bench/lib/app-server.ts to start tracing. */
export const TRACING_ARGUMENT = '--tracing'

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url))

function forkTs(
  file: string,
  args: string[],
  extraExecArgv: readonly string[],
  env?: Readonly<Record<string, string>>,
): ChildProcess {
  return fork(here(file), args, {
    execArgv: ['--no-node-snapshot', '--import', 'tsx', ...extraExecArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    ...(env !== undefined ? { env: { ...process.env, ...env } } : undefined),
  })
}

function firstMessage<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${what} did not start within ${String(CHILD_START_TIMEOUT_MS)} ms`))
    }, CHILD_START_TIMEOUT_MS)
    child.once('message', (message) => {
      clearTimeout(timer)
      resolve(message as T)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${what} exited with ${String(code)} before it was ready`))
    })
  })
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_EXIT_TIMEOUT_MS)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    if (child.connected) child.disconnect()
    else child.kill('SIGTERM')
  })
}

/** Options of the whole server process (what is per process, not per app). */
export interface AppServerOptions {
  /**
   * Starts OpenTelemetry tracing in the process, as `openhooks serve` does, with these `OTEL_*`
   * variables added to its environment (the exporter reads them there).
   */
  readonly tracingEnv?: Readonly<Record<string, string>>
}

/**
 * Starts one server process with the given apps. `execArgv` adds Node flags to it (for example
 * `--cpu-prof` when `BENCH_CPU_PROF` is set).
 */
export async function startAppServer(
  specs: readonly AppSpec[],
  options: AppServerOptions = {},
): Promise<AppServer> {
  const profile =
    process.env.BENCH_CPU_PROF !== undefined
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
      : []
  const tracing = options.tracingEnv !== undefined ? [TRACING_ARGUMENT] : []
  const child = forkTs(
    './app-server.ts',
    [JSON.stringify(specs), ...tracing],
    profile,
    options.tracingEnv,
  )
  const { ready } = await firstMessage<{ ready: Record<string, AppEndpoint> }>(
    child,
    'the bench server',
  )
  let nextId = 1
  const waiting = new Map<number, (reply: ServerReply) => void>()
  child.on('message', (message: ServerReply) => waiting.get(message.id)?.(message))
  const ask = <T>(request: ServerRequest): Promise<T> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(request.id)
        reject(new Error(`${request.type} took over ${String(CHILD_REQUEST_TIMEOUT_MS)} ms`))
      }, CHILD_REQUEST_TIMEOUT_MS)
      waiting.set(request.id, (reply) => {
        clearTimeout(timer)
        waiting.delete(request.id)
        if (reply.error !== undefined) reject(new Error(reply.error))
        else resolve(reply.result as T)
      })
      child.send(request)
    })
  return {
    apps: ready,
    pid: child.pid ?? -1,
    stats: (app) => ask<RunnerStats>({ id: nextId++, type: 'stats', app }),
    dbStatements: () =>
      ask<{ sqlite: number; postgres: number }>({ id: nextId++, type: 'db-statements' }),
    seedHooks: (app, prefix, triggerId, scripts) =>
      ask<string[]>({ id: nextId++, type: 'seed-hooks', app, prefix, triggerId, scripts }),
    close: () => stop(child),
  }
}

/** Starts the webhook server of the token scenario in its own process. */
export async function startWebhookServer(): Promise<{ url: string; close(): Promise<void> }> {
  const child = forkTs('./webhook-server.ts', [], [])
  const { url } = await firstMessage<{ url: string }>(child, 'the webhook server')
  return { url, close: () => stop(child) }
}

/** Starts the upstream of the runtime bench's fetch case in its own process. */
export async function startFetchTargetServer(
  body: string,
): Promise<{ url: string; port: number; pid: number; close(): Promise<void> }> {
  const child = forkTs('./fetch-target-server.ts', [], [])
  const started = firstMessage<{ url: string; port: number }>(child, 'the fetch target')
  child.send({ body })
  const { url, port } = await started
  return { url, port, pid: child.pid ?? -1, close: () => stop(child) }
}

/** Starts oidc-provider, the token endpoint's peer (bench/lib/oidc-provider-server.ts). */
export async function startOidcProviderServer(): Promise<{
  url: string
  /** The form body of one client-credentials token request. */
  body: string
  pid: number
  close(): Promise<void>
}> {
  // BENCH_CPU_PROF profiles the peer as it does openhooks' servers.
  const profile =
    process.env.BENCH_CPU_PROF !== undefined
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
      : []
  const child = forkTs('./oidc-provider-server.ts', [], profile)
  const { url, body, pid } = await firstMessage<{ url: string; body: string; pid: number }>(
    child,
    'oidc-provider',
  )
  return { url, body, pid, close: () => stop(child) }
}
