/**
 * Helpers for the `openhooks export` and `import` tests: a real server listening on a free port
 * (in this process), the commands run in-process with captured output, and file trees.
 */
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { TestContext } from 'node:test'
import { runWithUsage, type CliIo } from '../../src/cli/cli-io.js'
import { EXPORT_USAGE, exportCommand, type CommandDeps } from '../../src/cli/export.js'
import { IMPORT_USAGE, importCommand } from '../../src/cli/import.js'
import {
  ADMIN_CLIENT_ID,
  ADMIN_CLIENT_SECRET,
  TEST_AUDIENCE,
  buildTestApp,
  startAppRunner,
  type TestApp,
  type TestAppOptions,
} from '../helpers/build-test-app.js'

export interface ListeningApp extends TestApp {
  readonly url: string
  /** Connection flags with client credentials. */
  readonly connection: string[]
}

/** buildTestApp, listening on 127.0.0.1 and a free port. */
export async function listeningApp(
  t: TestContext,
  options: TestAppOptions = {},
): Promise<ListeningApp> {
  // A real sandbox: an enabled credentials-exchange hook runs for the CLI's own token requests,
  // as it does on Auth0 (compat §4.1).
  const app = await buildTestApp(t, { runner: await startAppRunner(t), ...options })
  await app.server.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`
  return {
    ...app,
    url,
    connection: [
      '--url',
      url,
      '--client-id',
      ADMIN_CLIENT_ID,
      '--client-secret',
      ADMIN_CLIENT_SECRET,
      '--audience',
      TEST_AUDIENCE,
    ],
  }
}

/** Retries fast in tests. */
export const FAST_RETRIES: CommandDeps = {
  timing: { initialBackoffMs: 5, maxBackoffMs: 20, deadlineMs: 10_000, attemptTimeoutMs: 5_000 },
}

export interface CommandResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs `openhooks export|import` in-process, as src/cli/main.ts would. */
export async function run(
  command: 'export' | 'import',
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; deps?: CommandDeps } = {},
): Promise<CommandResult> {
  let stdout = ''
  let stderr = ''
  const io: CliIo = {
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    out: (text) => (stdout += text),
    err: (text) => (stderr += text),
  }
  const deps = options.deps ?? FAST_RETRIES
  const code = await runWithUsage(io, command === 'export' ? EXPORT_USAGE : IMPORT_USAGE, () =>
    command === 'export' ? exportCommand(args, io, deps) : importCommand(args, io, deps),
  )
  return { code, stdout, stderr }
}

export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'openhooks-cli-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Writes files given as relative path → content. */
export function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), content)
  }
}

/** Every file below `root`, as relative path → content, sorted by path. */
export function readTree(root: string): Record<string, string> {
  const paths = readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
    .sort()
  return Object.fromEntries(paths.map((p) => [p, readFileSync(join(root, p), 'utf8')]))
}

/**
 * The server's hooks with their secret values, sorted by name. Read through the service, not
 * HTTP, so that it does not spend the client's rate-limit tokens.
 */
export async function serverState(app: TestApp): Promise<
  {
    name: string
    triggerId: string
    enabled: boolean
    script: string
    dependencies: Record<string, string>
    secrets: Record<string, string>
  }[]
> {
  const { hooks } = await app.hooks.list({})
  const state = []
  for (const hook of hooks) {
    state.push({
      name: hook.name,
      triggerId: hook.triggerId,
      enabled: hook.enabled,
      script: hook.script,
      dependencies: { ...hook.dependencies },
      secrets: await app.hooks.readSecrets(hook.id),
    })
  }
  return state.sort((a, b) => (a.name < b.name ? -1 : 1))
}

/** A hook and its secrets, created through the API. */
export async function seedHook(
  app: TestApp,
  hook: {
    name: string
    triggerId: string
    script: string
    enabled?: boolean
    dependencies?: Record<string, string>
  },
  secrets: Record<string, string> = {},
): Promise<string> {
  const res = await app.api('POST', '/api/v2/hooks', hook)
  assert.equal(res.statusCode, 201, res.body)
  const { id } = res.json<{ id: string }>()
  if (Object.keys(secrets).length > 0) {
    const added = await app.api('POST', `/api/v2/hooks/${id}/secrets`, secrets)
    assert.equal(added.statusCode, 201, added.body)
  }
  return id
}

export type Intercept = (
  request: IncomingMessage,
  count: number,
) => { status: number; body: unknown; headers?: Record<string, string> } | 'drop' | undefined

/**
 * A proxy in front of `upstream` that can answer a request itself (`intercept` returns a
 * response), cut the connection ('drop'), or pass it on (`undefined`). `count` numbers the
 * requests with the same method and path, from 1. Records every request it saw.
 */
export async function faultyProxy(
  t: TestContext,
  upstream: string,
  intercept: Intercept,
): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = []
  const counts = new Map<string, number>()
  const target = new URL(upstream)
  const server = createServer((req, res) => {
    const key = `${req.method ?? ''} ${(req.url ?? '').split('?')[0] ?? ''}`
    const count = (counts.get(key) ?? 0) + 1
    counts.set(key, count)
    seen.push(key)
    const answer = intercept(req, count)
    if (answer === 'drop') {
      req.socket.destroy()
      return
    }
    if (answer !== undefined) {
      req.resume()
      res.writeHead(answer.status, {
        'content-type': 'application/json; charset=utf-8',
        ...answer.headers,
      })
      res.end(JSON.stringify(answer.body))
      return
    }
    const forward = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers)
        upstreamRes.pipe(res)
      },
    )
    req.pipe(forward)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => {
    server.closeAllConnections()
    server.close()
  })
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, seen }
}

/** Script texts per extensibility point. */
export const SCRIPT = {
  cce: 'module.exports = function (client, scope, audience, context, cb) {\n  cb(null, { scope })\n}\n',
  pre: 'module.exports = function (user, context, cb) {\n  cb(null, { user })\n}\n',
  post: 'module.exports = function (user, context, cb) {\n  cb()\n}\n',
} as const
