import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify'
import type { Config } from './config/load-config.js'
import type { Keyring } from './crypto/keys.js'
import { ApiService } from './directory/apis.js'
import { ClientService } from './directory/clients.js'
import { UserService } from './directory/users.js'
import type { DependencyLoader } from './hooks/dependencies.js'
import { HookDispatcher } from './hooks/hook-dispatcher.js'
import { HookExecutionLog, type HookExecutions } from './hooks/execution-log.js'
import { SharedHookExecutionLog } from './hooks/shared-execution-log.js'
import { GuardianService } from './mfa/guardian.js'
import { HookService } from './hooks/hook-service.js'
import { MAX_MANAGEMENT_BODY_BYTES } from './http/management/error-handler.js'
import { answerOversizedBodiesAfterReading } from './http/oversized-body.js'
import { answerFrameworkError } from './http/framework-errors.js'
import { afterPasswordChange } from './flows/change-password.js'
import { DetachedTasks } from './flows/detached.js'
import type { ChangePasswordDeps } from './flows/change-password.js'
import type { ClientCredentialsDeps } from './flows/client-credentials.js'
import type { SignupDeps } from './flows/signup.js'
import type { PasswordTicketDeps } from './flows/password-ticket.js'
import { dbConnectionsPlugin } from './http/dbconnections/plugin.js'
import { dashboardSessionPlugin } from './http/dashboard/plugin.js'
import { DASHBOARD_API_PREFIX } from './http/dashboard/session.routes.js'
import { dashboardStaticPlugin } from './http/dashboard/static.js'
import { mfaPlugin } from './http/mfa/plugin.js'
import type { MfaDeps } from './flows/user-tokens.js'
import type { GuardOptions } from './http/management/guard.js'
import { managementPlugin } from './http/management/plugin.js'
import { oauthPlugin } from './http/oauth/plugin.js'
import { publicPlugin } from './http/public/plugin.js'
import { resetPagePlugin } from './http/reset/plugin.js'
import type { Logger } from './logging/logger.js'
import type { OperatorAccount } from './operator/operator-account.js'
import { SessionStore } from './operator/sessions.js'
import {
  MAX_FAILED_SIGN_INS_PER_ACCOUNT,
  MAX_FAILED_SIGN_INS_PER_ADDRESS,
  SharedAttemptCounter,
  SignInLimiter,
} from './operator/sign-in-limiter.js'
import { sendMail } from './mail/smtp.js'
import { AttackProtection } from './flows/attack-protection.js'
import {
  MemoryRateLimitStore,
  SharedRateLimitStore,
  type RateLimitStore,
} from './rate-limit/token-bucket.js'
import type { HookRunner } from './sandbox/runner.js'
import { LocalChangeBus, type ChangeBus } from './storage/changes.js'
import { CACHED_KINDS, withReadCache } from './storage/read-cache.js'
import type { Store } from './storage/store.js'
import { TenantLogFeed, tenantLogWaker } from './tenant-log/log-feed.js'
import { TenantLog, readAfterFlush, startTenantLogRetention } from './tenant-log/tenant-log.js'
import { createTokenVerifier } from './tokens/access-token.js'
import type { SigningKeys } from './tokens/signing-keys.js'
import { OPENHOOKS_VERSION } from './version.js'
import { Metrics, observeRunner } from './observability/metrics.js'
import {
  startHttpSpan,
  traceRunner,
  tracingEnabled,
  type HttpSpan,
} from './observability/tracing.js'
import { metricsPlugin } from './http/metrics/plugin.js'
import { RequestLogController } from './http/request-log.js'

/** The tenant name hooks see (`client.tenant`, `context.connection.tenant`). */
export const TENANT_NAME = 'openhooks'

/** The change-bus kind of hooks (and their secrets and settings): the id is the hook's. */
export const HOOK_CHANGE_KIND = 'hook'
/** The change bus's kind for an attack-protection setting (its name as the id). */
export const ATTACK_PROTECTION_SETTING_KIND = 'attack-protection-setting'

