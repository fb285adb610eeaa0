import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import {
  Kysely,
  Migrator,
  SqliteDialect,
  sql,
  type Selectable,
  type SqliteDatabase as SqliteDialectDatabase,
  type Transaction,
} from 'kysely'
import { migrationProvider } from './migrations/index.js'
import { getHookSettings, updateHookSettings } from './sql/hook-settings.js'
import {
  SYSTEM_VERSIONING,
  getHookVersion,
  hookCodeHash,
  listHookVersions,
  recordHookVersion,
} from './sql/hook-versions.js'
import type {
  ClientGrantsTable,
  ClientsTable,
  ConnectionsTable,
  Database,
  HooksTable,
  MfaAuthenticatorsTable,
  MfaChallengesTable,
  MfaTokensTable,
  PasswordTicketsTable,
  ResourceServersTable,
  TenantLogsTable,
  UsersTable,
} from './schema.js'
import type {
  ClientGrantFilter,
  ClientGrantRecord,
  ClientPatch,
  ClientRecord,
  ConnectionRecord,
  NewClient,
  NewResourceServer,
  NewUser,
  ResourceServerPatch,
  ResourceServerRecord,
  ResourceServerScope,
  TenantLogQuery,
  TenantLogRecord,
  UserPatch,
  UserRecord,
  UserWriteResult,
  HookFilter,
  HookPatch,
  HookRecord,
  HookSettings,
  HookSettingsPatch,
  HookVersioning,
  HookVersionRecord,
  HookWriteResult,
  NewHook,
  MfaAuthenticatorRecord,
  MfaChallengeRecord,
  MfaTokenRecord,
  NewMfaChallenge,
  NewPasswordTicket,
  PageRequest,
  PasswordTicketRecord,
  SealedSecret,
  SecretWriteResult,
  SigningKeyRecord,
  Store,
} from './store.js'
import { ulid } from './ulid.js'

/** How long SQLite waits for a lock held by another connection (another process). */
const SQLITE_BUSY_TIMEOUT_MS = 5_000

export interface SqliteStoreOptions {
  /** A file path, or `':memory:'` for a private in-memory database (tests). */
  readonly filename: string
  /** Clock for `created_at`/`updated_at`; injectable for tests. */
  readonly now?: () => Date
}

// Our own JSON columns, written by JSON.stringify of the same shapes.
function parseStringMap(text: string): Record<string, string> {
  return JSON.parse(text) as Record<string, string>
}
function parseStringList(text: string): string[] {
  return JSON.parse(text) as string[]
}

