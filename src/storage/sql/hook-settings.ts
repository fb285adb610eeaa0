/** Per-hook settings in SQL (issue 22): one row per hook that changed a default. */
import type { Kysely } from 'kysely'
import type { Database } from '../schema.js'
import {
  DEFAULT_HOOK_SETTINGS,
  type HookSettings,
  type HookSettingsPatch,
  type HookSettingsStore,
} from '../store.js'
import type { SqlContext } from './context.js'

function toSettings(row: { failure_policy: string } | undefined): HookSettings {
  if (row === undefined) return DEFAULT_HOOK_SETTINGS
  return { failurePolicy: row.failure_policy === 'open' ? 'open' : 'closed' }
}

export async function getHookSettings(
  db: Kysely<Database>,
  hookId: string,
): Promise<HookSettings | undefined> {
  return db.transaction().execute(async (trx) => {
    const hook = await trx
      .selectFrom('hooks')
      .select('id')
      .where('id', '=', hookId)
      .executeTakeFirst()
    if (hook === undefined) return undefined
    const row = await trx
      .selectFrom('hook_settings')
      .select('failure_policy')
      .where('hook_id', '=', hookId)
      .executeTakeFirst()
    return toSettings(row)
  })
}

export async function updateHookSettings(
  db: Kysely<Database>,
  hookId: string,
  patch: HookSettingsPatch,
  at: string,
): Promise<HookSettings | undefined> {
  return db.transaction().execute(async (trx) => {
    const hook = await trx
      .selectFrom('hooks')
      .select('id')
      .where('id', '=', hookId)
      .executeTakeFirst()
    if (hook === undefined) return undefined
    const current = toSettings(
      await trx
        .selectFrom('hook_settings')
        .select('failure_policy')
        .where('hook_id', '=', hookId)
        .executeTakeFirst(),
    )
    const next: HookSettings = { ...current, ...patch }
    await trx
      .insertInto('hook_settings')
      .values({ hook_id: hookId, failure_policy: next.failurePolicy, updated_at: at })
      .onConflict((oc) =>
        oc.column('hook_id').doUpdateSet({ failure_policy: next.failurePolicy, updated_at: at }),
      )
      .execute()
    return next
  })
}

/** The `HookSettingsStore` over one database handle. */
export function sqlHookSettingsStore({ db, timestamp }: SqlContext): HookSettingsStore {
  return {
    getHookSettings: (hookId) => getHookSettings(db, hookId),
    updateHookSettings: (hookId, patch) => updateHookSettings(db, hookId, patch, timestamp()),
  }
}