/**
 * Added to twice the statement timeout for how far back a node reads the other nodes' executions,
 * in milliseconds: a batch is written EXECUTION_FLUSH_DELAY_MS after its executions ended.
 */
export const EXECUTION_LOOK_BACK_SLACK_MS = 1_000

/** Longest path parameter the router passes to a route, in characters. */
export const MAX_PATH_PARAM_CHARS = 2_048

/** How long a request may take to send its headers, and the whole request, in milliseconds. */
export const REQUEST_TIMEOUT_MS = 30_000
export const KEEP_ALIVE_TIMEOUT_MS = 72_000

export interface AppDependencies {
  readonly config: Config
  readonly logger: Logger
  readonly store: Store
  readonly keyring: Keyring
  readonly signingKeys: SigningKeys
  /** Shared buckets for several nodes; one process uses memory buckets by default. */
  readonly rateLimitStore?: RateLimitStore
  /** Runs hook code (in worker processes, see src/sandbox). */
  readonly runner: HookRunner
  /**
   * Installs and bundles hooks' npm dependencies (issue 9, docs/dependencies.md). Without it,
   * declared dependencies are stored unchecked and `require` does not find them.
   */
  readonly dependencies?: DependencyLoader
  /**
   * Tells every node of a cluster what changed (ADR 0008): `PostgresChangeBus` on PostgreSQL; one
   * process uses an in-process bus by default.
   */
  readonly changes?: ChangeBus
  /**
   * Several nodes share the database (PostgreSQL): the hooks' live logs, the signup limit per
   * address and the dashboard's sign-in limit are kept in it too (docs/cluster.md). One process
   * (SQLite) keeps them in memory.
   */
  readonly shared?: boolean
  /** Clock in epoch milliseconds, for tests. */
  readonly now?: () => number
  /** PEM certificate chain and key: the server speaks HTTPS (`OPENHOOKS_TLS_*`, read by main.ts). */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer }
  /**
   * Prometheus metrics (docs/observability.md); created here when `config.metrics` is on and none
   * is given. Without either, nothing is counted.
   */
  readonly metrics?: Metrics
  /**
   * The dashboard (docs/dashboard.md): its operator account and the client id its tokens name
   * (the admin client). Without it, neither the SPA nor `/_dashboard` is served.
   */
  readonly dashboard?: {
    readonly operator: OperatorAccount
    readonly clientId: string
    /** The built SPA; `dist/dashboard` unless given. */
    readonly dir?: string
  }
}

export interface App {
  readonly server: FastifyInstance
  readonly hooks: HookService
  readonly tenantLog: TenantLog
  /**
   * The change bus (ADR 0008), the one path between this process's caches and the other nodes':
   * every change made here is published on it, and every change published (here or on another
   * node) drops what this process cached of it.
   */
  readonly changes: ChangeBus
  /** Present when metrics are on (`OPENHOOKS_METRICS=on`). */
  readonly metrics: Metrics | undefined
}

/** Everything the routes use, built once from the dependencies, with the defaults resolved once. */
export interface Services {
  /** Clock in epoch milliseconds: `deps.now`, or `Date.now`. */
  readonly now: () => number
  /** The tenant name hooks see: TENANT_NAME. */
  readonly tenant: string
  readonly hooks: HookService
  readonly dispatcher: HookDispatcher
  /** The change bus (ADR 0008): publish a change so that every node drops its cached copy. */
  readonly changes: ChangeBus
  /** Every hook run by a real request: the hooks' live logs (issue 18.5), of every node. */
  readonly executions: HookExecutions
  readonly tenantLog: TenantLog
  /** Every node's tenant log events as they are stored (the live streams). */
  readonly logFeed: TenantLogFeed
  readonly apis: ApiService
  readonly users: UserService
  readonly clients: ClientService
  readonly guardian: GuardianService
  readonly attackProtection: AttackProtection
  readonly guard: GuardOptions
  readonly mfa: MfaDeps
  readonly clientCredentials: ClientCredentialsDeps
  readonly changePassword: ChangePasswordDeps
  readonly signup: SignupDeps
  readonly passwordTickets: PasswordTicketDeps
  /** Post-* hooks run after the response; closing the server waits for them (bounded). */
  readonly detached: DetachedTasks
  /** Present when metrics are on. */
  readonly metrics: Metrics | undefined
  /** Stops what the services started (tenant-log retention, the shared executions' reads). */
  readonly stop: () => Promise<void>
}

