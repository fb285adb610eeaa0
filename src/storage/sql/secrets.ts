import type { Transaction } from 'kysely'
import type { Database } from '../schema.js'
import type { SealedSecret, SecretStore, SecretWriteResult } from '../store.js'
import type { SqlContext } from './context.js'

/** The names of a hook's secrets in name order, or undefined when there is no such hook. */
async function secretNames(
  trx: Transaction<Database>,
  hookId: string,
): Promise<string[] | undefined> {
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

/** Hook secrets, sealed (the store never sees a plaintext value). */
export function sqlSecretStore({ db, timestamp }: SqlContext): SecretStore {
  return {
    async listSecretNames(hookId: string): Promise<string[] | undefined> {
      return db.transaction().execute((trx) => secretNames(trx, hookId))
    },

    async readSecrets(hookId: string): Promise<SealedSecret[]> {
      return db
        .selectFrom('hook_secrets')
        .select(['name', 'value'])
        .where('hook_id', '=', hookId)
        .orderBy('name')
        .execute()
    },

    async addSecrets(
      hookId: string,
      secrets: readonly SealedSecret[],
      max: number,
    ): Promise<SecretWriteResult> {
      return db.transaction().execute(async (trx) => {
        const names = await secretNames(trx, hookId)
        if (names === undefined) return { ok: false, reason: 'hook-not-found' } as const
        const existing = new Set(names)
        const clash = secrets.find((s) => existing.has(s.name))
        if (clash !== undefined)
          return { ok: false, reason: 'name-exists', name: clash.name } as const
        if (existing.size + secrets.length > max)
          return { ok: false, reason: 'too-many', max } as const
        const at = timestamp()
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
    },

    async updateSecrets(
      hookId: string,
      secrets: readonly SealedSecret[],
    ): Promise<SecretWriteResult> {
      return db.transaction().execute(async (trx) => {
        const names = await secretNames(trx, hookId)
        if (names === undefined) return { ok: false, reason: 'hook-not-found' } as const
        const existing = new Set(names)
        const unknown = secrets.find((s) => !existing.has(s.name))
        if (unknown !== undefined) {
          return { ok: false, reason: 'name-missing', name: unknown.name } as const
        }
        const at = timestamp()
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
    },

    async deleteSecrets(
      hookId: string,
      names: readonly string[],
    ): Promise<{ readonly ok: true } | { readonly ok: false; readonly reason: 'hook-not-found' }> {
      return db.transaction().execute(async (trx) => {
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
    },
  }
}
