/**
 * The storage contract. Small per-domain interfaces composed into `Store`; every backend passes
 * `store.contract.ts`. Values crossing it are domain types (camelCase), never wire types.
 * Every method is atomic: when it fails or reports a conflict, nothing was written.
 *
 * Size: over 600 lines because it is the whole contract, interfaces only (about a quarter of it
 * doc comments), one section per domain. It stays one file because it is the one storage file the
 * domain folders may import (eslint-rules/dependency-rules.js names `storage/store.ts`): split per
 * domain, every allow-list would have to name each piece. Logic lives in sql/, one file per domain.
 */
import type { AttackProtectionStore } from './attack-protection.js'

export interface HookRecord {
  readonly id: string
  readonly name: string
  readonly script: string
  readonly triggerId: string
  readonly enabled: boolean
  readonly dependencies: Readonly<Record<string, string>>
  readonly createdAt: string
  readonly updatedAt: string
}

export interface NewHook {
  readonly name: string
  readonly script: string
  readonly triggerId: string
  /**
   * `true` enables it exclusively (other hooks of the trigger are disabled in the same
   * transaction); `'if-first'` enables it only when no hook exists for its trigger (compat §1.3).
   */
  readonly enabled: boolean | 'if-first'
  readonly dependencies: Readonly<Record<string, string>>
}

export interface HookPatch {
  readonly name?: string
  readonly script?: string
  readonly enabled?: boolean
  readonly dependencies?: Readonly<Record<string, string>>
  /**
   * Write only when the hook still has the script and the enabled state given here (each when
   * given); otherwise answer `changed` and write nothing (the compile check of issue 18.7 holds
   * for what is written).
   */
  readonly expect?: { readonly script?: string; readonly enabled?: boolean }
}

export interface HookFilter {
  readonly enabled?: boolean
  readonly triggerId?: string
}

export interface PageRequest {
  readonly offset: number
  readonly limit: number
}

export type HookWriteResult =
  | {
      readonly ok: true
      readonly hook: HookRecord
      /** Ids of hooks that this write disabled (the exclusive switch, compat Q1). */
      readonly disabledIds: readonly string[]
    }
  | { readonly ok: false; readonly reason: 'name-taken' | 'not-found' | 'changed' }

export interface HookStore {
  /** Ordered by id (creation order); `total` counts every match regardless of the page. */
  listHooks(filter: HookFilter, page?: PageRequest): Promise<{ hooks: HookRecord[]; total: number }>
  getHook(id: string): Promise<HookRecord | undefined>
  getEnabledHook(triggerId: string): Promise<HookRecord | undefined>
  /** Creates the hook and its version 1 in one transaction. */
  createHook(hook: NewHook, versioning?: HookVersioning): Promise<HookWriteResult>
  /**
   * Updates the hook; when its script or dependencies change (or `versioning.deployedFrom` is
   * set), the next version is recorded and old ones pruned in the same transaction.
   */
  updateHook(id: string, patch: HookPatch, versioning?: HookVersioning): Promise<HookWriteResult>
  /** Deletes the hook, its secrets and its versions; `false` when there was no such hook. */
  deleteHook(id: string): Promise<boolean>
}

/** Newest versions kept per hook unless configured (`OPENHOOKS_HOOK_VERSIONS_KEPT`, issue 22). */
export const DEFAULT_HOOK_VERSIONS_KEPT = 100

/** Who made a hook version: a Management API client, the dashboard operator, or openhooks. */
export interface HookVersionActor {
  readonly type: 'client' | 'operator' | 'system'
  /** The client id, the operator's e-mail address, or what openhooks did (`migration`). */
  readonly id: string
}

/** How a hook write records its version (issue 22). */
export interface HookVersioning {
  readonly actor: HookVersionActor
  /** Newest versions kept for the hook; older ones are deleted in the same transaction. */
  readonly keep: number
  /** Set by a deploy: the version copied. A deploy is recorded even when nothing changed. */
  readonly deployedFrom?: number
}