/**
 * Builds the services of the application from its dependencies: no HTTP here. The tenant name
 * and the clock are resolved once and handed to every service that needs them.
 */
export async function buildServices(deps: AppDependencies): Promise<Services> {
  const { config } = deps
  const now = deps.now ?? Date.now
  // Clients, grants and APIs from memory on the token path; every write here drops them (issue 23).
  const readCache = withReadCache(deps.store, now)
  const { store } = readCache
  const tenant = TENANT_NAME
  const metrics = deps.metrics ?? (config.metrics !== undefined ? new Metrics() : undefined)
  metrics?.watchSandbox(() => deps.runner.stats())
  metrics?.watchDatabase(deps.store.databaseUsage)
  const hooksLogger = deps.logger.child({ component: 'hooks' })
  const hooks = new HookService({
    store,
    secretBox: deps.keyring.hookSecrets,
    logger: hooksLogger,
    dependencies: deps.dependencies,
    versionsKept: config.hookVersionsKept,
  })
  // The change bus (ADR 0008) is the one path between this process's caches and the other nodes'.
  const changes = deps.changes ?? new LocalChangeBus()
  const localExecutions = new HookExecutionLog(now)
  // Several nodes: each hook's live log shows the executions of every node (docs/cluster.md).
  const executions =
    deps.shared === true
      ? new SharedHookExecutionLog({
          local: localExecutions,
          store,
          changes,
          logger: hooksLogger,
          lookBackMs: 2 * config.database.statementTimeoutMs + EXECUTION_LOOK_BACK_SLACK_MS,
          now,
        })
      : localExecutions
  const dispatcher = new HookDispatcher({
    hooks,
    // The flows' calls are counted and traced; the Runner's (test-runner.routes.ts) are not.
    runner: flowRunner(deps.runner, metrics),
    logger: hooksLogger,
    dependencies: deps.dependencies,
    executions,
    now,
    cacheTtlMs: config.hookCacheTtlMs,
  })
  // A hook saved, enabled, disabled or deleted, or a change to its secrets, on any node (ADR
  // 0008): every node forgets its cached enabled hooks and retires the isolates of the old version.
  hooks.onChange((hookId) => {
    changes.publish({ kind: HOOK_CHANGE_KIND, id: hookId })
  })
  changes.subscribe(HOOK_CHANGE_KIND, (hookId) => {
    dispatcher.invalidate()
    if (hookId !== undefined) deps.runner.retire(hookId)
  })
  const tenantLogLogger = deps.logger.child({ component: 'tenant-log' })
  const tenantLog = new TenantLog(store, tenantLogLogger, undefined, tenantLogWaker(changes))
  const logFeed = new TenantLogFeed({
    store,
    changes,
    logger: tenantLogLogger,
    // An insert commits within its statement timeout: a hole in `seq` older than that is final.
    gapWaitMs: 2 * config.database.statementTimeoutMs,
  })
  const stopCounting =
    metrics !== undefined ? tenantLog.subscribe((e) => metrics.tenantLogEvent(e)) : () => undefined
  const apis = new ApiService(store, {
    audience: config.managementAudience,
    lifetimeS: config.tokenLifetimeS,
  })
  const users = new UserService(store)
  const attackProtection = new AttackProtection(store.attackProtection, tenantLog, deps.now)
  const guardian = new GuardianService(store)
  await users.ensureDefaultConnection()
  const resolveAudience = (audience: string) => apis.resolveAudience(audience)
  const detached = new DetachedTasks(hooksLogger)
  const changePassword: ChangePasswordDeps = {
    store,
    tenant,
    hooks: dispatcher,
    tenantLog,
    runDetached: detached.run,
    attackProtection,
  }
  const smtp = config.smtp
  // Clients, grants and APIs of the token path and the attack-protection settings are kept in
  // memory (ADR 0011): a write on this node is published, and a write on any node drops the copy
  // (ADR 0008). Hooks have their own subscription above.
  readCache.onWrite((kind, id) => {
    changes.publish({ kind, id })
  })
  for (const kind of CACHED_KINDS) {
    changes.subscribe(kind, (id) => {
      readCache.invalidate(kind, id)
    })
  }
  attackProtection.onSettingsChange((name) => {
    changes.publish({ kind: ATTACK_PROTECTION_SETTING_KIND, id: name })
  })
  changes.subscribe(ATTACK_PROTECTION_SETTING_KIND, () => {
    attackProtection.invalidateSettings()
  })
  const stopRetention = startTenantLogRetention({
    store,
    ...config.tenantLogs,
    logger: tenantLogLogger,
  })
  return {
    now,
    tenant,
    hooks,
    dispatcher,
    changes,
    executions,
    tenantLog,
    logFeed,
    apis,
    users,
    clients: new ClientService(store, deps.keyring.clientSecrets),
    guardian,
    attackProtection,
    guard: {
      verifyToken: createTokenVerifier(deps.signingKeys, {
        issuer: config.issuer,
        audience: config.managementAudience,
      }),
      rateLimit: {
        ...config.rateLimit,
        store: deps.rateLimitStore ?? new MemoryRateLimitStore(config.rateLimit),
      },
      ...(metrics !== undefined
        ? { onRateLimited: () => metrics.managementRateLimited() }
        : undefined),
      now,
    },
    mfa: {
      store,
      guardian,
      clientSecrets: deps.keyring.clientSecrets,
      codes: deps.keyring.mfaCodes,
      signingKeys: deps.signingKeys,
      issuer: config.issuer,
      tenant,
      managementAudience: config.managementAudience,
      resolveAudience,
      hooks: dispatcher,
      tenantLog,
      attackProtection,
      limits: config.mfa,
      now,
    },
    clientCredentials: {
      store,
      clientSecrets: deps.keyring.clientSecrets,
      signingKeys: deps.signingKeys,
      issuer: config.issuer,
      tenant,
      managementAudience: config.managementAudience,
      resolveAudience,
      hooks: dispatcher,
      tenantLog,
      attackProtection,
    },
    changePassword,
    signup: { store, users, tenant, hooks: dispatcher, tenantLog },
    passwordTickets: {
      store,
      users,
      issuer: config.issuer,
      now,
      changePassword,
      logger: deps.logger.child({ component: 'password-tickets' }),
      ...(smtp !== undefined
        ? { mail: { from: smtp.from, send: (message) => sendMail({ url: smtp.url }, message) } }
        : undefined),
    },
    detached,
    metrics,
    stop: async () => {
      stopRetention()
      stopCounting()
      if (executions instanceof SharedHookExecutionLog) await executions.close()
    },
  }
}

