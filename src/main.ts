import { mkdirSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { X509Certificate } from 'node:crypto'
import { createSecureContext } from 'node:tls'
import closeWithGrace from 'close-with-grace'
import type { Dialect } from 'kysely'
import { buildApp, type App } from './app.js'
import { writeServerRecord } from './config/server-record.js'
import { ConfigError, loadConfig, type Config } from './config/load-config.js'
import { DependencyResolver } from './dependencies/resolver.js'
import { createKeyring, loadOrCreateMasterKey, type Keyring } from './crypto/keys.js'
import { bufferedDestination, createLogger, type Logger } from './logging/logger.js'
import { credentialsExchange } from './hooks/triggers/credentials-exchange.js'
import type { EgressPolicy } from './sandbox/egress.js'
import { startProcessRunner } from './sandbox/process-runner.js'
import { LocalChangeBus, type ChangeBus } from './storage/changes.js'
import { startMetricsListener, type MetricsListener } from './observability/metrics-listener.js'
import { openPostgresStore } from './storage/sql/postgres.js'
import { PostgresChangeBus } from './storage/sql/postgres-changes.js'
import { DATABASE_FILE, openSqliteStore } from './storage/sql/sqlite.js'

export { DATABASE_FILE }
import type { Store } from './storage/store.js'
import { startTracing, tracingEnabled } from './observability/tracing.js'
import { traceDialect, type DbSystem } from './observability/db-tracing.js'
import { OPENHOOKS_VERSION } from './version.js'
import { ensureAdminClient, type AdminClientResult } from './tokens/admin-client.js'
import {
  ensureOperatorAccount,
  ensureSharedOperatorAccount,
  type OperatorAccountResult,
} from './operator/operator-account.js'
import { SharedRateLimitStore } from './rate-limit/token-bucket.js'
import { loadOrCreateSigningKeys, type SigningKeys } from './tokens/signing-keys.js'

/**
 * How long shutdown waits for in-flight requests before the process exits anyway: longer than the
 * default hook deadline (20 s), so that a token request waiting on a hook can still finish.
 */
export const SHUTDOWN_GRACE_MS = 25_000
/** Folder of the dependency cache in the data dir (docs/dependencies.md). */
export const DEPENDENCY_CACHE_DIR = 'deps'

/** What both `serve` and `token` need: configuration, storage and keys. */
export interface Core {
  readonly config: Config
  readonly logger: Logger
  readonly store: Store
  readonly keyring: Keyring
  readonly signingKeys: SigningKeys
  readonly admin: AdminClientResult
  /** PostgreSQL: nodes share the database, so first-start credentials live in it (docs/cluster.md). */
  readonly shared: boolean
}

/**
 * The store option that makes its statements spans, when tracing was started in this process
 * (`startServer` starts it before opening the store); none otherwise, so the store's Kysely keeps
 * its plain dialect.
 */
export function traceQueries(system: DbSystem): { wrapDialect?: (dialect: Dialect) => Dialect } {
  return tracingEnabled() ? { wrapDialect: (dialect) => traceDialect(dialect, system) } : {}
}

export async function openCore(env: Readonly<Record<string, string | undefined>>): Promise<Core> {
  const config = loadConfig(env)
  const logger = createLogger({ level: config.logLevel, destination: bufferedDestination(1) })
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
  const master = loadOrCreateMasterKey(config.masterKey, config.dataDir)
  if (master.source !== 'config') {
    logger.warn(
      { event: 'config.warning', dataDir: config.dataDir },
      'OPENHOOKS_MASTER_KEY is not set: the master key is kept in the data folder, next to the data it protects. Set it from a secret store in production.',
    )
  }
  const shared = config.database.url !== undefined
  const store =
    config.database.url === undefined
      ? await openSqliteStore({
          filename: join(config.dataDir, DATABASE_FILE),
          synchronous: config.database.sqliteSynchronous,
          ...traceQueries('sqlite'),
        })
      : await openPostgresStore({
          connectionString: config.database.url,
          poolSize: config.database.poolSize,
          statementTimeoutMs: config.database.statementTimeoutMs,
          ...traceQueries('postgresql'),
          onMigrated: (applied) => {
            logger.info(
              { event: 'storage.migrated', applied },
              applied.length === 0
                ? 'the database schema is up to date'
                : `applied ${applied.length} database migrations`,
            )
          },
        })
  try {
    const keyring = createKeyring(master.key)
    const signingKeys = await loadOrCreateSigningKeys(store, keyring.signingKeys)
    const admin = await ensureAdminClient({
      configured: config.adminClient,
      dataDir: config.dataDir,
      store,
      hasher: keyring.clientSecrets,
      managementAudience: config.managementAudience,
      // Several nodes on PostgreSQL: the generated client lives in the database, not in a file.
      shared,
    })
    return { config, logger, store, keyring, signingKeys, admin, shared }
  } catch (error) {
    await store.close()
    throw error
  }
}

/**
 * Reads the PEM files of `OPENHOOKS_TLS_CERT` and `OPENHOOKS_TLS_KEY` and checks that they form a
 * usable pair, so that a bad file stops the start with one clear message instead of a stack.
 */
export function readTlsFiles(tls: NonNullable<Config['tls']>): { cert: Buffer; key: Buffer } {
  const problems: string[] = []
  const read = (env: string, path: string): Buffer | undefined => {
    try {
      return readFileSync(path)
    } catch (error) {
      problems.push(`${env} (${path}) cannot be read: ${(error as Error).message}`)
      return undefined
    }
  }
  const cert = read('OPENHOOKS_TLS_CERT', tls.certFile)
  const key = read('OPENHOOKS_TLS_KEY', tls.keyFile)
  if (cert === undefined || key === undefined) throw new ConfigError(problems)
  try {
    createSecureContext({ cert, key })
  } catch (error) {
    throw new ConfigError([
      `OPENHOOKS_TLS_CERT and OPENHOOKS_TLS_KEY are not a usable PEM certificate and key: ${(error as Error).message}`,
    ])
  }
  return { cert, key }
}

/**
 * Largest `OPENHOOKS_EGRESS_CA_FILE`, in bytes (about 30 certificates): the certificates reach
 * each worker in its environment, where one variable may hold at most 128 KiB on Linux.
 */
export const MAX_EGRESS_CA_FILE_BYTES = 64 * 1024

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g

/**
 * Reads `OPENHOOKS_EGRESS_CA_FILE`: the PEM certificates in it, each checked to parse, so that a
 * missing file or a file without a usable certificate stops the start with one clear message.
 */
export function readEgressCaFile(path: string): string[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError([
      `OPENHOOKS_EGRESS_CA_FILE (${path}) cannot be read: ${(error as Error).message}`,
    ])
  }
  if (Buffer.byteLength(text) > MAX_EGRESS_CA_FILE_BYTES) {
    throw new ConfigError([
      `OPENHOOKS_EGRESS_CA_FILE (${path}) is larger than ${MAX_EGRESS_CA_FILE_BYTES} bytes; keep only the CAs hooks need`,
    ])
  }
  const certificates = text.match(PEM_CERTIFICATE) ?? []
  if (certificates.length === 0) {
    throw new ConfigError([
      `OPENHOOKS_EGRESS_CA_FILE (${path}) holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    ])
  }
  certificates.forEach((pem, index) => {
    try {
      new X509Certificate(pem)
    } catch (error) {
      throw new ConfigError([
        `OPENHOOKS_EGRESS_CA_FILE (${path}): certificate ${index + 1} is not valid: ${(error as Error).message}`,
      ])
    }
  })
  return certificates
}

/** The sandbox's egress policy from the configuration and the certificates of its CA file. */
export function egressPolicyOf(
  egress: Config['sandbox']['egress'],
  extraCaPem: readonly string[] | undefined,
): EgressPolicy {
  return {
    mode: egress.mode,
    allow: egress.allow,
    requestTimeoutMs: egress.requestTimeoutMs,
    maxResponseBytes: egress.maxResponseBytes,
    maxRequestsPerCall: egress.maxRequestsPerCall,
    maxRedirects: egress.maxRedirects,
    ...(extraCaPem !== undefined ? { extraCaPem } : undefined),
  }
}

/**
 * `openhooks serve`: loadConfig → keys → store → buildApp → listen, with a graceful shutdown on
 * SIGTERM and SIGINT (stop accepting, finish in-flight requests within SHUTDOWN_GRACE_MS, close
 * the database). `print` receives the one-time admin credentials.
 */
export async function startServer(
  env: Readonly<Record<string, string | undefined>>,
  print: (text: string) => void,
): Promise<App & { url: string }> {
  const settings = loadConfig(env)
  // Spans over OTLP when the OTEL_* variables ask for them (docs/observability.md); started before
  // anything that makes spans. Nothing else is open yet if it fails.
  const tracing = await startTracing(env, {
    name: env.OTEL_SERVICE_NAME ?? 'openhooks',
    version: OPENHOOKS_VERSION,
  })
  const tls = settings.tls === undefined ? undefined : readTlsFiles(settings.tls)
  const egressCaFile = settings.sandbox.egress.caFile
  const egressCa = egressCaFile === undefined ? undefined : readEgressCaFile(egressCaFile)
  const core = await openCore(env)
  const { config, logger, store } = core
  if (core.admin.generatedSecret !== undefined) {
    print(
      [
        core.admin.credentialsFile !== undefined
          ? 'openhooks generated an admin client for the Management API (shown once; also saved in\n' +
            `${core.admin.credentialsFile} with mode 0600):`
          : 'openhooks generated an admin client for the Management API (shown once; only its hash is\nkept, in the database):',
        `  client_id:     ${core.admin.clientId}`,
        `  client_secret: ${core.admin.generatedSecret}`,
        `  audience:      ${config.managementAudience}`,
        '',
      ].join('\n'),
    )
  }
  // Only `serve` creates the operator account: it is the command that can print its password.
  let operator: OperatorAccountResult
  try {
    operator = core.shared
      ? await ensureSharedOperatorAccount({ configured: config.operator, store })
      : await ensureOperatorAccount({ configured: config.operator, dataDir: config.dataDir })
  } catch (error) {
    await store.close()
    throw error
  }
  if (operator.generatedPassword !== undefined) {
    print(
      [
        'openhooks generated the dashboard operator account (the password is shown once; only its',
        `hash is saved in ${operator.file}):`,
        `  email:    ${operator.account.email}`,
        `  password: ${operator.generatedPassword}`,
        `  sign in:  ${config.issuer}`,
        '',
      ].join('\n'),
    )
  }
  const runner = await startProcessRunner({
    logger: logger.child({ component: 'sandbox' }),
    poolSize:
      config.sandbox.workers ?? Math.max(1, availableParallelism() - config.sandbox.tokenWorkers),
    // The token endpoint's hook runs in workers no other point's hook can keep busy (issue 17).
    dedicatedWorkers: { [credentialsExchange.id]: config.sandbox.tokenWorkers },
    laneLimits: {
      maxPendingCalls: config.sandbox.pointMaxPending,
      maxConcurrentCalls: config.sandbox.pointMaxConcurrent,
    },
    maxWarmHeapMbPerWorker: config.sandbox.warmHeapMb,
    maxWorkerRssMb: config.sandbox.workerMaxRssMb,
    idlePollUs: config.sandbox.idlePollUs,
    defaultLimits: {
      timeoutMs: config.sandbox.hookTimeoutMs,
      memoryMb: config.sandbox.hookMemoryMb,
    },
    egress: egressPolicyOf(config.sandbox.egress, egressCa),
  })
  // Hook changes and tenant-log writes reach the other nodes through PostgreSQL (ADR 0008).
  let changes: ChangeBus
  if (config.database.url === undefined) changes = new LocalChangeBus()
  else {
    const changeLogger = logger.child({ component: 'change-bus' })
    const bus = new PostgresChangeBus({
      connectionString: config.database.url,
      onRoundTrip: () => {
        store.databaseUsage.countRoundTrip()
      },
      onError: (err, event) => {
        changeLogger.warn({ err, event }, 'change bus: other nodes may see changes late')
      },
    })
    try {
      await bus.start()
    } catch (error) {
      await runner.close()
      await store.close()
      throw error
    }
    changes = bus
  }
  const dependencies =
    config.dependencies.mode === 'off'
      ? undefined
      : new DependencyResolver({
          cacheDir: join(config.dataDir, DEPENDENCY_CACHE_DIR),
          // Bundles and ranges made at a save, for every node (issue 20).
          shared: store,
          registry: config.dependencies.registry,
          timeoutMs: config.dependencies.timeoutMs,
          // npm reads its configuration (registry, proxy, credentials) from the environment.
          env,
        })
  if (tracing.enabled) logger.info({ event: 'tracing.started' }, 'spans are exported over OTLP')
  let app: App
  try {
    app = await buildApp({
      ...core,
      // One bucket per client for the whole cluster; one process keeps them in memory.
      ...(core.shared
        ? { rateLimitStore: new SharedRateLimitStore(config.rateLimit, store, 'management') }
        : undefined),
      runner,
      changes,
      dashboard: { operator: operator.account, clientId: core.admin.clientId },
      ...(dependencies !== undefined ? { dependencies } : undefined),
      ...(tls !== undefined ? { tls } : undefined),
    })
  } catch (error) {
    // Worker processes and the database would keep the process alive after a failed start.
    await runner.close()
    await changes.close()
    await store.close()
    await tracing.stop()
    throw error
  }
  let metricsListener: MetricsListener | undefined
  closeWithGrace({ delay: SHUTDOWN_GRACE_MS }, async ({ signal, err }) => {
    if (err !== undefined)
      logger.error({ err, event: 'server.crashed' }, 'shutting down after an error')
    else logger.info({ signal, event: 'server.stopping' }, 'shutting down')
    await metricsListener?.close()
    await app.server.close()
    await runner.close()
    await changes.close()
    await store.close()
    // The spans of the last requests are exported before the process ends.
    await tracing.stop()
  })
  let url: string
  try {
    url = await app.server.listen({ port: config.port, host: config.host })
    if (app.metrics !== undefined && config.metrics?.port !== undefined) {
      metricsListener = await startMetricsListener(app.metrics, {
        port: config.metrics.port,
        host: config.metrics.host,
      })
      logger.info(
        { event: 'metrics.listening', url: metricsListener.url },
        'metrics are served on their own listener',
      )
    }
  } catch (error) {
    await metricsListener?.close()
    await app.server.close()
    await runner.close()
    await changes.close()
    await store.close()
    await tracing.stop()
    throw error
  }
  // `openhooks token` reads it, so that its tokens carry the issuer this server checks.
  writeServerRecord(config.dataDir, { issuer: config.issuer })
  logger.info({ event: 'server.started', url, issuer: config.issuer }, 'openhooks is listening')
  return { ...app, url }
}