/** One immutable version of a hook's code. Secrets are not versioned, only their names. */
export interface HookVersionRecord {
  readonly hookId: string
  /** 1, 2, 3 … per hook, consecutive, never reused. */
  readonly number: number
  readonly script: string
  readonly dependencies: Readonly<Record<string, string>>
  /** `sha256:` and the hex SHA-256 of the script and dependencies. */
  readonly hash: string
  readonly actor: HookVersionActor
  /** The hook's secret names when the version was made, alphabetical. */
  readonly secretNames: readonly string[]
  /** The version a deploy copied; absent for a save. */
  readonly deployedFrom?: number
  readonly createdAt: string
}

export interface HookVersionStore {
  /** Newest first; `undefined` when the hook does not exist. */
  listHookVersions(
    hookId: string,
    page?: PageRequest,
  ): Promise<{ items: HookVersionRecord[]; total: number } | undefined>
  getHookVersion(hookId: string, number: number): Promise<HookVersionRecord | undefined>
}

/**
 * What happens when a hook cannot run (timeout, crash, memory, compile or resource limit):
 * `closed` fails the flow as Auth0 did; `open` lets it go on as if no hook were enabled.
 */
export type FailurePolicy = 'closed' | 'open'

/** openhooks' own per-hook settings, outside the hook object Auth0's clients read (issue 22). */
export interface HookSettings {
  readonly failurePolicy: FailurePolicy
}

export type HookSettingsPatch = Partial<HookSettings>

export const DEFAULT_HOOK_SETTINGS: HookSettings = { failurePolicy: 'closed' }

export interface HookSettingsStore {
  /** The hook's settings (defaults unless changed); `undefined` when the hook does not exist. */
  getHookSettings(hookId: string): Promise<HookSettings | undefined>
  /** Applies `patch`; the settings after it, or `undefined` when the hook does not exist. */
  updateHookSettings(hookId: string, patch: HookSettingsPatch): Promise<HookSettings | undefined>
}

/** A secret as stored: `value` is ciphertext; the store never sees a plaintext value. */
export interface SealedSecret {
  readonly name: string
  readonly value: string
}

export type SecretWriteResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'hook-not-found' }
  | { readonly ok: false; readonly reason: 'name-exists' | 'name-missing'; readonly name: string }
  | { readonly ok: false; readonly reason: 'too-many'; readonly max: number }

export interface SecretStore {
  /** Names in alphabetical order, or `undefined` when the hook does not exist. */
  listSecretNames(hookId: string): Promise<string[] | undefined>
  readSecrets(hookId: string): Promise<SealedSecret[]>
  /** Adds new names only, all or nothing; the total may not exceed `max`. */
  addSecrets(
    hookId: string,
    secrets: readonly SealedSecret[],
    max: number,
  ): Promise<SecretWriteResult>
  /** Changes existing names only, all or nothing. */
  updateSecrets(hookId: string, secrets: readonly SealedSecret[]): Promise<SecretWriteResult>
  /** Removes the names that exist; unknown names are ignored (compat Q27). */
  deleteSecrets(
    hookId: string,
    names: readonly string[],
  ): Promise<{ readonly ok: true } | { readonly ok: false; readonly reason: 'hook-not-found' }>
}

export interface ClientRecord {
  readonly clientId: string
  readonly name: string
  readonly description: string
  readonly secretHash: string
  readonly appType: string
  readonly grantTypes: readonly string[]
  readonly clientMetadata: Readonly<Record<string, string>>
  readonly tokenEndpointAuthMethod: string
  /** Managed by openhooks itself (the admin client): not editable through the API. */
  readonly isSystem: boolean
  readonly createdAt: string
  readonly updatedAt: string
}

export type NewClient = Omit<ClientRecord, 'createdAt' | 'updatedAt'>

export type ClientPatch = Partial<
  Pick<
    ClientRecord,
    | 'name'
    | 'description'
    | 'secretHash'
    | 'appType'
    | 'grantTypes'
    | 'clientMetadata'
    | 'tokenEndpointAuthMethod'
  >
>

export interface ClientGrantRecord {
  readonly id: string
  readonly clientId: string
  readonly audience: string
  readonly scope: readonly string[]
}