/** The runner of the flows: counted when metrics are on, a span per call when tracing is. */
function flowRunner(runner: HookRunner, metrics: Metrics | undefined): HookRunner {
  const counted = metrics !== undefined ? observeRunner(runner, metrics) : runner
  return tracingEnabled() ? traceRunner(counted) : counted
}

/** The Fastify instance with the server-wide options; no routes yet. */
function createServer(
  deps: AppDependencies,
  guard: GuardOptions,
  metrics: Metrics | undefined,
): FastifyInstance {
  // Typed as Fastify's logger so that the instance gets Fastify's default logger type parameter.
  const loggerInstance: FastifyBaseLogger = deps.logger
  const server = Fastify({
    loggerInstance,
    logController: new RequestLogController(),
    trustProxy: deps.config.trustProxy,
    bodyLimit: MAX_MANAGEMENT_BODY_BYTES,
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    // Long ids reach the routes (and get their 404) instead of Fastify's own 414.
    routerOptions: { maxParamLength: MAX_PATH_PARAM_CHARS },
    frameworkErrors: (error, request, reply) => {
      void answerFrameworkError(error, request, reply, guard)
    },
    // Typed as the plain-HTTP instance: routes and hooks do not depend on the transport.
    ...((deps.tls !== undefined ? { https: deps.tls } : {}) as object),
  })
  answerOversizedBodiesAfterReading(server)
  if (tracingEnabled()) traceRequests(server)
  // A response sent while the server closes ends its connection (SIGTERM, docs/cluster.md): the
  // server's close waits for every open connection, and a kept-alive one whose request was in
  // flight would otherwise stay open, idle, for KEEP_ALIVE_TIMEOUT_MS, past the shutdown's grace.
  // Requests that arrive after the close began get Fastify's 503 with `Connection: close`.
  let closing = false
  server.addHook('preClose', (done) => {
    closing = true
    done()
  })
  server.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id)
    if (closing) void reply.header('connection', 'close')
  })
  if (metrics !== undefined) {
    // A callback hook: no promise per request (issue 21's cost of metrics).
    server.addHook('onResponse', (request, reply, done) => {
      metrics.httpRequest(
        request.method,
        request.routeOptions.url,
        reply.statusCode,
        reply.elapsedTime / 1000,
      )
      done()
    })
  }
  return server
}

