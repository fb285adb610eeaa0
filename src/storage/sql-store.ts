import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect, sql, type Selectable, type Transaction } from 'kysely'
import { migrationProvider } from './migrations/index.js'
import type { ClientsTable, Database, HooksTable } from './schema.js'
import type {
  ClientGrantRecord,
  ClientRecord,
  HookFilter,
  HookPatch,
  HookRecord,
  HookWriteResult,
  NewHook,
  PageRequest,
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
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return (
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === '23505'
  )
}

/** Opens (and migrates) the embedded SQLite store. WAL mode; foreign keys on. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  if (options.filename !== ':memory:') mkdirSync(dirname(options.filename), { recursive: true })
  const sqlite = new SqliteDatabase(options.filename, { timeout: SQLITE_BUSY_TIMEOUT_MS })
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('synchronous = NORMAL')
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) })
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

  async createHook(hook: NewHook): Promise<HookWriteResult> {
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
        return { ok: true, hook: toHook(row), disabledIds } as const
      })
    } catch (error) {
      if (isUniqueViolation(error)) return { ok: false, reason: 'name-taken' }
      throw error
    }
  }

  async updateHook(id: string, patch: HookPatch): Promise<HookWriteResult> {
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
        return { ok: true, hook: toHook(row), disabledIds } as const
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

  // ---- secrets --------------------------------------------------------------------------------

  async listSecretNames(hookId: string): Promise<string[] | undefined> {
    return this.#db.transaction().execute(async (trx) => {
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
    })
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
      const hook = await trx
        .selectFrom('hooks')
        .select('id')
        .where('id', '=', hookId)
        .executeTakeFirst()
      if (hook === undefined) return { ok: false, reason: 'hook-not-found' } as const
      const existing = new Set(
        (
          await trx
            .selectFrom('hook_secrets')
            .select('name')
            .where('hook_id', '=', hookId)
            .execute()
        ).map((r) => r.name),
      )
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
      const hook = await trx
        .selectFrom('hooks')
        .select('id')
        .where('id', '=', hookId)
        .executeTakeFirst()
      if (hook === undefined) return { ok: false, reason: 'hook-not-found' } as const
      const existing = new Set(
        (
          await trx
            .selectFrom('hook_secrets')
            .select('name')
            .where('hook_id', '=', hookId)
            .execute()
        ).map((r) => r.name),
      )
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

  // ---- clients and grants ---------------------------------------------------------------------

  async getClient(clientId: string): Promise<ClientRecord | undefined> {
    const row = await this.#db
      .selectFrom('clients')
      .selectAll()
      .where('client_id', '=', clientId)
      .executeTakeFirst()
    return row === undefined ? undefined : toClient(row)
  }

  async putClient(client: Omit<ClientRecord, 'createdAt' | 'updatedAt'>): Promise<ClientRecord> {
    const at = this.#timestamp()
    const row = await this.#db
      .insertInto('clients')
      .values({
        client_id: client.clientId,
        name: client.name,
        secret_hash: client.secretHash,
        app_type: client.appType,
        grant_types: JSON.stringify(client.grantTypes),
        client_metadata: JSON.stringify(client.clientMetadata),
        created_at: at,
        updated_at: at,
      })
      .onConflict((oc) =>
        oc.column('client_id').doUpdateSet({
          name: client.name,
          secret_hash: client.secretHash,
          app_type: client.appType,
          grant_types: JSON.stringify(client.grantTypes),
          client_metadata: JSON.stringify(client.clientMetadata),
          updated_at: at,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow()
    return toClient(row)
  }

  async getClientGrant(clientId: string, audience: string): Promise<ClientGrantRecord | undefined> {
    const row = await this.#db
      .selectFrom('client_grants')
      .selectAll()
      .where('client_id', '=', clientId)
      .where('audience', '=', audience)
      .executeTakeFirst()
    return row === undefined
      ? undefined
      : {
          id: row.id,
          clientId: row.client_id,
          audience: row.audience,
          scope: parseStringList(row.scope),
        }
  }

  async putClientGrant(
    clientId: string,
    audience: string,
    scope: readonly string[],
  ): Promise<ClientGrantRecord> {
    const row = await this.#db
      .insertInto('client_grants')
      .values({
        id: `cgr_${ulid()}`,
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
    return {
      id: row.id,
      clientId: row.client_id,
      audience: row.audience,
      scope: parseStringList(row.scope),
    }
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
