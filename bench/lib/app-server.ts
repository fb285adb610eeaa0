/**
 * The server side of the HTTP scenarios, in its own process so that the load generator does not
 * share its event loop: builds one openhooks app per spec (as `openhooks serve` does: SQLite on
 * disk, production log level, a real sandbox runner), listens on 127.0.0.1 and answers a few
 * requests from the parent over IPC. Started by `startAppServer` (bench/lib/processes.ts).
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp, type App } from '../../src/app.js'
import { loadConfig } from '../../src/config/load-config.js'
import { createKeyring } from '../../src/crypto/keys.js'
import type { TriggerId } from '../../src/hooks/hook.js'
import { bufferedDestination, createLogger } from '../../src/logging/logger.js'
import { egressPolicyOf, traceQueries } from '../../src/main.js'
import { startTracing } from '../../src/observability/tracing.js'
import { startProcessRunner } from '../../src/sandbox/process-runner.js'
import type { HookRunner } from '../../src/sandbox/runner.js'
import { openPostgresStore } from '../../src/storage/sql/postgres.js'
import { openSqliteStore } from '../../src/storage/sql/sqlite.js'
import type { Store } from '../../src/storage/store.js'
import { OPENHOOKS_VERSION } from '../../src/version.js'
import { signAccessToken } from '../../src/tokens/access-token.js'
import { ensureAdminClient } from '../../src/tokens/admin-client.js'
import { MANAGEMENT_SCOPES } from '../../src/tokens/management-scopes.js'
import { loadOrCreateSigningKeys } from '../../src/tokens/signing-keys.js'
import { countStatements } from './statement-counter.js'
import { createWebhookRunner } from './webhook-runner.js'
import {
  TRACING_ARGUMENT,
  type AppSpec,
  type ServerReply,
  type ServerRequest,
} from './processes.js'

export const BENCH_ISSUER = 'https://openhooks.bench/'
/** Lifetime of the Management API token the parent uses, in seconds. */
const ADMIN_TOKEN_LIFETIME_S = 3_600

const NO_RUNNER: HookRunner = {
  run: () =>
    Promise.resolve({ kind: 'crash', reason: 'no sandbox', logs: [], durationMs: 0, cpuMs: 0 }),
  retire: () => undefined,
  close: () => Promise.resolve(),
  stats: () => Promise.resolve({ workers: [], workerRestarts: 0, pendingCalls: 0 }),
}

interface Running {
  readonly app: App
  readonly runner: HookRunner
  readonly store: Store
  readonly dataDir: string
  readonly url: string
  readonly token: string
}