export interface ClientStore {
  getClient(clientId: string): Promise<ClientRecord | undefined>
  /** Ordered by creation. */
  listClients(page?: PageRequest): Promise<{ items: ClientRecord[]; total: number }>
  /** Creates the client or replaces its fields (keeping `createdAt`). */
  putClient(client: NewClient): Promise<ClientRecord>
  updateClient(clientId: string, patch: ClientPatch): Promise<ClientRecord | undefined>
  /** Deletes the client and its grants. */
  deleteClient(clientId: string): Promise<boolean>
}

export interface ClientGrantFilter {
  readonly clientId?: string
  readonly audience?: string
}

export interface ClientGrantStore {
  getClientGrant(clientId: string, audience: string): Promise<ClientGrantRecord | undefined>
  getClientGrantById(id: string): Promise<ClientGrantRecord | undefined>
  listClientGrants(
    filter: ClientGrantFilter,
    page?: PageRequest,
  ): Promise<{ items: ClientGrantRecord[]; total: number }>
  /** Creates the grant or replaces its scopes. */
  putClientGrant(
    clientId: string,
    audience: string,
    scope: readonly string[],
  ): Promise<ClientGrantRecord>
  /** Creates a grant; `exists` when the client already has one for the audience. */
  createClientGrant(
    clientId: string,
    audience: string,
    scope: readonly string[],
  ): Promise<{ ok: true; grant: ClientGrantRecord } | { ok: false; reason: 'exists' }>
  updateClientGrant(id: string, scope: readonly string[]): Promise<ClientGrantRecord | undefined>
  deleteClientGrant(id: string): Promise<boolean>
}

export interface ResourceServerScope {
  readonly value: string
  readonly description: string
}

export interface ResourceServerRecord {
  readonly id: string
  /** The audience. */
  readonly identifier: string
  readonly name: string
  readonly scopes: readonly ResourceServerScope[]
  /** Access token lifetime, in seconds. */
  readonly tokenLifetime: number
  readonly signingAlg: string
  readonly createdAt: string
  readonly updatedAt: string
}

export type NewResourceServer = Omit<ResourceServerRecord, 'id' | 'createdAt' | 'updatedAt'>
export type ResourceServerPatch = Partial<
  Pick<ResourceServerRecord, 'name' | 'scopes' | 'tokenLifetime'>
>

export interface ResourceServerStore {
  listResourceServers(page?: PageRequest): Promise<{ items: ResourceServerRecord[]; total: number }>
  /** By id or by identifier (audience), as Auth0 accepts either. */
  getResourceServer(idOrIdentifier: string): Promise<ResourceServerRecord | undefined>
  createResourceServer(
    rs: NewResourceServer,
  ): Promise<
    { ok: true; resourceServer: ResourceServerRecord } | { ok: false; reason: 'identifier-taken' }
  >
  updateResourceServer(
    id: string,
    patch: ResourceServerPatch,
  ): Promise<ResourceServerRecord | undefined>
  /** Deletes the resource server and every grant for its audience. */
  deleteResourceServer(id: string): Promise<boolean>
}

export interface ConnectionRecord {
  readonly id: string
  readonly name: string
  readonly strategy: string
  readonly options: Readonly<Record<string, unknown>>
  readonly createdAt: string
  readonly updatedAt: string
}

export interface ConnectionStore {
  listConnections(): Promise<ConnectionRecord[]>
  getConnection(id: string): Promise<ConnectionRecord | undefined>
  getConnectionByName(name: string): Promise<ConnectionRecord | undefined>
  /** Creates the connection unless one with that name exists; returns the stored one. */
  ensureConnection(
    connection: Omit<ConnectionRecord, 'createdAt' | 'updatedAt'>,
  ): Promise<ConnectionRecord>
  updateConnectionOptions(
    id: string,
    options: Readonly<Record<string, unknown>>,
  ): Promise<ConnectionRecord | undefined>
}

export interface UserRecord {
  /** Without the `auth0|` prefix. */
  readonly id: string
  readonly connectionId: string
  readonly email: string | undefined
  readonly username: string | undefined
  readonly phoneNumber: string | undefined
  readonly emailVerified: boolean
  readonly phoneVerified: boolean
  readonly passwordHash: string | undefined
  readonly userMetadata: Readonly<Record<string, unknown>>
  readonly appMetadata: Readonly<Record<string, unknown>>
  readonly lastPasswordReset: string | undefined
  readonly createdAt: string
  readonly updatedAt: string
}

