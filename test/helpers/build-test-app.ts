import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { Writable } from 'node:stream'
import type { LightMyRequestResponse } from 'fastify'
import { buildApp, type App, type AppDependencies } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config/load-config.js'
import { createKeyring, type Keyring } from '../../src/crypto/keys.js'
import { createLogger } from '../../src/logging/logger.js'
import { openSqliteStore } from '../../src/storage/sql/sqlite.js'
import type { Store } from '../../src/storage/store.js'
import { startProcessRunner } from '../../src/sandbox/process-runner.js'
import { TEST_WORKER_START_TIMEOUT_MS } from '../sandbox/sandbox-helpers.js'
import type { HookRunner, RunLimits } from '../../src/sandbox/runner.js'
import type { EgressPolicy } from '../../src/sandbox/egress.js'
import { pino } from 'pino'
import { signAccessToken } from '../../src/tokens/access-token.js'
import { ensureAdminClient } from '../../src/tokens/admin-client.js'
import { MANAGEMENT_SCOPES } from '../../src/tokens/management-scopes.js'
import {
  TOKEN_SIGNING_ALG,
  loadOrCreateSigningKeys,
  type SigningKeys,
} from '../../src/tokens/signing-keys.js'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose'
import type { SecretBox } from '../../src/crypto/keys.js'
import { readAfterFlush } from '../../src/tenant-log/tenant-log.js'
import type { DependencyLoader } from '../../src/hooks/dependencies.js'
import type { Metrics } from '../../src/observability/metrics.js'

/** One RSA key for the whole test process: generating one per app would cost ~0.5 s each. */
let sharedKey: Promise<{ kid: string; publicJwk: JWK; privateJwk: JWK }> | undefined
function sharedSigningKey(): Promise<{ kid: string; publicJwk: JWK; privateJwk: JWK }> {
  sharedKey ??= (async () => {
    const { publicKey, privateKey } = await generateKeyPair(TOKEN_SIGNING_ALG, {
      extractable: true,
    })
    const publicJwk = await exportJWK(publicKey)
    return {
      kid: await calculateJwkThumbprint(publicJwk),
      publicJwk,
      privateJwk: await exportJWK(privateKey),
    }
  })()
  return sharedKey
}

/** Stores the shared key the way loadOrCreateSigningKeys would have. */
export async function seedSigningKey(store: Store, box: SecretBox): Promise<void> {
  const key = await sharedSigningKey()
  await store.insertSigningKeyIfNone({
    kid: key.kid,
    alg: TOKEN_SIGNING_ALG,
    publicJwk: JSON.stringify({
      ...key.publicJwk,
      kid: key.kid,
      alg: TOKEN_SIGNING_ALG,
      use: 'sig',
    }),
    privateJwk: box.seal(JSON.stringify(key.privateJwk), `signing-key:${key.kid}`),
  })
}

export const TEST_ISSUER = 'https://openhooks.test/'
export const TEST_AUDIENCE = `${TEST_ISSUER}api/v2/`
export const ADMIN_CLIENT_ID = 'test-admin-client'
export const ADMIN_CLIENT_SECRET = 'test-admin-secret-0123456789'

export interface TestApp extends App {
  readonly config: Config
  readonly store: Store
  readonly keyring: Keyring
  readonly signingKeys: SigningKeys
  readonly dataDir: string
  /** Every log line the app wrote, parsed. */
  readonly logs: Record<string, unknown>[]
  /** The raw log output, for "never appears in a log" checks. */
  logText(): string
  /** A Management API token for the admin client, with every scope unless told otherwise. */
  token(
    scopes?: readonly string[],
    options?: { lifetimeS?: number; nowS?: number },
  ): Promise<string>
  /** `app.inject` with a bearer token of every scope, JSON body. */
  api(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
  ): Promise<LightMyRequestResponse>
}

/**
 * A runner for apps whose tests run no hook: every call ends as a crash that says so. Tests that
 * run hooks pass a real one (`startAppRunner`).
 */
export const NO_SANDBOX: HookRunner = {
  run: () =>
    Promise.resolve({
      kind: 'crash',
      reason: 'this test app has no sandbox; pass { runner } to buildTestApp',
      logs: [],
      durationMs: 0,
      cpuMs: 0,
    }),
  retire: () => undefined,
  close: () => Promise.resolve(),
  stats: () => Promise.resolve({ workers: [], workerRestarts: 0, pendingCalls: 0 }),
}

/**
 * Hook limits of startAppRunner: a hook that does its work must not be ended by a deadline on a
 * busy machine (load average 20 on two cores); tests of a deadline pass their own.
 */
export const APP_RUNNER_LIMITS: Partial<RunLimits> = { timeoutMs: 20_000, entryTimeoutMs: 10_000 }

/**
 * A real process runner (one worker) for the tests of one file; closed with `t.after`. Hooks reach
 * nothing unless the test allows its own server in `egress` (the suite runs with `allowlist`).
 */