/**
 * A server span per request (docs/observability.md): started first, before any other hook, as the
 * child of an incoming `traceparent`; the handler runs in its context (entered again before the
 * handler, since reading the body leaves it), so the flows' spans are its children.
 */
function traceRequests(server: FastifyInstance): void {
  // A request property rather than a WeakMap: one slot of the request, nothing for the GC to track.
  server.decorateRequest(HTTP_SPAN, undefined)
  server.addHook('onRequest', (request, _reply, done) => {
    const span = startHttpSpan(request)
    if (span === undefined) {
      done()
      return
    }
    ;(request as TracedFastifyRequest)[HTTP_SPAN] = span
    span.enter(done)
  })
  server.addHook('preHandler', (request, _reply, done) => {
    const span = (request as TracedFastifyRequest)[HTTP_SPAN]
    if (span === undefined) done()
    else span.enter(done)
  })
  server.addHook('onResponse', (request, reply, done) => {
    const traced = request as TracedFastifyRequest
    traced[HTTP_SPAN]?.end(request.routeOptions.url, reply.statusCode)
    traced[HTTP_SPAN] = undefined
    done()
  })
}

/** The request property that holds its span while tracing is on. */
const HTTP_SPAN = 'openhooksHttpSpan'
type TracedFastifyRequest = FastifyRequest & { [HTTP_SPAN]?: HttpSpan | undefined }