export type NewUser = Omit<UserRecord, 'id' | 'createdAt' | 'updatedAt' | 'lastPasswordReset'>
export interface UserPatch {
  readonly email?: string
  readonly username?: string
  readonly phoneNumber?: string
  readonly emailVerified?: boolean
  readonly phoneVerified?: boolean
  readonly passwordHash?: string
  readonly userMetadata?: Readonly<Record<string, unknown>>
  readonly appMetadata?: Readonly<Record<string, unknown>>
  readonly lastPasswordReset?: string
}

export type UserWriteResult =
  | { readonly ok: true; readonly user: UserRecord }
  | { readonly ok: false; readonly reason: 'exists' | 'not-found' }

export interface UserStore {
  /** `exists` when the e-mail or username is taken in the connection. */
  createUser(user: NewUser): Promise<UserWriteResult>
  getUser(id: string): Promise<UserRecord | undefined>
  findUser(
    connectionId: string,
    by: { readonly email: string } | { readonly username: string },
  ): Promise<UserRecord | undefined>
  /** Ordered by creation. */
  listUsers(page?: PageRequest): Promise<{ items: UserRecord[]; total: number }>
  updateUser(id: string, patch: UserPatch): Promise<UserWriteResult>
  deleteUser(id: string): Promise<boolean>
}

/** One tenant log event, in Auth0's shape (compat §5); `details` holds the rest. */
export interface TenantLogRecord {
  readonly logId: string
  readonly date: string
  readonly type: string
  readonly description?: string
  readonly clientId?: string
  readonly clientName?: string
  readonly userId?: string
  readonly userName?: string
  readonly ip?: string
  readonly userAgent?: string
  readonly hookId?: string
  readonly details: Readonly<Record<string, unknown>>
}

export interface TenantLogQuery {
  readonly type?: string
  readonly hookId?: string
  /** Checkpoint paging: events after this log id, oldest first. */
  readonly from?: string
  readonly take?: number
  /** Offset paging, newest first. */
  readonly page?: PageRequest
}

/** An event with its place in the cluster-wide commit order (migration 0008). */
export interface SequencedTenantLog {
  readonly seq: number
  readonly log: TenantLogRecord
}

export interface SequencedLogQuery {
  /** Events with a larger `seq`, smallest first. */
  readonly afterSeq: number
  /** And at most this `seq`. */
  readonly upToSeq?: number
  readonly hookId?: string
  readonly take: number
}

/** One hook run as a tenant log event records it (`details.hook`), for hook health. */
export interface HookRunRecord {
  readonly hookId: string
  readonly date: string
  /** The sandbox outcome kind (`ok`, `hook-error`, `timeout`, …). */
  readonly outcome: string
  readonly durationMs: number
}

export interface TenantLogStore {
  /** The hook runs recorded since `since` (ISO date), newest first, at most `limit`. */
  listHookRuns(since: string, limit: number): Promise<HookRunRecord[]>
  /** Stores an event; it gets the next `seq` of the cluster as it is committed. */
  appendLog(entry: Omit<TenantLogRecord, 'logId'>): Promise<TenantLogRecord>
  /** The live stream's read: events by `seq` (the order they were committed in, on any node). */
  listLogsBySeq(query: SequencedLogQuery): Promise<SequencedTenantLog[]>
  /** The largest `seq` stored, 0 when there is none. */
  lastLogSeq(): Promise<number>
  /** The `seq` of an event, by its log id. */
  logSeqOf(logId: string): Promise<number | undefined>
  /** Appends several events in one statement (all or none), in order. */
  appendLogs(entries: readonly Omit<TenantLogRecord, 'logId'>[]): Promise<TenantLogRecord[]>
  listLogs(query: TenantLogQuery): Promise<{ items: TenantLogRecord[]; total: number }>
  getLog(logId: string): Promise<TenantLogRecord | undefined>
  /** Removes events older than `before` and, beyond `maxRows`, the oldest; returns how many. */
  pruneLogs(before: string, maxRows: number): Promise<number>
}