async function start(spec: AppSpec): Promise<Running> {
  const dataDir = mkdtempSync(join(tmpdir(), `openhooks-bench-${spec.name}-`))
  const config = loadConfig({
    OPENHOOKS_DATA_DIR: dataDir,
    OPENHOOKS_ISSUER: BENCH_ISSUER,
    OPENHOOKS_MASTER_KEY: randomBytes(32).toString('base64'),
    // The bench measures the server, not Auth0's Management API quota (docs/performance.md).
    OPENHOOKS_RATE_LIMIT_ENABLED: 'false',
    ...spec.env,
  })
  // Production's log level, serialisation and buffering; the bytes go nowhere.
  const logger = createLogger({
    level: config.logLevel,
    destination: bufferedDestination('/dev/null'),
  })
  const store =
    spec.postgresUrl !== undefined
      ? await openPostgresStore({
          connectionString: spec.postgresUrl,
          poolSize: config.database.poolSize,
          statementTimeoutMs: config.database.statementTimeoutMs,
          ...traceQueries('postgresql'),
        })
      : await openSqliteStore({
          filename: join(dataDir, 'openhooks.db'),
          synchronous: config.database.sqliteSynchronous,
          ...traceQueries('sqlite'),
        })
  const keyring = createKeyring(config.masterKey ?? randomBytes(32))
  const signingKeys = await loadOrCreateSigningKeys(store, keyring.signingKeys)
  const admin = await ensureAdminClient({
    configured: config.adminClient,
    dataDir,
    store,
    hasher: keyring.clientSecrets,
    managementAudience: config.managementAudience,
  })
  const runner =
    spec.runner === 'none'
      ? NO_RUNNER
      : spec.runner === 'sandbox'
        ? await startProcessRunner({
            logger: logger.child({ component: 'sandbox' }),
            poolSize: 1,
            dedicatedWorkers: { 'credentials-exchange': spec.tokenWorkers ?? 0 },
            laneLimits: {
              maxPendingCalls: config.sandbox.pointMaxPending,
              maxConcurrentCalls: config.sandbox.pointMaxConcurrent,
            },
            idlePollUs: config.sandbox.idlePollUs,
            // BENCH_CPU_PROF (bench/lib/processes.ts) profiles the workers as well as the server.
            ...(process.env.BENCH_CPU_PROF !== undefined
              ? {
                  workerExecArgv: ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`],
                }
              : undefined),
            // As `openhooks serve` does: OPENHOOKS_EGRESS and OPENHOOKS_EGRESS_ALLOW of the spec.
            egress: egressPolicyOf(config.sandbox.egress, undefined),
            ...(spec.maxWarmIsolates !== undefined
              ? { maxWarmIsolatesPerWorker: spec.maxWarmIsolates }
              : undefined),
            ...(spec.maxWarmHeapMb !== undefined
              ? { maxWarmHeapMbPerWorker: spec.maxWarmHeapMb }
              : undefined),
          })
        : createWebhookRunner(spec.runner.webhook)
  const app = await buildApp({ config, logger, store, keyring, signingKeys, runner })
  const url = await app.server.listen({ port: 0, host: '127.0.0.1' })
  const token = await signAccessToken(signingKeys, {
    issuer: config.issuer,
    clientId: admin.clientId,
    audience: config.managementAudience,
    scopes: MANAGEMENT_SCOPES,
    lifetimeS: ADMIN_TOKEN_LIFETIME_S,
  })
  return { app, runner, store, dataDir, url, token }
}

const specs = JSON.parse(process.argv[2] ?? '[]') as AppSpec[]
// Tracing is one per process, started before the stores and apps as `openhooks serve` does.
const tracing =
  process.argv[3] === TRACING_ARGUMENT
    ? await startTracing(process.env, { name: 'openhooks-bench', version: OPENHOOKS_VERSION })
    : undefined
if (tracing !== undefined && !tracing.enabled) throw new Error('the OTEL_* variables ask no traces')
const statements = countStatements()
// Built side by side: most of a start is waiting (migrations, the worker process).
const running = new Map<string, Running>(
  await Promise.all(specs.map(async (spec) => [spec.name, await start(spec)] as const)),
)

function get(name: string): Running {
  const found = running.get(name)
  if (found === undefined) throw new Error(`no app named ${name}`)
  return found
}

async function handle(message: ServerRequest): Promise<unknown> {
  switch (message.type) {
    case 'stats':
      return get(message.app).runner.stats()
    case 'db-statements':
      return { ...statements }
    case 'seed-hooks': {
      const { app } = get(message.app)
      const ids: string[] = []
      for (let i = 0; i < message.scripts.length; i++) {
        const hook = await app.hooks.create({
          name: `${message.prefix}-${String(i)}`,
          script: message.scripts[i] ?? '',
          triggerId: message.triggerId as TriggerId,
          enabled: false,
        })
        ids.push(hook.id)
      }
      return ids
    }
  }
}

process.on('message', (message: ServerRequest) => {
  handle(message).then(
    (result) => process.send?.({ id: message.id, result } satisfies ServerReply),
    (error: unknown) =>
      process.send?.({ id: message.id, error: String(error) } satisfies ServerReply),
  )
})

async function closeAll(): Promise<void> {
  for (const { app, runner, store, dataDir } of running.values()) {
    await app.server.close()
    await runner.close()
    await store.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
  await tracing?.stop()
}
process.on('disconnect', () => {
  void closeAll().finally(() => process.exit(0))
})

process.send?.({
  ready: Object.fromEntries(
    [...running].map(([name, r]) => [name, { url: r.url, token: r.token }]),
  ),
})