/** Registers every plugin and route on `server`, explicitly (STYLE §1). */
export async function registerRoutes(
  server: FastifyInstance,
  services: Services,
  deps: AppDependencies,
): Promise<void> {
  const { config } = deps
  const { hooks, tenantLog, passwordTickets } = services
  server.addHook('onClose', async () => {
    await services.stop()
    await services.detached.drain()
    // Events still queued for the group commit are written before the store closes.
    await tenantLog.close()
  })
  // Log reads see every event recorded on this node before them.
  const logs = readAfterFlush(deps.store, tenantLog)
  await server.register(publicPlugin, {
    issuer: config.issuer,
    publicJwks: deps.signingKeys.publicJwks,
    ping: () => deps.store.ping(),
    sandboxUp: async () => (await deps.runner.stats()).workers.length > 0,
  })
  if (services.metrics !== undefined && config.metrics?.port === undefined) {
    await server.register(metricsPlugin, {
      metrics: services.metrics,
      verifyToken: services.guard.verifyToken,
    })
  }
  await server.register(oauthPlugin, {
    mfa: services.mfa,
    clientCredentials: services.clientCredentials,
  })
  await server.register(mfaPlugin, { mfa: services.mfa })
  await server.register(dbConnectionsPlugin, {
    signup: services.signup,
    detached: services.detached,
    passwordTickets,
    signupPerIpPerMinute: config.signupPerIpPerMinute,
    // One bucket per address for the whole cluster (docs/cluster.md).
    ...(deps.shared === true && config.signupPerIpPerMinute > 0
      ? {
          signupBuckets: new SharedRateLimitStore(
            { burst: config.signupPerIpPerMinute, perSecond: config.signupPerIpPerMinute / 60 },
            deps.store,
            'signup',
          ),
        }
      : undefined),
    ...(deps.now !== undefined ? { now: deps.now } : undefined),
  })
  await server.register(resetPagePlugin, {
    passwordTickets,
    secureCookie: config.issuer.startsWith('https:'),
  })
  await server.register(managementPlugin, {
    prefix: '/api/v2',
    guard: services.guard,
    tenantLog,
    hooks,
    testRunner: {
      hooks,
      runner: deps.runner,
      logger: deps.logger.child({ component: 'runner' }),
      dependencies: deps.dependencies,
    },
    logStream: { hooks, feed: services.logFeed, store: logs, executions: services.executions },
    health: { logs: deps.store, now: services.now },
    directory: {
      tenant: services.tenant,
      clients: services.clients,
      apis: services.apis,
      users: services.users,
      logs,
      onPasswordChanged: (user) => {
        afterPasswordChange(services.changePassword, user)
      },
    },
    tickets: { passwordTickets },
    guardian: { guardian: services.guardian },
    attackProtection: { attackProtection: services.attackProtection, users: services.users },
    issuer: config.issuer,
    version: OPENHOOKS_VERSION,
  })
  if (deps.dashboard !== undefined) {
    await server.register(dashboardSessionPlugin, {
      prefix: DASHBOARD_API_PREFIX,
      operator: deps.dashboard.operator,
      sessions: new SessionStore(deps.store, services.now),
      limiter: new SignInLimiter(
        services.now,
        {
          perAddress: MAX_FAILED_SIGN_INS_PER_ADDRESS,
          perAccount: MAX_FAILED_SIGN_INS_PER_ACCOUNT,
        },
        // Counted once for the whole cluster (docs/cluster.md); in memory on one process.
        deps.shared === true ? new SharedAttemptCounter(deps.store) : undefined,
      ),
      tenantLog,
      signingKeys: deps.signingKeys,
      issuer: config.issuer,
      audience: config.managementAudience,
      clientId: deps.dashboard.clientId,
      secureCookie: config.issuer.startsWith('https:'),
    })
    await server.register(dashboardStaticPlugin, {
      ...(deps.dashboard.dir !== undefined ? { dir: deps.dashboard.dir } : undefined),
    })
  }
}

/**
 * Builds the HTTP application without listening and without reading the environment: the
 * services (`buildServices`), then the server and its routes (`registerRoutes`).
 */
export async function buildApp(deps: AppDependencies): Promise<App> {
  const services = await buildServices(deps)
  const server = createServer(deps, services.guard, services.metrics)
  await registerRoutes(server, services, deps)
  return {
    server,
    hooks: services.hooks,
    tenantLog: services.tenantLog,
    changes: services.changes,
    metrics: services.metrics,
  }
}