/** A password-change ticket; `tokenHash` is the SHA-256 (hex) of the token in its URL. */
export interface PasswordTicketRecord {
  readonly id: string
  readonly tokenHash: string
  /** Without the `auth0|` prefix. */
  readonly userId: string
  readonly resultUrl?: string
  readonly markEmailVerified: boolean
  readonly expiresAt: string
  readonly usedAt?: string
  readonly createdAt: string
}

export type NewPasswordTicket = Omit<PasswordTicketRecord, 'id' | 'usedAt' | 'createdAt'>

export interface PasswordTicketStore {
  createPasswordTicket(ticket: NewPasswordTicket): Promise<PasswordTicketRecord>
  getPasswordTicket(tokenHash: string): Promise<PasswordTicketRecord | undefined>
  /**
   * Marks the ticket used at `now` if it is unused and `expiresAt > now`, in one statement: of two
   * concurrent calls, one gets the ticket and the other `undefined`.
   */
  consumePasswordTicket(tokenHash: string, now: string): Promise<PasswordTicketRecord | undefined>
}

/** A pending second factor of a password login: the `mfa_token` (stored as its keyed hash). */
export interface MfaTokenRecord {
  readonly tokenHash: string
  /** Without the `auth0|` prefix. */
  readonly userId: string
  readonly clientId: string
  /** The audience and space-separated scope of the password request, for the final token. */
  readonly audience: string
  readonly scope: string
  readonly expiresAt: string
  readonly createdAt: string
}

/** An SMS authenticator of a user; `confirmed` after the first successful code. */
export interface MfaAuthenticatorRecord {
  readonly id: string
  readonly userId: string
  readonly oobChannel: 'sms'
  readonly phoneNumber: string
  readonly confirmed: boolean
  readonly recoveryCodeHash: string | undefined
  readonly createdAt: string
}

/** A one-time code sent by SMS, awaiting its `mfa-oob` grant. Hashes only. */
export interface MfaChallengeRecord {
  readonly oobCodeHash: string
  readonly authenticatorId: string
  readonly userId: string
  readonly clientId: string
  readonly codeHash: string
  readonly attempts: number
  readonly expiresAt: string
  readonly usedAt: string | undefined
  readonly createdAt: string
}

export type NewMfaChallenge = Omit<MfaChallengeRecord, 'attempts' | 'usedAt' | 'createdAt'>

export interface MfaStore {
  /** A Guardian setting as stored JSON value, `undefined` when never set. */
  getGuardianSetting(key: string): Promise<unknown>
  putGuardianSetting(key: string, value: unknown): Promise<void>
  createMfaToken(token: Omit<MfaTokenRecord, 'createdAt'>): Promise<MfaTokenRecord>
  getMfaToken(tokenHash: string): Promise<MfaTokenRecord | undefined>
  /** Ordered by creation. */
  listMfaAuthenticators(userId: string): Promise<MfaAuthenticatorRecord[]>
  /**
   * Stores an unconfirmed authenticator and its first challenge in one transaction, replacing the
   * user's unconfirmed authenticators (an enrollment that was never completed).
   */
  enrollMfaAuthenticator(
    authenticator: Omit<MfaAuthenticatorRecord, 'confirmed' | 'createdAt'>,
    challenge: Omit<NewMfaChallenge, 'authenticatorId' | 'userId'>,
  ): Promise<MfaAuthenticatorRecord>
  createMfaChallenge(challenge: NewMfaChallenge): Promise<MfaChallengeRecord>
  getMfaChallenge(oobCodeHash: string): Promise<MfaChallengeRecord | undefined>
  /** Adds one failed attempt; returns the new count, or `undefined` when the challenge is gone. */
  addMfaChallengeAttempt(oobCodeHash: string): Promise<number | undefined>
  /**
   * Marks the challenge used at `now` if it is unused, unexpired and under `maxAttempts` failed
   * attempts, and confirms its authenticator, in one transaction: of two concurrent calls, one
   * gets the challenge and the other `undefined`. `confirmed` says whether this call confirmed it.
   */
  consumeMfaChallenge(
    oobCodeHash: string,
    now: string,
    maxAttempts: number,
  ): Promise<{ challenge: MfaChallengeRecord; confirmed: boolean } | undefined>
  /**
   * Replaces the recovery code hash of a confirmed authenticator if it is still `oldHash`, in one
   * statement: a recovery code is redeemed once.
   */
  rotateMfaRecoveryCode(id: string, oldHash: string, newHash: string): Promise<boolean>
  /** `false` when the user has no such authenticator. Its challenges go with it. */
  deleteMfaAuthenticator(userId: string, id: string): Promise<boolean>
  /**
   * Counts the sends to `phoneNumber` since `since` and, when fewer than `max`, records one at
   * `now`, atomically. Older rows of that number are removed on the way.
   */
  reserveSmsSend(
    phoneNumber: string,
    now: string,
    since: string,
    max: number,
  ): Promise<{ allowed: boolean; count: number }>
}

