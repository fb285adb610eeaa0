import { makeCertificate } from '../helpers/tls-certificate.js'
/**
 * The compatibility suite's setup: a throwaway certificate made with openssl, openhooks started
 * over HTTPS by its own `serve` command, a recording TLS proxy in front of it (the "tenant domain"
 * the clients use, so that the suite can see what they send), and child processes for Auth0's
 * clients, started with NODE_EXTRA_CA_CERTS (Node reads it only at process start).
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https'
import { createServer as createNetServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createKeyring } from '../../src/crypto/keys.js'
import { HookService } from '../../src/hooks/hook-service.js'
import { createLogger } from '../../src/logging/logger.js'
import { DATABASE_FILE } from '../../src/main.js'
import { openSqliteStore } from '../../src/storage/sql/sqlite.js'
import { CLI_ENTRY, spawnServer, type RunningServer } from '../helpers/spawn-server.js'

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** How long openssl may take to make a key and certificate. */
export /**
 * How long one client process may run: for a hung client, not a slow machine. `a0deploy import`
 * takes about 45 s on two quiet cores, and ran over 180 s at a load average of 30.
 */
const CHILD_TIMEOUT_MS = 900_000
export const CLIENT_ID = 'compat-client'
export const CLIENT_SECRET = 'compat-client-secret-0123456789'

/** What the helpers need of a test context: somewhere to register clean-up. */
export interface Cleanup {
  after(fn: () => unknown): void
}

/** A clean-up list for a whole suite: `before` fills it, `after` runs it in reverse. */
export function suiteCleanup(): Cleanup & { run(): Promise<void> } {
  const fns: (() => unknown)[] = []
  return {
    after: (fn) => fns.push(fn),
    run: async () => {
      for (const fn of fns.reverse()) await fn()
    },
  }
}

export function tempDir(t: Cleanup, prefix = 'openhooks-compat-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export { makeCertificate }

export async function freePort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** One request as the proxy saw it, and its answer once the answer is complete. */
export interface RecordedRequest {
  readonly method: string
  readonly url: string
  readonly contentType: string | undefined
  readonly body: string
  readonly response?: { readonly status: number; readonly body: string }
}

export interface TlsServer {
  /** What clients use as the Auth0 domain: `localhost:<port>` of the recording proxy. */
  readonly domain: string
  readonly url: string
  /** The certificate to trust (NODE_EXTRA_CA_CERTS). */
  readonly cert: string
  readonly requests: RecordedRequest[]
  readonly server: RunningServer
  readonly dataDir: string
  readonly masterKey: Buffer
}

/**
 * openhooks over HTTPS, behind a recording HTTPS proxy whose address is the issuer. Stopped
 * with `t.after`.
 */
export async function startTlsServer(t: Cleanup, certDir: string): Promise<TlsServer> {
  const { cert, key } = makeCertificate(certDir)
  const dataDir = tempDir(t, 'openhooks-compat-data-')
  const masterKey = randomBytes(32)
  const proxyPort = await freePort()
  const server = await spawnServer({
    PORT: String(await freePort()),
    OPENHOOKS_DATA_DIR: dataDir,
    OPENHOOKS_TLS_CERT: cert,
    OPENHOOKS_TLS_KEY: key,
    OPENHOOKS_ISSUER: `https://localhost:${proxyPort}/`,
    OPENHOOKS_ADMIN_CLIENT_ID: CLIENT_ID,
    OPENHOOKS_ADMIN_CLIENT_SECRET: CLIENT_SECRET,
    OPENHOOKS_MASTER_KEY: masterKey.toString('base64'),
    // a0deploy sends its reads in parallel; the rate limit is not under test here.
    OPENHOOKS_RATE_LIMIT_BURST: '100000',
    OPENHOOKS_RATE_LIMIT_PER_SECOND: '100000',
    OPENHOOKS_LOG_LEVEL: 'info',
  })
  t.after(() => server.child.kill('SIGKILL'))
  assert.match(server.url, /^https:\/\//)
  const upstream = new URL(server.url)
  const ca = readFileSync(cert)
  const requests: RecordedRequest[] = []
  const proxy = createHttpsServer(
    { cert: readFileSync(cert), key: readFileSync(key) },
    (req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const body = Buffer.concat(chunks)
        const index =
          requests.push({
            method: req.method ?? '',
            url: req.url ?? '',
            contentType: req.headers['content-type'],
            body: body.toString('utf8'),
          }) - 1
        const forward = httpsRequest(
          {
            host: '127.0.0.1',
            port: upstream.port,
            servername: 'localhost',
            ca,
            method: req.method,
            path: req.url,
            headers: req.headers,
          },
          (upstreamRes) => {
            res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers)
            const answer: Buffer[] = []
            upstreamRes.on('data', (chunk: Buffer) => answer.push(chunk))
            upstreamRes.on('end', () => {
              const recorded = requests[index]
              if (recorded === undefined) return
              requests[index] = {
                ...recorded,
                response: {
                  status: upstreamRes.statusCode ?? 502,
                  body: Buffer.concat(answer).toString('utf8'),
                },
              }
            })
            upstreamRes.pipe(res)
          },
        )
        forward.on('error', () => res.destroy())
        forward.end(body)
      })
    },
  )
  await new Promise<void>((resolve) => proxy.listen(proxyPort, '127.0.0.1', resolve))
  t.after(() => {
    proxy.closeAllConnections()
    proxy.close()
  })
  return {
    domain: `localhost:${proxyPort}`,
    url: `https://localhost:${proxyPort}`,
    cert,
    requests,
    server,
    dataDir,
    masterKey,
  }
}

