import type { Selectable } from 'kysely'
import type { ConnectionsTable, PasswordTicketsTable, UsersTable } from '../schema.js'
import type {
  ConnectionRecord,
  ConnectionStore,
  NewPasswordTicket,
  NewUser,
  PageRequest,
  PasswordTicketRecord,
  PasswordTicketStore,
  UserPatch,
  UserRecord,
  UserStore,
  UserWriteResult,
} from '../store.js'
import { ulid } from '../ulid.js'
import { hexId, isUniqueViolation, parseObject, type SqlContext } from './context.js'

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

/** Connections (the database connections users belong to). */
export function sqlConnectionStore({ db, timestamp }: SqlContext): ConnectionStore {
  async function getConnectionByName(name: string): Promise<ConnectionRecord | undefined> {
    const row = await db
      .selectFrom('connections')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst()
    return row === undefined ? undefined : toConnection(row)
  }

  return {
    async listConnections(): Promise<ConnectionRecord[]> {
      const rows = await db
        .selectFrom('connections')
        .selectAll()
        .orderBy('created_at')
        .orderBy('id')
        .execute()
      return rows.map(toConnection)
    },

    async getConnection(id: string): Promise<ConnectionRecord | undefined> {
      const row = await db
        .selectFrom('connections')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst()
      return row === undefined ? undefined : toConnection(row)
    },

    getConnectionByName,

    async ensureConnection(
      connection: Omit<ConnectionRecord, 'createdAt' | 'updatedAt'>,
    ): Promise<ConnectionRecord> {
      const at = timestamp()
      await db
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
      const stored = await getConnectionByName(connection.name)
      if (stored === undefined) throw new Error(`connection ${connection.name} could not be stored`)
      return stored
    },

    async updateConnectionOptions(
      id: string,
      options: Readonly<Record<string, unknown>>,
    ): Promise<ConnectionRecord | undefined> {
      const row = await db
        .updateTable('connections')
        .set({ options: JSON.stringify(options), updated_at: timestamp() })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst()
      return row === undefined ? undefined : toConnection(row)
    },
  }
}
/** Users of the database connections. */
export function sqlUserStore({ db, timestamp }: SqlContext): UserStore {
  return {
    async createUser(user: NewUser): Promise<UserWriteResult> {
      const at = timestamp()
      try {
        const row = await db
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
    },

    async getUser(id: string): Promise<UserRecord | undefined> {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : toUser(row)
    },

    async findUser(
      connectionId: string,
      by: { readonly email: string } | { readonly username: string },
    ): Promise<UserRecord | undefined> {
      let query = db.selectFrom('users').selectAll().where('connection_id', '=', connectionId)
      query =
        'email' in by
          ? query.where('email_key', '=', by.email.toLowerCase())
          : query.where('username_key', '=', by.username.toLowerCase())
      const row = await query.executeTakeFirst()
      return row === undefined ? undefined : toUser(row)
    },

    async listUsers(page?: PageRequest): Promise<{ items: UserRecord[]; total: number }> {
      const count = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('total'))
        .executeTakeFirstOrThrow()
      let query = db.selectFrom('users').selectAll().orderBy('created_at').orderBy('id')
      if (page !== undefined) query = query.limit(page.limit).offset(page.offset)
      return { items: (await query.execute()).map(toUser), total: count.total }
    },

    async updateUser(id: string, patch: UserPatch): Promise<UserWriteResult> {
      try {
        const row = await db
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
            ...(patch.passwordHash !== undefined
              ? { password_hash: patch.passwordHash }
              : undefined),
            ...(patch.userMetadata !== undefined
              ? { user_metadata: JSON.stringify(patch.userMetadata) }
              : undefined),
            ...(patch.appMetadata !== undefined
              ? { app_metadata: JSON.stringify(patch.appMetadata) }
              : undefined),
            ...(patch.lastPasswordReset !== undefined
              ? { last_password_reset: patch.lastPasswordReset }
              : undefined),
            updated_at: timestamp(),
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
    },

    async deleteUser(id: string): Promise<boolean> {
      const result = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst()
      return result.numDeletedRows > 0n
    },
  }
}

/** Password-change tickets. */
export function sqlPasswordTicketStore({ db, timestamp }: SqlContext): PasswordTicketStore {
  return {
    async createPasswordTicket(ticket: NewPasswordTicket): Promise<PasswordTicketRecord> {
      const row = await db
        .insertInto('password_tickets')
        .values({
          id: ulid(),
          token_hash: ticket.tokenHash,
          user_id: ticket.userId,
          result_url: ticket.resultUrl ?? null,
          mark_email_verified: ticket.markEmailVerified ? 1 : 0,
          expires_at: ticket.expiresAt,
          used_at: null,
          created_at: timestamp(),
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      return toPasswordTicket(row)
    },

    async getPasswordTicket(tokenHash: string): Promise<PasswordTicketRecord | undefined> {
      const row = await db
        .selectFrom('password_tickets')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst()
      return row === undefined ? undefined : toPasswordTicket(row)
    },

    async consumePasswordTicket(
      tokenHash: string,
      now: string,
    ): Promise<PasswordTicketRecord | undefined> {
      const row = await db
        .updateTable('password_tickets')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst()
      return row === undefined ? undefined : toPasswordTicket(row)
    },
  }
}
