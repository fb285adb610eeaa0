import type { Selectable, Transaction } from 'kysely'
import type { Database, HooksTable } from '../schema.js'
import type {
  HookFilter,
  HookPatch,
  HookRecord,
  HookStore,
  HookVersioning,
  HookWriteResult,
  NewHook,
  PageRequest,
} from '../store.js'
import { ulid } from '../ulid.js'
import { lockName } from './cluster.js'
import { isUniqueViolation, parseStringMap, type SqlContext } from './context.js'
import { SYSTEM_VERSIONING, hookCodeHash, recordHookVersion } from './hook-versions.js'

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

/**
 * The lock of a point's enabled hook: every transaction that may enable a hook of `triggerId`
 * takes it first, so that concurrent enables (on any node) run one after the other and the last
 * one wins, instead of failing on the one-enabled-per-point index.
 */
function lockEnabledHook(trx: Transaction<Database>, triggerId: string): Promise<void> {
  return lockName(trx, `hooks.enabled:${triggerId}`)
}

/** Disables every enabled hook of `triggerId` except `exceptId`; returns their ids. */
async function disableOthers(
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

/** Hooks; deleting a hook deletes its secrets. */
export function sqlHookStore({ db, timestamp }: SqlContext): HookStore {
  return {
    async listHooks(
      filter: HookFilter,
      page?: PageRequest,
    ): Promise<{ hooks: HookRecord[]; total: number }> {
      let query = db.selectFrom('hooks')
      if (filter.enabled !== undefined) query = query.where('enabled', '=', filter.enabled ? 1 : 0)
      if (filter.triggerId !== undefined) query = query.where('trigger_id', '=', filter.triggerId)
      const countRow = await query
        .select((eb) => eb.fn.countAll<number>().as('total'))
        .executeTakeFirstOrThrow()
      let rowsQuery = query.selectAll().orderBy('id')
      if (page !== undefined) {
        // The page's ids first, from the primary key's index alone, then only those rows: an
        // OFFSET over whole rows reads every row before the page (2–3× slower at page 200 of
        // 10,000 hooks on PostgreSQL, docs/performance.md).
        const ids = query.select('id').orderBy('id').limit(page.limit).offset(page.offset)
        rowsQuery = db.selectFrom('hooks').selectAll().where('id', 'in', ids).orderBy('id')
      }
      const rows = await rowsQuery.execute()
      return { hooks: rows.map(toHook), total: countRow.total }
    },

    async getHook(id: string): Promise<HookRecord | undefined> {
      const row = await db.selectFrom('hooks').selectAll().where('id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : toHook(row)
    },

    async getEnabledHook(triggerId: string): Promise<HookRecord | undefined> {
      const row = await db
        .selectFrom('hooks')
        .selectAll()
        .where('trigger_id', '=', triggerId)
        .where('enabled', '=', 1)
        .executeTakeFirst()
      return row === undefined ? undefined : toHook(row)
    },

    async createHook(
      hook: NewHook,
      versioning: HookVersioning = SYSTEM_VERSIONING,
    ): Promise<HookWriteResult> {
      try {
        return await db.transaction().execute(async (trx) => {
          if (hook.enabled !== false) await lockEnabledHook(trx, hook.triggerId)
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
          const at = timestamp()
          const disabledIds = enabled ? await disableOthers(trx, hook.triggerId, id, at) : []
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
          // issue 22: version 1, in the transaction that creates the hook.
          await recordHookVersion(trx, { ...hook, hookId: id, versioning, at })
          return { ok: true, hook: toHook(row), disabledIds } as const
        })
      } catch (error) {
        if (isUniqueViolation(error)) return { ok: false, reason: 'name-taken' }
        throw error
      }
    },

    async updateHook(
      id: string,
      patch: HookPatch,
      versioning: HookVersioning = SYSTEM_VERSIONING,
    ): Promise<HookWriteResult> {
      try {
        return await db.transaction().execute(async (trx) => {
          const current = await trx
            .selectFrom('hooks')
            .selectAll()
            .where('id', '=', id)
            .executeTakeFirst()
          if (current === undefined) return { ok: false, reason: 'not-found' } as const
          // A hook's point never changes: the lock taken after reading it is the right one.
          if (patch.enabled === true) await lockEnabledHook(trx, current.trigger_id)
          if (
            patch.expect !== undefined &&
            ((patch.expect.script !== undefined && current.script !== patch.expect.script) ||
              (patch.expect.enabled !== undefined &&
                (current.enabled === 1) !== patch.expect.enabled))
          ) {
            return { ok: false, reason: 'changed' } as const
          }
          if (patch.name !== undefined && patch.name !== current.name) {
            const taken = await trx
              .selectFrom('hooks')
              .select('id')
              .where('name', '=', patch.name)
              .executeTakeFirst()
            if (taken !== undefined) return { ok: false, reason: 'name-taken' } as const
          }
          const at = timestamp()
          const disabledIds =
            patch.enabled === true ? await disableOthers(trx, current.trigger_id, id, at) : []
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
          // issue 22: a change of code is the next version, in this same transaction.
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
    },

    async deleteHook(id: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        await trx.deleteFrom('hook_secrets').where('hook_id', '=', id).execute()
        const result = await trx.deleteFrom('hooks').where('id', '=', id).executeTakeFirst()
        return result.numDeletedRows > 0n
      })
    },
  }
}