export interface SigningKeyRecord {
  readonly kid: string
  readonly alg: string
  readonly publicJwk: string
  /** Sealed private JWK. */
  readonly privateJwk: string
  readonly createdAt: string
}

export interface KeyStore {
  /** Newest first. */
  listSigningKeys(): Promise<SigningKeyRecord[]>
  /** Inserts the key unless one already exists; returns the newest key either way. */
  insertSigningKeyIfNone(key: Omit<SigningKeyRecord, 'createdAt'>): Promise<SigningKeyRecord>
}

/** One bundled npm dependency of hooks, under its content address (migration 0009). */
export interface DependencyBundleRecord {
  readonly key: string
  readonly name: string
  readonly version: string
  readonly source: string
}

/** Hooks' dependency bundles and resolved ranges, shared by every node (issue 20). */
export interface DependencyBundleStore {
  /** The bundle under `key`, or undefined (also when its stored digest does not match). */
  getDependencyBundle(key: string): Promise<DependencyBundleRecord | undefined>
  /** Stores a bundle; a bundle already under its key is kept. */
  putDependencyBundle(bundle: DependencyBundleRecord): Promise<void>
  /** The version `name@range` resolved to at the last save on any node. */
  getDependencyRange(spec: string): Promise<string | undefined>
  putDependencyRange(spec: string, version: string): Promise<void>
}

/** What a take from a token bucket found (ClusterStore.takeRateLimitToken). */
export interface RateLimitTake {
  /** A token was there and is now taken. */
  readonly allowed: boolean
  /** Tokens left in the bucket after the take (a fraction while it refills). */
  readonly tokens: number
}

/** A dashboard session as stored: the SHA-256 of its cookie value, never the value. */
export interface DashboardSessionRecord {
  readonly idHash: string
  readonly email: string
  readonly createdMs: number
  readonly lastSeenMs: number
}

/** The dashboard's one operator account. */
export interface OperatorAccountRecord {
  readonly email: string
  readonly passwordHash: string
}

/** A hook's execution as the live logs of other nodes read it (ClusterStore.listHookExecutions). */
export interface StoredHookExecution {
  readonly id: string
  readonly hookId: string
  readonly endedMs: number
  /** The execution as JSON. */
  readonly body: string
}

/** A fixed window of counted attempts (ClusterStore.countAttempt). */
export interface AttemptWindow {
  readonly startMs: number
  readonly attempts: number
}

/**
 * What every node of a cluster shares besides the tenant's data (issue 20, docs/cluster.md):
 * token buckets, dashboard sessions, the operator account, and a lock for first-start work.
 */