export interface ChildResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly durationMs: number
}

/** Runs `node <args>` with the server's certificate trusted, to completion. */
export function runNode(
  server: TlsServer,
  args: readonly string[],
  env: Record<string, string> = {},
  options: { cwd?: string } = {},
): Promise<ChildResult> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: server.cert, FORCE_COLOR: '0', ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(
        new Error(`node ${args.join(' ')} ran over ${CHILD_TIMEOUT_MS} ms:\n${stdout}\n${stderr}`),
      )
    }, CHILD_TIMEOUT_MS)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr, durationMs: Date.now() - started })
    })
  })
}

const A0DEPLOY = join(REPO_ROOT, 'node_modules', 'auth0-deploy-cli', 'lib', 'index.js')

/**
 * `a0deploy` with the server as its tenant, hooks only, client credentials from the env, whatever
 * its exit code.
 */
export function runA0deploy(
  server: TlsServer,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<ChildResult> {
  return runNode(server, [A0DEPLOY, ...args], {
    AUTH0_DOMAIN: server.domain,
    AUTH0_CLIENT_ID: CLIENT_ID,
    AUTH0_CLIENT_SECRET: CLIENT_SECRET,
    AUTH0_INCLUDED_ONLY: '["hooks"]',
    ...env,
  })
}

/** `runA0deploy` that must succeed. */
export async function a0deploy(
  server: TlsServer,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<ChildResult> {
  const result = await runA0deploy(server, args, env)
  assert.equal(result.code, 0, `a0deploy ${args.join(' ')}:\n${result.stdout}\n${result.stderr}`)
  return result
}

/** `openhooks <args>` from source, pointed at the server with client credentials. */
export async function openhooks(server: TlsServer, args: readonly string[]): Promise<ChildResult> {
  return runNode(server, ['--import', 'tsx', CLI_ENTRY, ...args], {
    OPENHOOKS_URL: server.url,
    OPENHOOKS_CLIENT_ID: CLIENT_ID,
    OPENHOOKS_CLIENT_SECRET: CLIENT_SECRET,
  })
}

export interface HookState {
  readonly name: string
  readonly triggerId: string
  readonly enabled: boolean
  readonly script: string
  readonly dependencies: Record<string, string>
  readonly secrets: Record<string, string>
}

/**
 * Every hook the server holds, with its secret values, read from its database with its master
 * key (the API never shows values). Sorted by name.
 */
export async function serverState(server: TlsServer): Promise<HookState[]> {
  const store = await openSqliteStore({ filename: join(server.dataDir, DATABASE_FILE) })
  try {
    const hooks = new HookService({
      store,
      secretBox: createKeyring(server.masterKey).hookSecrets,
      logger: createLogger({ level: 'silent' }),
    })
    const state: HookState[] = []
    for (const hook of (await hooks.list({})).hooks) {
      state.push({
        name: hook.name,
        triggerId: hook.triggerId,
        enabled: hook.enabled,
        script: hook.script,
        dependencies: { ...hook.dependencies },
        secrets: await hooks.readSecrets(hook.id),
      })
    }
    return state.sort((a, b) => (a.name < b.name ? -1 : 1))
  } finally {
    await store.close()
  }
}
