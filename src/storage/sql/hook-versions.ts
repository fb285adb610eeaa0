/**
 * Hook versions in SQL (issue 22). `recordHookVersion` runs inside the transaction that changes
 * the hook, so a version exists exactly when its change was committed; numbers come from the
 * hook's highest number in that same transaction, so concurrent saves get consecutive numbers,
 * and the primary key (hook_id, number) refuses a duplicate should two writers ever race.
 */
import { createHash } from 'node:crypto'
import type { Kysely, Selectable, Transaction } from 'kysely'
import type { SqlContext } from './context.js'
import type { Database, HookVersionsTable } from '../schema.js'
import {
  DEFAULT_HOOK_VERSIONS_KEPT,
  type HookVersionActor,
  type HookVersionRecord,
  type HookVersionStore,
  type HookVersioning,
  type PageRequest,
} from '../store.js'

/** What a write records when its caller says nothing about versioning. */
export const SYSTEM_VERSIONING: HookVersioning = {
  actor: { type: 'system', id: 'openhooks' },
  keep: DEFAULT_HOOK_VERSIONS_KEPT,
}

function sortedEntries(dependencies: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(dependencies).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

/** `sha256:<hex>` of the script and the dependencies (sorted by name): equal code, equal hash. */
export function hookCodeHash(
  script: string,
  dependencies: Readonly<Record<string, string>>,
): string {
  const canonical = JSON.stringify([script, sortedEntries(dependencies)])
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`
}

function toVersion(row: Selectable<HookVersionsTable>): HookVersionRecord {
  return {
    hookId: row.hook_id,
    number: row.number,
    script: row.script,
    dependencies: JSON.parse(row.dependencies) as Record<string, string>,
    hash: row.hash,
    actor: { type: row.actor_type as HookVersionActor['type'], id: row.actor_id },
    secretNames: JSON.parse(row.secret_names) as string[],
    ...(row.deployed_from !== null ? { deployedFrom: row.deployed_from } : undefined),
    createdAt: row.created_at,
  }
}

/**
 * Records the hook's next version and deletes those beyond the newest `versioning.keep`. Call it
 * in the transaction that wrote `script` and `dependencies` to the hook.
 */
export async function recordHookVersion(
  trx: Transaction<Database>,
  version: {
    readonly hookId: string
    readonly script: string
    readonly dependencies: Readonly<Record<string, string>>
    readonly versioning: HookVersioning
    readonly at: string
  },
): Promise<number> {
  const { hookId, versioning } = version
  const last = await trx
    .selectFrom('hook_versions')
    .select((eb) => eb.fn.max<number | null>('number').as('number'))
    .where('hook_id', '=', hookId)
    .executeTakeFirst()
  const number = (last?.number ?? 0) + 1
  const secrets = await trx
    .selectFrom('hook_secrets')
    .select('name')
    .where('hook_id', '=', hookId)
    .orderBy('name')
    .execute()
  await trx
    .insertInto('hook_versions')
    .values({
      hook_id: hookId,
      number,
      script: version.script,
      dependencies: JSON.stringify(Object.fromEntries(sortedEntries(version.dependencies))),
      hash: hookCodeHash(version.script, version.dependencies),
      actor_type: versioning.actor.type,
      actor_id: versioning.actor.id,
      secret_names: JSON.stringify(secrets.map((s) => s.name)),
      deployed_from: versioning.deployedFrom ?? null,
      created_at: version.at,
    })
    .execute()
  await trx
    .deleteFrom('hook_versions')
    .where('hook_id', '=', hookId)
    .where('number', '<=', number - Math.max(1, versioning.keep))
    .execute()
  return number
}

export async function listHookVersions(
  db: Kysely<Database>,
  hookId: string,
  page?: PageRequest,
): Promise<{ items: HookVersionRecord[]; total: number } | undefined> {
  return db.transaction().execute(async (trx) => {
    const hook = await trx
      .selectFrom('hooks')
      .select('id')
      .where('id', '=', hookId)
      .executeTakeFirst()
    if (hook === undefined) return undefined
    const base = trx.selectFrom('hook_versions').where('hook_id', '=', hookId)
    const count = await base
      .select((eb) => eb.fn.countAll<number>().as('total'))
      .executeTakeFirstOrThrow()
    let rows = base.selectAll().orderBy('number', 'desc')
    if (page !== undefined) rows = rows.limit(page.limit).offset(page.offset)
    return { items: (await rows.execute()).map(toVersion), total: count.total }
  })
}

export async function getHookVersion(
  db: Kysely<Database>,
  hookId: string,
  number: number,
): Promise<HookVersionRecord | undefined> {
  const row = await db
    .selectFrom('hook_versions')
    .selectAll()
    .where('hook_id', '=', hookId)
    .where('number', '=', number)
    .executeTakeFirst()
  return row === undefined ? undefined : toVersion(row)
}

/** The `HookVersionStore` over one database handle. */
export function sqlHookVersionStore({ db }: SqlContext): HookVersionStore {
  return {
    listHookVersions: (hookId, page) => listHookVersions(db, hookId, page),
    getHookVersion: (hookId, number) => getHookVersion(db, hookId, number),
  }
}