export async function startAppRunner(
  t: { after: (fn: () => Promise<void>) => void },
  limits: Partial<RunLimits> = APP_RUNNER_LIMITS,
  egress: EgressPolicy = { mode: 'allowlist', allow: [] },
): Promise<HookRunner> {
  const runner = await startProcessRunner({
    logger: pino({ level: 'silent' }),
    workerStartTimeoutMs: TEST_WORKER_START_TIMEOUT_MS,
    poolSize: 1,
    defaultLimits: limits,
    egress,
  })
  t.after(() => runner.close())
  return runner
}

export interface TestAppOptions {
  /** Runs hook code; `NO_SANDBOX` when absent. */
  readonly runner?: HookRunner
  /** Extra environment for loadConfig. */
  readonly env?: Record<string, string>
  /** Store on disk in the temp data dir instead of memory. */
  readonly onDisk?: boolean
  readonly now?: () => number
  /** Serve the dashboard with this operator account (docs/dashboard.md). */
  readonly dashboard?: NonNullable<AppDependencies['dashboard']>
  /** Installs hooks' npm dependencies; without it they are stored unchecked. */
  readonly dependencies?: DependencyLoader
  /** Counts into these metrics (several apps may share one). */
  readonly metrics?: Metrics
  /** Opens the store instead of SQLite (a PostgreSQL one); closed with the app. */
  readonly openStore?: () => Promise<Store>
}

/**
 * A fresh app on its own SQLite database (in memory unless `onDisk`), with an admin client, for
 * `app.inject()` tests. Everything is torn down with `t.after`.
 */
export async function buildTestApp(t: TestContext, options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'openhooks-test-'))
  const config = loadConfig({
    OPENHOOKS_DATA_DIR: dataDir,
    OPENHOOKS_ISSUER: TEST_ISSUER,
    OPENHOOKS_ADMIN_CLIENT_ID: ADMIN_CLIENT_ID,
    OPENHOOKS_ADMIN_CLIENT_SECRET: ADMIN_CLIENT_SECRET,
    OPENHOOKS_MASTER_KEY: randomBytes(32).toString('base64'),
    OPENHOOKS_RATE_LIMIT_BURST: '100000',
    OPENHOOKS_RATE_LIMIT_PER_SECOND: '100000',
    // Every inject comes from 127.0.0.1; test/security/signup-flood.test.ts sets its own limit.
    OPENHOOKS_SIGNUP_RATE_LIMIT_PER_MINUTE: '0',
    // Tests reach only servers they start, and allow those explicitly (issue 9).
    OPENHOOKS_EGRESS: 'allowlist',
    ...options.env,
  })
  let logText = ''
  const logs: Record<string, unknown>[] = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const text = chunk.toString('utf8')
      logText += text
      for (const line of text.split('\n').filter(Boolean)) {
        logs.push(JSON.parse(line) as Record<string, unknown>)
      }
      callback()
    },
  })
  const logger = createLogger({ level: 'debug', destination })
  const store =
    options.openStore !== undefined
      ? await options.openStore()
      : await openSqliteStore({
          filename: options.onDisk === true ? join(dataDir, 'openhooks.db') : ':memory:',
        })
  const keyring = createKeyring(config.masterKey ?? randomBytes(32))
  await seedSigningKey(store, keyring.signingKeys)
  const signingKeys = await loadOrCreateSigningKeys(store, keyring.signingKeys)
  await ensureAdminClient({
    configured: config.adminClient,
    dataDir,
    store,
    hasher: keyring.clientSecrets,
    managementAudience: config.managementAudience,
  })
  const app = await buildApp({
    runner: options.runner ?? NO_SANDBOX,
    config,
    logger,
    store,
    keyring,
    signingKeys,
    ...(options.now !== undefined ? { now: options.now } : undefined),
    ...(options.dashboard !== undefined ? { dashboard: options.dashboard } : undefined),
    ...(options.dependencies !== undefined ? { dependencies: options.dependencies } : undefined),
    ...(options.metrics !== undefined ? { metrics: options.metrics } : undefined),
  })
  await app.server.ready()
  t.after(async () => {
    await app.server.close()
    await store.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  const token = (
    scopes: readonly string[] = MANAGEMENT_SCOPES,
    opts: { lifetimeS?: number; nowS?: number } = {},
  ) =>
    signAccessToken(signingKeys, {
      issuer: config.issuer,
      clientId: ADMIN_CLIENT_ID,
      audience: config.managementAudience,
      scopes,
      lifetimeS: opts.lifetimeS ?? 3600,
      ...(opts.nowS !== undefined ? { nowS: opts.nowS } : undefined),
    })
  const fullToken = await token()

  return {
    ...app,
    config,
    // Log reads write the group commit's queue first, as the Management API's do.
    store: readAfterFlush(store, app.tenantLog),
    keyring,
    signingKeys,
    dataDir,
    logs,
    logText: () => logText,
    token,
    api: (method, url, body) =>
      app.server.inject({
        method,
        url,
        headers: {
          authorization: `Bearer ${fullToken}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : undefined),
        },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : undefined),
      }),
  }
}

/** The rate-limit headers every Management API response carries, as numbers. */
export function rateLimitHeaders(res: LightMyRequestResponse): {
  limit: number
  remaining: number
  reset: number
} {
  return {
    limit: Number(res.headers['x-ratelimit-limit']),
    remaining: Number(res.headers['x-ratelimit-remaining']),
    reset: Number(res.headers['x-ratelimit-reset']),
  }
}