function toHook(row: Selectable<HooksTable>): HookRecord {
  return {
    id: row.id,
    name: row.name,
    script: row.script,
    triggerId: row.trigger_id,
    enabled: row.enabled === 1,
    dependencies: parseStringMap(row.dependencies),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toClient(row: Selectable<ClientsTable>): ClientRecord {
  return {
    clientId: row.client_id,
    name: row.name,
    secretHash: row.secret_hash,
    appType: row.app_type,
    grantTypes: parseStringList(row.grant_types),
    clientMetadata: parseStringMap(row.client_metadata),
    description: row.description,
    tokenEndpointAuthMethod: row.token_endpoint_auth_method,
    isSystem: row.is_system === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function parseObject(text: string): Record<string, unknown> {
  return JSON.parse(text) as Record<string, unknown>
}

function toGrant(row: Selectable<ClientGrantsTable>): ClientGrantRecord {
  return {
    id: row.id,
    clientId: row.client_id,
    audience: row.audience,
    scope: parseStringList(row.scope),
  }
}

function toResourceServer(row: Selectable<ResourceServersTable>): ResourceServerRecord {
  return {
    id: row.id,
    identifier: row.identifier,
    name: row.name,
    scopes: JSON.parse(row.scopes) as ResourceServerScope[],
    tokenLifetime: row.token_lifetime,
    signingAlg: row.signing_alg,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toConnection(row: Selectable<ConnectionsTable>): ConnectionRecord {
  return {
    id: row.id,
    name: row.name,
    strategy: row.strategy,
    options: parseObject(row.options),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toMfaToken(row: Selectable<MfaTokensTable>): MfaTokenRecord {
  return {
    tokenHash: row.token_hash,
    userId: row.user_id,
    clientId: row.client_id,
    audience: row.audience,
    scope: row.scope,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
  }
}

function toMfaAuthenticator(row: Selectable<MfaAuthenticatorsTable>): MfaAuthenticatorRecord {
  return {
    id: row.id,
    userId: row.user_id,
    oobChannel: 'sms',
    phoneNumber: row.phone_number,
    confirmed: row.confirmed === 1,
    recoveryCodeHash: row.recovery_code_hash ?? undefined,
    createdAt: row.created_at,
  }
}

function toMfaChallenge(row: Selectable<MfaChallengesTable>): MfaChallengeRecord {
  return {
    oobCodeHash: row.oob_code_hash,
    authenticatorId: row.authenticator_id,
    userId: row.user_id,
    clientId: row.client_id,
    codeHash: row.code_hash,
    attempts: row.attempts,
    expiresAt: row.expires_at,
    usedAt: row.used_at ?? undefined,
    createdAt: row.created_at,
  }
}

function toPasswordTicket(row: Selectable<PasswordTicketsTable>): PasswordTicketRecord {
  return {
    id: row.id,
    tokenHash: row.token_hash,
    userId: row.user_id,
    ...(row.result_url !== null ? { resultUrl: row.result_url } : undefined),
    markEmailVerified: row.mark_email_verified === 1,
    expiresAt: row.expires_at,
    ...(row.used_at !== null ? { usedAt: row.used_at } : undefined),
    createdAt: row.created_at,
  }
}

function toUser(row: Selectable<UsersTable>): UserRecord {
  return {
    id: row.id,
    connectionId: row.connection_id,
    email: row.email ?? undefined,
    username: row.username ?? undefined,
    phoneNumber: row.phone_number ?? undefined,
    emailVerified: row.email_verified === 1,
    phoneVerified: row.phone_verified === 1,
    passwordHash: row.password_hash ?? undefined,
    userMetadata: parseObject(row.user_metadata),
    appMetadata: parseObject(row.app_metadata),
    lastPasswordReset: row.last_password_reset ?? undefined,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toLog(row: Selectable<TenantLogsTable>): TenantLogRecord {
  return {
    logId: row.log_id,
    date: row.date,
    type: row.type,
    ...(row.description !== null ? { description: row.description } : undefined),
    ...(row.client_id !== null ? { clientId: row.client_id } : undefined),
    ...(row.client_name !== null ? { clientName: row.client_name } : undefined),
    ...(row.user_id !== null ? { userId: row.user_id } : undefined),
    ...(row.user_name !== null ? { userName: row.user_name } : undefined),
    ...(row.ip !== null ? { ip: row.ip } : undefined),
    ...(row.user_agent !== null ? { userAgent: row.user_agent } : undefined),
    ...(row.hook_id !== null ? { hookId: row.hook_id } : undefined),
    details: parseObject(row.details),
  }
}

/** Auth0-style random ids: `prefix` + lower-case hex. */
function hexId(bytes: number): string {
  return randomBytes(bytes).toString('hex')
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return (
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === '23505'
  )
}

/**
 * Prepared statements kept per connection. Kysely asks the driver to prepare every query it runs;
 * the store issues a few dozen distinct SQL texts, so keeping them prepared saves SQLite's parse
 * and plan on every request (a CPU profile of the token endpoint showed `prepare` at 6–7 % of the
 * server's time).
 */
export const STATEMENT_CACHE_SIZE = 256

/**
 * A better-sqlite3 database whose `prepare` reuses statements by SQL text, least recently used
 * first out. Safe because Kysely runs each statement to completion synchronously (`all`/`run`);
 * the store never streams, which would keep a statement busy. SQLite re-prepares a cached statement
 * by itself after a schema change.
 */
export function withStatementCache(
  database: SqliteDatabase.Database,
  maxStatements: number,
): SqliteDialectDatabase {
  const statements = new Map<string, SqliteDatabase.Statement>()
  return {
    close: () => {
      statements.clear()
      database.close()
    },
    prepare: (sqlText: string) => {
      let statement = statements.get(sqlText)
      if (statement !== undefined) {
        // Re-insert to mark it most recently used.
        statements.delete(sqlText)
      } else {
        statement = database.prepare(sqlText)
        if (statements.size >= maxStatements) {
          const oldest = statements.keys().next()
          if (oldest.done !== true) statements.delete(oldest.value)
        }
      }
      statements.set(sqlText, statement)
      return statement
    },
  }
}

/** Opens (and migrates) the embedded SQLite store. WAL mode; foreign keys on. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true })
  const sqlite = new SqliteDatabase(options.filename, { timeout: SQLITE_BUSY_TIMEOUT_MS })
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('synchronous = NORMAL')
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite, STATEMENT_CACHE_SIZE) }),
  })
  const migrator = new Migrator({ db, provider: migrationProvider })
  const { error } = await migrator.migrateToLatest()
  if (error !== undefined) {
    await db.destroy()
    throw new Error('Database migration failed', { cause: error })
  }
  return new SqlStore(db, options.now ?? (() => new Date()))
}

/** The Kysely implementation of `Store`. Dialect-neutral SQL; booleans are 0/1 integers. */
export class SqlStore implements Store {
  readonly #db: Kysely<Database>
  readonly #now: () => Date

  constructor(db: Kysely<Database>, now: () => Date) {
    this.#db = db
    this.#now = now
  }

  #timestamp(): string {
    return this.#now().toISOString()
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.#db)
  }

  async close(): Promise<void> {
    await this.#db.destroy()
  }

  // ---- hooks ----------------------------------------------------------------------------------

  async listHooks(
    filter: HookFilter,
    page?: PageRequest,
  ): Promise<{ hooks: HookRecord[]; total: number }> {
    let query = this.#db.selectFrom('hooks')
    if (filter.enabled !== undefined) query = query.where('enabled', '=', filter.enabled ? 1 : 0)
    if (filter.triggerId !== undefined) query = query.where('trigger_id', '=', filter.triggerId)
    const countRow = await query
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow()
    let rowsQuery = query.selectAll().orderBy('id')
    if (page !== undefined) rowsQuery = rowsQuery.limit(page.limit).offset(page.offset)
    const rows = await rowsQuery.execute()
    return { hooks: rows.map(toHook), total: countRow.total }
  }

  async getHook(id: string): Promise<HookRecord | undefined> {
    const row = await this.#db
      .selectFrom('hooks')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return row === undefined ? undefined : toHook(row)
  }

  async getEnabledHook(triggerId: string): Promise<HookRecord | undefined> {
    const row = await this.#db
      .selectFrom('hooks')
      .selectAll()
      .where('trigger_id', '=', triggerId)
      .where('enabled', '=', 1)
      .executeTakeFirst()
    return row === undefined ? undefined : toHook(row)
  }

  /** Disables every enabled hook of `triggerId` except `exceptId`; returns their ids. */
  async #disableOthers(
    trx: Transaction<Database>,
    triggerId: string,
    exceptId: string,
    at: string,
  ): Promise<string[]> {
    const rows = await trx
      .updateTable('hooks')
      .set({ enabled: 0, updated_at: at })
      .where('trigger_id', '=', triggerId)
      .where('enabled', '=', 1)
      .where('id', '!=', exceptId)
      .returning('id')
      .execute()
    return rows.map((r) => r.id)
  }

  async createHook(
    hook: NewHook,
    versioning: HookVersioning = SYSTEM_VERSIONING,
  ): Promise<HookWriteResult> {
    try {
      return await this.#db.transaction().execute(async (trx) => {
        const taken = await trx
          .selectFrom('hooks')
          .select('id')
          .where('name', '=', hook.name)
          .executeTakeFirst()
        if (taken !== undefined) return { ok: false, reason: 'name-taken' } as const
        let enabled: boolean
        if (hook.enabled === 'if-first') {
          const existing = await trx
            .selectFrom('hooks')
            .select('id')
            .where('trigger_id', '=', hook.triggerId)
            .limit(1)
            .executeTakeFirst()
          enabled = existing === undefined
        } else {
          enabled = hook.enabled
        }
        const id = ulid()
        const at = this.#timestamp()
        const disabledIds = enabled ? await this.#disableOthers(trx, hook.triggerId, id, at) : []
        const row = await trx
          .insertInto('hooks')
          .values({
            id,
            name: hook.name,
            script: hook.script,
            trigger_id: hook.triggerId,
            enabled: enabled ? 1 : 0,
            dependencies: JSON.stringify(hook.dependencies),
            created_at: at,
            updated_at: at,
          })
          .returningAll()
          .executeTakeFirstOrThrow()
        await recordHookVersion(trx, { ...hook, hookId: id, versioning, at })
        return { ok: true, hook: toHook(row), disabledIds } as const
      })
    } catch (error) {
      if (isUniqueViolation(error)) return { ok: false, reason: 'name-taken' }
      throw error
    }
  }

  async updateHook(
    id: string,
    patch: HookPatch,
    versioning: HookVersioning = SYSTEM_VERSIONING,
  ): Promise<HookWriteResult> {
    try {
      return await this.#db.transaction().execute(async (trx) => {
        const current = await trx
          .selectFrom('hooks')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirst()
        if (current === undefined) return { ok: false, reason: 'not-found' } as const
        if (patch.name !== undefined && patch.name !== current.name) {
          const taken = await trx
            .selectFrom('hooks')
            .select('id')
            .where('name', '=', patch.name)
            .executeTakeFirst()
          if (taken !== undefined) return { ok: false, reason: 'name-taken' } as const
        }
        const at = this.#timestamp()
        const disabledIds =
          patch.enabled === true ? await this.#disableOthers(trx, current.trigger_id, id, at) : []
        const row = await trx
          .updateTable('hooks')
          .set({
            ...(patch.name !== undefined ? { name: patch.name } : undefined),
            ...(patch.script !== undefined ? { script: patch.script } : undefined),
            ...(patch.enabled !== undefined ? { enabled: patch.enabled ? 1 : 0 } : undefined),
            ...(patch.dependencies !== undefined
              ? { dependencies: JSON.stringify(patch.dependencies) }
              : undefined),
            updated_at: at,
          })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirstOrThrow()
        const hook = toHook(row)
        const codeChanged =
          hookCodeHash(hook.script, hook.dependencies) !==
          hookCodeHash(current.script, parseStringMap(current.dependencies))
        if (codeChanged || versioning.deployedFrom !== undefined) {
          await recordHookVersion(trx, { ...hook, hookId: id, versioning, at })
        }
        return { ok: true, hook, disabledIds } as const
      })
    } catch (error) {
      if (isUniqueViolation(error)) return { ok: false, reason: 'name-taken' }
      throw error
    }
  }

  async deleteHook(id: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('hook_secrets').where('hook_id', '=', id).execute()
      const result = await trx.deleteFrom('hooks').where('id', '=', id).executeTakeFirst()
      return result.numDeletedRows > 0n
    })
  }

  // ---- hook versions (storage/sql/hook-versions.ts) ------------------------------------------

  listHookVersions(
    hookId: string,
    page?: PageRequest,
  ): Promise<{ items: HookVersionRecord[]; total: number } | undefined> {
    return listHookVersions(this.#db, hookId, page)
  }

  getHookVersion(hookId: string, number: number): Promise<HookVersionRecord | undefined> {
    return getHookVersion(this.#db, hookId, number)
  }

  // ---- hook settings (storage/sql/hook-settings.ts) ------------------------------------------

  getHookSettings(hookId: string): Promise<HookSettings | undefined> {
    return getHookSettings(this.#db, hookId)
  }

  updateHookSettings(hookId: string, patch: HookSettingsPatch): Promise<HookSettings | undefined> {
    return updateHookSettings(this.#db, hookId, patch, this.#timestamp())
  }

  // ---- secrets --------------------------------------------------------------------------------

  /** The names of a hook's secrets in name order, or undefined when there is no such hook. */
  async #secretNames(trx: Transaction<Database>, hookId: string): Promise<string[] | undefined> {
    const hook = await trx
      .selectFrom('hooks')
      .select('id')
      .where('id', '=', hookId)
      .executeTakeFirst()
    if (hook === undefined) return undefined
    const rows = await trx
      .selectFrom('hook_secrets')
      .select('name')
      .where('hook_id', '=', hookId)
      .orderBy('name')
      .execute()
    return rows.map((r) => r.name)
  }

  async listSecretNames(hookId: string): Promise<string[] | undefined> {
    return this.#db.transaction().execute((trx) => this.#secretNames(trx, hookId))
  }

  async readSecrets(hookId: string): Promise<SealedSecret[]> {
    return this.#db
      .selectFrom('hook_secrets')
      .select(['name', 'value'])
      .where('hook_id', '=', hookId)
      .orderBy('name')
      .execute()
  }

  async addSecrets(
    hookId: string,
    secrets: readonly SealedSecret[],
    max: number,
  ): Promise<SecretWriteResult> {
    return this.#db.transaction().execute(async (trx) => {
      const names = await this.#secretNames(trx, hookId)
      if (names === undefined) return { ok: false, reason: 'hook-not-found' } as const
      const existing = new Set(names)
      const clash = secrets.find((s) => existing.has(s.name))
      if (clash !== undefined)
        return { ok: false, reason: 'name-exists', name: clash.name } as const
      if (existing.size + secrets.length > max)
        return { ok: false, reason: 'too-many', max } as const
      const at = this.#timestamp()
      await trx
        .insertInto('hook_secrets')
        .values(
          secrets.map((s) => ({
            hook_id: hookId,
            name: s.name,
            value: s.value,
            created_at: at,
            updated_at: at,
          })),
        )
        .execute()
      return { ok: true } as const
    })
  }

  async updateSecrets(
    hookId: string,
    secrets: readonly SealedSecret[],
  ): Promise<SecretWriteResult> {
    return this.#db.transaction().execute(async (trx) => {
      const names = await this.#secretNames(trx, hookId)
      if (names === undefined) return { ok: false, reason: 'hook-not-found' } as const
      const existing = new Set(names)
      const unknown = secrets.find((s) => !existing.has(s.name))
      if (unknown !== undefined) {
        return { ok: false, reason: 'name-missing', name: unknown.name } as const
      }
      const at = this.#timestamp()
      for (const s of secrets) {
        await trx
          .updateTable('hook_secrets')
          .set({ value: s.value, updated_at: at })
          .where('hook_id', '=', hookId)
          .where('name', '=', s.name)
          .execute()
      }
      return { ok: true } as const
    })
  }

  async deleteSecrets(
    hookId: string,
    names: readonly string[],
  ): Promise<{ readonly ok: true } | { readonly ok: false; readonly reason: 'hook-not-found' }> {
    return this.#db.transaction().execute(async (trx) => {
      const hook = await trx
        .selectFrom('hooks')
        .select('id')
        .where('id', '=', hookId)
        .executeTakeFirst()
      if (hook === undefined) return { ok: false, reason: 'hook-not-found' } as const
      if (names.length > 0) {
        await trx
          .deleteFrom('hook_secrets')
          .where('hook_id', '=', hookId)
          .where('name', 'in', [...names])
          .execute()
      }
      return { ok: true } as const
    })
  }

  // ---- clients ------------------------------------------------------------------------------

  async getClient(clientId: string): Promise<ClientRecord | undefined> {
    const row = await this.#db
      .selectFrom('clients')
      .selectAll()
      .where('client_id', '=', clientId)
      .executeTakeFirst()
    return row === undefined ? undefined : toClient(row)
  }

  async listClients(page?: PageRequest): Promise<{ items: ClientRecord[]; total: number }> {
    const count = await this.#db
      .selectFrom('clients')
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow()
    let query = this.#db
      .selectFrom('clients')
      .selectAll()
      .orderBy('created_at')
      .orderBy('client_id')
    if (page !== undefined) query = query.limit(page.limit).offset(page.offset)
    return { items: (await query.execute()).map(toClient), total: count.total }
  }

  async putClient(client: NewClient): Promise<ClientRecord> {
    const at = this.#timestamp()
    const fields = {
      name: client.name,
      description: client.description,
      secret_hash: client.secretHash,
      app_type: client.appType,
      grant_types: JSON.stringify(client.grantTypes),
      client_metadata: JSON.stringify(client.clientMetadata),
      token_endpoint_auth_method: client.tokenEndpointAuthMethod,
      is_system: client.isSystem ? 1 : 0,
    }
    const row = await this.#db
      .insertInto('clients')
      .values({ client_id: client.clientId, ...fields, created_at: at, updated_at: at })
      .onConflict((oc) => oc.column('client_id').doUpdateSet({ ...fields, updated_at: at }))
      .returningAll()
      .executeTakeFirstOrThrow()
    return toClient(row)
  }

  async updateClient(clientId: string, patch: ClientPatch): Promise<ClientRecord | undefined> {
    const row = await this.#db
      .updateTable('clients')
      .set({
        ...(patch.name !== undefined ? { name: patch.name } : undefined),
        ...(patch.description !== undefined ? { description: patch.description } : undefined),
        ...(patch.secretHash !== undefined ? { secret_hash: patch.secretHash } : undefined),
        ...(patch.appType !== undefined ? { app_type: patch.appType } : undefined),
        ...(patch.grantTypes !== undefined
          ? { grant_types: JSON.stringify(patch.grantTypes) }
          : undefined),
        ...(patch.clientMetadata !== undefined
          ? { client_metadata: JSON.stringify(patch.clientMetadata) }
          : undefined),
        ...(patch.tokenEndpointAuthMethod !== undefined
          ? { token_endpoint_auth_method: patch.tokenEndpointAuthMethod }
          : undefined),
        updated_at: this.#timestamp(),
      })
      .where('client_id', '=', clientId)
      .returningAll()
      .executeTakeFirst()
    return row === undefined ? undefined : toClient(row)
  }

  async deleteClient(clientId: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('client_grants').where('client_id', '=', clientId).execute()
      const result = await trx
        .deleteFrom('clients')
        .where('client_id', '=', clientId)
        .executeTakeFirst()
      return result.numDeletedRows > 0n
    })
  }

  // ---- client grants --------------------------------------------------------------------------

  async getClientGrant(clientId: string, audience: string): Promise<ClientGrantRecord | undefined> {
    const row = await this.#db
      .selectFrom('client_grants')
      .selectAll()
      .where('client_id', '=', clientId)
      .where('audience', '=', audience)
      .executeTakeFirst()
    return row === undefined ? undefined : toGrant(row)
  }

  async getClientGrantById(id: string): Promise<ClientGrantRecord | undefined> {
    const row = await this.#db
      .selectFrom('client_grants')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return row === undefined ? undefined : toGrant(row)
  }

  async listClientGrants(
    filter: ClientGrantFilter,
    page?: PageRequest,
  ): Promise<{ items: ClientGrantRecord[]; total: number }> {
    let query = this.#db.selectFrom('client_grants')
    if (filter.clientId !== undefined) query = query.where('client_id', '=', filter.clientId)
    if (filter.audience !== undefined) query = query.where('audience', '=', filter.audience)
    const count = await query
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow()
    let rows = query.selectAll().orderBy('created_at').orderBy('id')
    if (page !== undefined) rows = rows.limit(page.limit).offset(page.offset)
    return { items: (await rows.execute()).map(toGrant), total: count.total }
  }

  async putClientGrant(
    clientId: string,
    audience: string,
    scope: readonly string[],
  ): Promise<ClientGrantRecord> {
    const row = await this.#db
      .insertInto('client_grants')
      .values({
        id: `cgr_${hexId(8)}`,
        client_id: clientId,
        audience,
        scope: JSON.stringify(scope),
        created_at: this.#timestamp(),
      })
      .onConflict((oc) =>
        oc.columns(['client_id', 'audience']).doUpdateSet({ scope: JSON.stringify(scope) }),
      )
      .returningAll()
      .executeTakeFirstOrThrow()
    return toGrant(row)
  }

  async createClientGrant(
    clientId: string,
    audience: string,
    scope: readonly string[],
  ): Promise<{ ok: true; grant: ClientGrantRecord } | { ok: false; reason: 'exists' }> {
    try {
      const row = await this.#db
        .insertInto('client_grants')
        .values({
          id: `cgr_${hexId(8)}`,
          client_id: clientId,
          audience,
          scope: JSON.stringify(scope),
          created_at: this.#timestamp(),
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      return { ok: true, grant: toGrant(row) }
    } catch (error) {
      if (isUniqueViolation(error)) return { ok: false, reason: 'exists' }
      throw error
    }
  }

  async updateClientGrant(
    id: string,
    scope: readonly string[],
  ): Promise<ClientGrantRecord | undefined> {
    const row = await this.#db
      .updateTable('client_grants')
      .set({ scope: JSON.stringify(scope) })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst()
    return row === undefined ? undefined : toGrant(row)
  }

  async deleteClientGrant(id: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('client_grants')
      .where('id', '=', id)
      .executeTakeFirst()
    return result.numDeletedRows > 0n
  }

  // ---- resource servers -----------------------------------------------------------------------

  async listResourceServers(
    page?: PageRequest,
  ): Promise<{ items: ResourceServerRecord[]; total: number }> {
    const count = await this.#db
      .selectFrom('resource_servers')
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow()
    let query = this.#db
      .selectFrom('resource_servers')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
    if (page !== undefined) query = query.limit(page.limit).offset(page.offset)
    return { items: (await query.execute()).map(toResourceServer), total: count.total }
  }

  async getResourceServer(idOrIdentifier: string): Promise<ResourceServerRecord | undefined> {
    const row = await this.#db
      .selectFrom('resource_servers')
      .selectAll()
      .where((eb) => eb.or([eb('id', '=', idOrIdentifier), eb('identifier', '=', idOrIdentifier)]))
      .executeTakeFirst()
    return row === undefined ? undefined : toResourceServer(row)
  }

  async createResourceServer(
    rs: NewResourceServer,
  ): Promise<
    { ok: true; resourceServer: ResourceServerRecord } | { ok: false; reason: 'identifier-taken' }
  > {
    const at = this.#timestamp()
    try {
      const row = await this.#db
        .insertInto('resource_servers')
        .values({
          id: hexId(12),
          identifier: rs.identifier,
          name: rs.name,
          scopes: JSON.stringify(rs.scopes),
          token_lifetime: rs.tokenLifetime,
          signing_alg: rs.signingAlg,
          created_at: at,
          updated_at: at,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      return { ok: true, resourceServer: toResourceServer(row) }
    } catch (error) {
      if (isUniqueViolation(error)) return { ok: false, reason: 'identifier-taken' }
      throw error
    }
  }

  async updateResourceServer(
    id: string,
    patch: ResourceServerPatch,
  ): Promise<ResourceServerRecord | undefined> {
    const row = await this.#db
      .updateTable('resource_servers')
      .set({
        ...(patch.name !== undefined ? { name: patch.name } : undefined),
        ...(patch.scopes !== undefined ? { scopes: JSON.stringify(patch.scopes) } : undefined),
        ...(patch.tokenLifetime !== undefined
          ? { token_lifetime: patch.tokenLifetime }
          : undefined),
        updated_at: this.#timestamp(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst()
    return row === undefined ? undefined : toResourceServer(row)
  }

  async deleteResourceServer(id: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .deleteFrom('resource_servers')
        .where('id', '=', id)
        .returning('identifier')
        .executeTakeFirst()
      if (row === undefined) return false
      await trx.deleteFrom('client_grants').where('audience', '=', row.identifier).execute()
      return true
    })
  }

  // ---- connections ----------------------------------------------------------------------------

  async listConnections(): Promise<ConnectionRecord[]> {
    const rows = await this.#db
      .selectFrom('connections')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute()
    return rows.map(toConnection)
  }

  async getConnection(id: string): Promise<ConnectionRecord | undefined> {
    const row = await this.#db
      .selectFrom('connections')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return row === undefined ? undefined : toConnection(row)
  }

  async getConnectionByName(name: string): Promise<ConnectionRecord | undefined> {
    const row = await this.#db
      .selectFrom('connections')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst()
    return row === undefined ? undefined : toConnection(row)
  }

  async ensureConnection(
    connection: Omit<ConnectionRecord, 'createdAt' | 'updatedAt'>,
  ): Promise<ConnectionRecord> {
    const at = this.#timestamp()
    await this.#db
      .insertInto('connections')
      .values({
        id: connection.id,
        name: connection.name,
        strategy: connection.strategy,
        options: JSON.stringify(connection.options),
        created_at: at,
        updated_at: at,
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute()
    const stored = await this.getConnectionByName(connection.name)
    if (stored === undefined) throw new Error(`connection ${connection.name} could not be stored`)
    return stored
  }

  async updateConnectionOptions(
    id: string,
    options: Readonly<Record<string, unknown>>,
  ): Promise<ConnectionRecord | undefined> {
    const row = await this.#db
      .updateTable('connections')
      .set({ options: JSON.stringify(options), updated_at: this.#timestamp() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst()
    return row === undefined ? undefined : toConnection(row)
  }

  // ---- users ----------------------------------------------------------------------------------

  async createUser(user: NewUser): Promise<UserWriteResult> {
    const at = this.#timestamp()
    try {
      const row = await this.#db
        .insertInto('users')
        .values({
          id: hexId(12),
          connection_id: user.connectionId,
          email: user.email ?? null,
          email_key: user.email?.toLowerCase() ?? null,
          username: user.username ?? null,
          username_key: user.username?.toLowerCase() ?? null,
          phone_number: user.phoneNumber ?? null,
          email_verified: user.emailVerified ? 1 : 0,
          phone_verified: user.phoneVerified ? 1 : 0,
          password_hash: user.passwordHash ?? null,
          user_metadata: JSON.stringify(user.userMetadata),
          app_metadata: JSON.stringify(user.appMetadata),
          last_password_reset: null,
          created_at: at,
          updated_at: at,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      return { ok: true, user: toUser(row) }
    } catch (error) {
      if (isUniqueViolation(error)) return { ok: false, reason: 'exists' }
      throw error
    }
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const row = await this.#db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return row === undefined ? undefined : toUser(row)
  }

  async findUser(
    connectionId: string,
    by: { readonly email: string } | { readonly username: string },
  ): Promise<UserRecord | undefined> {
    let query = this.#db.selectFrom('users').selectAll().where('connection_id', '=', connectionId)
    query =
      'email' in by
        ? query.where('email_key', '=', by.email.toLowerCase())
        : query.where('username_key', '=', by.username.toLowerCase())
    const row = await query.executeTakeFirst()
    return row === undefined ? undefined : toUser(row)
  }

  async listUsers(page?: PageRequest): Promise<{ items: UserRecord[]; total: number }> {
    const count = await this.#db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow()
    let query = this.#db.selectFrom('users').selectAll().orderBy('created_at').orderBy('id')
    if (page !== undefined) query = query.limit(page.limit).offset(page.offset)
    return { items: (await query.execute()).map(toUser), total: count.total }
  }

  async updateUser(id: string, patch: UserPatch): Promise<UserWriteResult> {
    try {
      const row = await this.#db
        .updateTable('users')
        .set({
          ...(patch.email !== undefined
            ? { email: patch.email, email_key: patch.email.toLowerCase() }
            : undefined),
          ...(patch.username !== undefined
            ? { username: patch.username, username_key: patch.username.toLowerCase() }
            : undefined),
          ...(patch.phoneNumber !== undefined ? { phone_number: patch.phoneNumber } : undefined),
          ...(patch.emailVerified !== undefined
            ? { email_verified: patch.emailVerified ? 1 : 0 }
            : undefined),
          ...(patch.phoneVerified !== undefined
            ? { phone_verified: patch.phoneVerified ? 1 : 0 }
            : undefined),
          ...(patch.passwordHash !== undefined ? { password_hash: patch.passwordHash } : undefined),
          ...(patch.userMetadata !== undefined
            ? { user_metadata: JSON.stringify(patch.userMetadata) }
            : undefined),
          ...(patch.appMetadata !== undefined
            ? { app_metadata: JSON.stringify(patch.appMetadata) }
            : undefined),
          ...(patch.lastPasswordReset !== undefined
            ? { last_password_reset: patch.lastPasswordReset }
            : undefined),
          updated_at: this.#timestamp(),
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst()
      return row === undefined
        ? { ok: false, reason: 'not-found' }
        : { ok: true, user: toUser(row) }
    } catch (error) {
      if (isUniqueViolation(error)) return { ok: false, reason: 'exists' }
      throw error
    }
  }

  async deleteUser(id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('users').where('id', '=', id).executeTakeFirst()
    return result.numDeletedRows > 0n
  }

  // ---- password tickets ----------------------------------------------------------------------

  async createPasswordTicket(ticket: NewPasswordTicket): Promise<PasswordTicketRecord> {
    const row = await this.#db
      .insertInto('password_tickets')
      .values({
        id: ulid(),
        token_hash: ticket.tokenHash,
        user_id: ticket.userId,
        result_url: ticket.resultUrl ?? null,
        mark_email_verified: ticket.markEmailVerified ? 1 : 0,
        expires_at: ticket.expiresAt,
        used_at: null,
        created_at: this.#timestamp(),
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    return toPasswordTicket(row)
  }

  async getPasswordTicket(tokenHash: string): Promise<PasswordTicketRecord | undefined> {
    const row = await this.#db
      .selectFrom('password_tickets')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst()
    return row === undefined ? undefined : toPasswordTicket(row)
  }

  async consumePasswordTicket(
    tokenHash: string,
    now: string,
  ): Promise<PasswordTicketRecord | undefined> {
    const row = await this.#db
      .updateTable('password_tickets')
      .set({ used_at: now })
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst()
    return row === undefined ? undefined : toPasswordTicket(row)
  }

  // ---- tenant logs ----------------------------------------------------------------------------

  async appendLog(entry: Omit<TenantLogRecord, 'logId'>): Promise<TenantLogRecord> {
    const logId = ulid()
    await this.#db
      .insertInto('tenant_logs')
      .values({
        log_id: logId,
        date: entry.date,
        type: entry.type,
        description: entry.description ?? null,
        client_id: entry.clientId ?? null,
        client_name: entry.clientName ?? null,
        user_id: entry.userId ?? null,
        user_name: entry.userName ?? null,
        ip: entry.ip ?? null,
        user_agent: entry.userAgent ?? null,
        hook_id: entry.hookId ?? null,
        details: JSON.stringify(entry.details),
      })
      .execute()
    return { ...entry, logId }
  }

  async listLogs(query: TenantLogQuery): Promise<{ items: TenantLogRecord[]; total: number }> {
    let base = this.#db.selectFrom('tenant_logs')
    if (query.type !== undefined) base = base.where('type', '=', query.type)
    if (query.hookId !== undefined) base = base.where('hook_id', '=', query.hookId)
    const count = await base
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow()
    let rows = base.selectAll()
    if (query.from !== undefined || query.take !== undefined) {
      if (query.from !== undefined) rows = rows.where('log_id', '>', query.from)
      rows = rows.orderBy('log_id', 'asc').limit(query.take ?? 50)
    } else {
      rows = rows.orderBy('log_id', 'desc')
      if (query.page !== undefined) rows = rows.limit(query.page.limit).offset(query.page.offset)
    }
    return { items: (await rows.execute()).map(toLog), total: count.total }
  }

  async getLog(logId: string): Promise<TenantLogRecord | undefined> {
    const row = await this.#db
      .selectFrom('tenant_logs')
      .selectAll()
      .where('log_id', '=', logId)
      .executeTakeFirst()
    return row === undefined ? undefined : toLog(row)
  }

  async pruneLogs(before: string, maxRows: number): Promise<number> {
    return this.#db.transaction().execute(async (trx) => {
      const old = await trx.deleteFrom('tenant_logs').where('date', '<', before).executeTakeFirst()
      const keep = await trx
        .selectFrom('tenant_logs')
        .select('log_id')
        .orderBy('log_id', 'desc')
        .offset(maxRows)
        .limit(1)
        .executeTakeFirst()
      let excess = 0n
      if (keep !== undefined) {
        const result = await trx
          .deleteFrom('tenant_logs')
          .where('log_id', '<=', keep.log_id)
          .executeTakeFirst()
        excess = result.numDeletedRows
      }
      return Number(old.numDeletedRows + excess)
    })
  }

  // ---- multi-factor authentication -----------------------------------------------------------

  async getGuardianSetting(key: string): Promise<unknown> {
    const row = await this.#db
      .selectFrom('guardian_settings')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirst()
    return row === undefined ? undefined : (JSON.parse(row.value) as unknown)
  }

  async putGuardianSetting(key: string, value: unknown): Promise<void> {
    const text = JSON.stringify(value)
    const at = this.#timestamp()
    await this.#db
      .insertInto('guardian_settings')
      .values({ key, value: text, updated_at: at })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: text, updated_at: at }))
      .execute()
  }

  async createMfaToken(token: Omit<MfaTokenRecord, 'createdAt'>): Promise<MfaTokenRecord> {
    const row = await this.#db
      .insertInto('mfa_tokens')
      .values({
        token_hash: token.tokenHash,
        user_id: token.userId,
        client_id: token.clientId,
        audience: token.audience,
        scope: token.scope,
        expires_at: token.expiresAt,
        created_at: this.#timestamp(),
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    return toMfaToken(row)
  }

  async getMfaToken(tokenHash: string): Promise<MfaTokenRecord | undefined> {
    const row = await this.#db
      .selectFrom('mfa_tokens')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst()
    return row === undefined ? undefined : toMfaToken(row)
  }

  async listMfaAuthenticators(userId: string): Promise<MfaAuthenticatorRecord[]> {
    const rows = await this.#db
      .selectFrom('mfa_authenticators')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('id')
      .execute()
    return rows.map(toMfaAuthenticator)
  }

  async enrollMfaAuthenticator(
    authenticator: Omit<MfaAuthenticatorRecord, 'confirmed' | 'createdAt'>,
    challenge: Omit<NewMfaChallenge, 'authenticatorId' | 'userId'>,
  ): Promise<MfaAuthenticatorRecord> {
    return this.#db.transaction().execute(async (trx) => {
      const at = this.#timestamp()
      await trx
        .deleteFrom('mfa_authenticators')
        .where('user_id', '=', authenticator.userId)
        .where('confirmed', '=', 0)
        .execute()
      const row = await trx
        .insertInto('mfa_authenticators')
        .values({
          id: authenticator.id,
          user_id: authenticator.userId,
          oob_channel: authenticator.oobChannel,
          phone_number: authenticator.phoneNumber,
          confirmed: 0,
          recovery_code_hash: authenticator.recoveryCodeHash ?? null,
          created_at: at,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      await trx
        .insertInto('mfa_challenges')
        .values({
          oob_code_hash: challenge.oobCodeHash,
          authenticator_id: authenticator.id,
          user_id: authenticator.userId,
          client_id: challenge.clientId,
          code_hash: challenge.codeHash,
          attempts: 0,
          expires_at: challenge.expiresAt,
          used_at: null,
          created_at: at,
        })
        .execute()
      return toMfaAuthenticator(row)
    })
  }

  async createMfaChallenge(challenge: NewMfaChallenge): Promise<MfaChallengeRecord> {
    const row = await this.#db
      .insertInto('mfa_challenges')
      .values({
        oob_code_hash: challenge.oobCodeHash,
        authenticator_id: challenge.authenticatorId,
        user_id: challenge.userId,
        client_id: challenge.clientId,
        code_hash: challenge.codeHash,
        attempts: 0,
        expires_at: challenge.expiresAt,
        used_at: null,
        created_at: this.#timestamp(),
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    return toMfaChallenge(row)
  }

  async getMfaChallenge(oobCodeHash: string): Promise<MfaChallengeRecord | undefined> {
    const row = await this.#db
      .selectFrom('mfa_challenges')
      .selectAll()
      .where('oob_code_hash', '=', oobCodeHash)
      .executeTakeFirst()
    return row === undefined ? undefined : toMfaChallenge(row)
  }

  async addMfaChallengeAttempt(oobCodeHash: string): Promise<number | undefined> {
    const row = await this.#db
      .updateTable('mfa_challenges')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('oob_code_hash', '=', oobCodeHash)
      .returning('attempts')
      .executeTakeFirst()
    return row?.attempts
  }

  async consumeMfaChallenge(
    oobCodeHash: string,
    now: string,
    maxAttempts: number,
  ): Promise<{ challenge: MfaChallengeRecord; confirmed: boolean } | undefined> {
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('mfa_challenges')
        .set({ used_at: now })
        .where('oob_code_hash', '=', oobCodeHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .where('attempts', '<', maxAttempts)
        .returningAll()
        .executeTakeFirst()
      if (row === undefined) return undefined
      const confirmed = await trx
        .updateTable('mfa_authenticators')
        .set({ confirmed: 1 })
        .where('id', '=', row.authenticator_id)
        .where('confirmed', '=', 0)
        .executeTakeFirst()
      return { challenge: toMfaChallenge(row), confirmed: confirmed.numUpdatedRows > 0n }
    })
  }

  async rotateMfaRecoveryCode(id: string, oldHash: string, newHash: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('mfa_authenticators')
      .set({ recovery_code_hash: newHash })
      .where('id', '=', id)
      .where('confirmed', '=', 1)
      .where('recovery_code_hash', '=', oldHash)
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
  }

  async deleteMfaAuthenticator(userId: string, id: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('mfa_authenticators')
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .executeTakeFirst()
    return result.numDeletedRows > 0n
  }

  async reserveSmsSend(
    phoneNumber: string,
    now: string,
    since: string,
    max: number,
  ): Promise<{ allowed: boolean; count: number }> {
    return this.#db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('mfa_sms_sends')
        .where('phone_number', '=', phoneNumber)
        .where('sent_at', '<=', since)
        .execute()
      const { count } = await trx
        .selectFrom('mfa_sms_sends')
        .select((eb) => eb.fn.countAll<number | bigint>().as('count'))
        .where('phone_number', '=', phoneNumber)
        .executeTakeFirstOrThrow()
      const sent = Number(count)
      if (sent >= max) return { allowed: false, count: sent }
      await trx
        .insertInto('mfa_sms_sends')
        .values({ id: ulid(), phone_number: phoneNumber, sent_at: now })
        .execute()
      return { allowed: true, count: sent + 1 }
    })
  }

  // ---- signing keys ---------------------------------------------------------------------------

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    const rows = await this.#db
      .selectFrom('signing_keys')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('kid')
      .execute()
    return rows.map((r) => ({
      kid: r.kid,
      alg: r.alg,
      publicJwk: r.public_jwk,
      privateJwk: r.private_jwk,
      createdAt: r.created_at,
    }))
  }

  async insertSigningKeyIfNone(
    key: Omit<SigningKeyRecord, 'createdAt'>,
  ): Promise<SigningKeyRecord> {
    return this.#db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('signing_keys')
        .selectAll()
        .orderBy('created_at', 'desc')
        .executeTakeFirst()
      if (existing !== undefined) {
        return {
          kid: existing.kid,
          alg: existing.alg,
          publicJwk: existing.public_jwk,
          privateJwk: existing.private_jwk,
          createdAt: existing.created_at,
        }
      }
      const createdAt = this.#timestamp()
      await trx
        .insertInto('signing_keys')
        .values({
          kid: key.kid,
          alg: key.alg,
          public_jwk: key.publicJwk,
          private_jwk: key.privateJwk,
          created_at: createdAt,
        })
        .execute()
      return { ...key, createdAt }
    })
  }
}
