import type { Selectable } from 'kysely'
import type { MfaAuthenticatorsTable, MfaChallengesTable, MfaTokensTable } from '../schema.js'
import type {
  MfaAuthenticatorRecord,
  MfaChallengeRecord,
  MfaStore,
  MfaTokenRecord,
  NewMfaChallenge,
} from '../store.js'
import { ulid } from '../ulid.js'
import { lockName } from './cluster.js'
import type { SqlContext } from './context.js'

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

/** Multi-factor authentication: Guardian settings, mfa tokens, SMS authenticators, challenges and the SMS send budget. */
export function sqlMfaStore({ db, timestamp }: SqlContext): MfaStore {
  return {
    async getGuardianSetting(key: string): Promise<unknown> {
      const row = await db
        .selectFrom('guardian_settings')
        .select('value')
        .where('key', '=', key)
        .executeTakeFirst()
      return row === undefined ? undefined : (JSON.parse(row.value) as unknown)
    },

    async putGuardianSetting(key: string, value: unknown): Promise<void> {
      const text = JSON.stringify(value)
      const at = timestamp()
      await db
        .insertInto('guardian_settings')
        .values({ key, value: text, updated_at: at })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: text, updated_at: at }))
        .execute()
    },

    async createMfaToken(token: Omit<MfaTokenRecord, 'createdAt'>): Promise<MfaTokenRecord> {
      const row = await db
        .insertInto('mfa_tokens')
        .values({
          token_hash: token.tokenHash,
          user_id: token.userId,
          client_id: token.clientId,
          audience: token.audience,
          scope: token.scope,
          expires_at: token.expiresAt,
          created_at: timestamp(),
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      return toMfaToken(row)
    },

    async getMfaToken(tokenHash: string): Promise<MfaTokenRecord | undefined> {
      const row = await db
        .selectFrom('mfa_tokens')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst()
      return row === undefined ? undefined : toMfaToken(row)
    },

    async listMfaAuthenticators(userId: string): Promise<MfaAuthenticatorRecord[]> {
      const rows = await db
        .selectFrom('mfa_authenticators')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('id')
        .execute()
      return rows.map(toMfaAuthenticator)
    },

    async enrollMfaAuthenticator(
      authenticator: Omit<MfaAuthenticatorRecord, 'confirmed' | 'createdAt'>,
      challenge: Omit<NewMfaChallenge, 'authenticatorId' | 'userId'>,
    ): Promise<MfaAuthenticatorRecord> {
      return db.transaction().execute(async (trx) => {
        const at = timestamp()
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
    },

    async createMfaChallenge(challenge: NewMfaChallenge): Promise<MfaChallengeRecord> {
      const row = await db
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
          created_at: timestamp(),
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      return toMfaChallenge(row)
    },

    async getMfaChallenge(oobCodeHash: string): Promise<MfaChallengeRecord | undefined> {
      const row = await db
        .selectFrom('mfa_challenges')
        .selectAll()
        .where('oob_code_hash', '=', oobCodeHash)
        .executeTakeFirst()
      return row === undefined ? undefined : toMfaChallenge(row)
    },

    async addMfaChallengeAttempt(oobCodeHash: string): Promise<number | undefined> {
      const row = await db
        .updateTable('mfa_challenges')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('oob_code_hash', '=', oobCodeHash)
        .returning('attempts')
        .executeTakeFirst()
      return row?.attempts
    },

    async consumeMfaChallenge(
      oobCodeHash: string,
      now: string,
      maxAttempts: number,
    ): Promise<{ challenge: MfaChallengeRecord; confirmed: boolean } | undefined> {
      return db.transaction().execute(async (trx) => {
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
    },

    async rotateMfaRecoveryCode(id: string, oldHash: string, newHash: string): Promise<boolean> {
      const result = await db
        .updateTable('mfa_authenticators')
        .set({ recovery_code_hash: newHash })
        .where('id', '=', id)
        .where('confirmed', '=', 1)
        .where('recovery_code_hash', '=', oldHash)
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },

    async deleteMfaAuthenticator(userId: string, id: string): Promise<boolean> {
      const result = await db
        .deleteFrom('mfa_authenticators')
        .where('user_id', '=', userId)
        .where('id', '=', id)
        .executeTakeFirst()
      return result.numDeletedRows > 0n
    },

    async reserveSmsSend(
      phoneNumber: string,
      now: string,
      since: string,
      max: number,
    ): Promise<{ allowed: boolean; count: number }> {
      return db.transaction().execute(async (trx) => {
        // Reservations for one number run one after the other on every node: the count below
        // sees every send committed before it.
        await lockName(trx, `mfa.sms:${phoneNumber}`)
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
    },
  }
}