export interface ClusterStore {
  /**
   * Refills `key`'s bucket for the time since its last take (at most `burst` tokens, `perSecond`
   * per second) and takes one token if there is one, in one atomic statement: concurrent takes on
   * any node see each other. A new bucket starts full.
   */
  takeRateLimitToken(
    key: string,
    settings: { readonly burst: number; readonly perSecond: number },
    nowMs: number,
  ): Promise<RateLimitTake>
  /**
   * Removes buckets untouched since `beforeMs` (they would be full again anyway); with `keyPrefix`
   * (letters, digits, `-`, `:`), only the buckets whose key starts with it.
   */
  pruneRateLimitBuckets(beforeMs: number, keyPrefix?: string): Promise<void>
  /** Stores a new session; beyond `maxSessions`, the least recently used ones are removed. */
  createDashboardSession(session: DashboardSessionRecord, maxSessions: number): Promise<void>
  /**
   * The session of `idHash` if it is still live at `nowMs` (seen within `idleMs`, started within
   * `maxAgeMs`), with its last use moved to `nowMs`; an expired one is removed.
   */
  touchDashboardSession(
    idHash: string,
    nowMs: number,
    limits: { readonly idleMs: number; readonly maxAgeMs: number },
  ): Promise<DashboardSessionRecord | undefined>
  deleteDashboardSession(idHash: string): Promise<void>
  getOperatorAccount(): Promise<OperatorAccountRecord | undefined>
  /**
   * Stores the operator account: replaces the stored one, or with `ifAbsent` only creates it;
   * `false` when `ifAbsent` found one already.
   */
  putOperatorAccount(account: OperatorAccountRecord, ifAbsent: boolean): Promise<boolean>
  /**
   * Runs `work` while no other node runs work under the same `name` (first-start work such as
   * creating the admin client). On PostgreSQL a session advisory lock; on SQLite, one process.
   */
  whileLocked<T>(name: string, work: () => Promise<T>): Promise<T>
  /** Stores executions of hooks for the live logs of the other nodes. */
  insertHookExecutions(executions: readonly StoredHookExecution[]): Promise<void>
  /** `hookId`'s stored executions that ended at or after `fromMs`, oldest first, at most `take`. */
  listHookExecutions(hookId: string, fromMs: number, take: number): Promise<StoredHookExecution[]>
  /** Removes executions that ended before `beforeMs`, and each hook's beyond its newest `perHook`. */
  pruneHookExecutions(beforeMs: number, perHook: number): Promise<void>
  /**
   * Counts one attempt in `key`'s window, in one atomic statement: a window older than `windowMs`
   * at `nowMs` starts again at `nowMs`. Returns the window after the count.
   */
  countAttempt(key: string, nowMs: number, windowMs: number): Promise<AttemptWindow>
  /** Takes one attempt back from `key`'s window if it still started at `startMs`. */
  uncountAttempt(key: string, startMs: number): Promise<void>
  /** Forgets `key`'s window. */
  clearAttempts(key: string): Promise<void>
  /** Removes windows that started before `beforeMs`. */
  pruneAttempts(beforeMs: number): Promise<void>
}

export interface Store
  extends
    ClusterStore,
    HookStore,
    HookVersionStore,
    HookSettingsStore,
    SecretStore,
    ClientStore,
    ClientGrantStore,
    ResourceServerStore,
    ConnectionStore,
    UserStore,
    TenantLogStore,
    PasswordTicketStore,
    MfaStore,
    KeyStore,
    DependencyBundleStore {
  /** Attack-protection settings and counters (src/storage/attack-protection.ts). */
  readonly attackProtection: AttackProtectionStore
  /** Statements sent and pool connections, for the metrics (docs/observability.md). */
  readonly databaseUsage: DatabaseUsage
  /** Resolves when the database answers a trivial query; rejects otherwise. */
  ping(): Promise<void>
  close(): Promise<void>
}

export type DatabaseBackend = 'sqlite' | 'postgresql'

/** A node's PostgreSQL pool at one moment. */
export interface DatabasePoolUsage {
  /** Connections open, idle or in use. */
  readonly total: number
  readonly idle: number
  /** Requests for a connection waiting for one. */
  readonly waiting: number
  /** Connections the pool may open (`OPENHOOKS_DATABASE_POOL_SIZE`). */
  readonly max: number
}

/** How much this node uses its database (src/storage/sql/database-usage.ts). */
export interface DatabaseUsage {
  readonly backend: DatabaseBackend
  /**
   * Statements sent since the start (BEGIN, COMMIT and ROLLBACK included): on PostgreSQL each is
   * one network round trip; SQLite runs them in-process.
   */
  roundTrips(): number
  /** Counts one statement sent outside the store's connections (the change bus's own). */
  countRoundTrip(): void
  /** The pool, on PostgreSQL; undefined on SQLite (one synchronous connection, no pool). */
  pool(): DatabasePoolUsage | undefined
}
