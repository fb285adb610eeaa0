import { sql, type Kysely } from 'kysely'
import { hookCodeHash } from '../sql/hook-versions.js'

/**
 * Hook versions (issue 22): one immutable row per change of a hook's script or dependencies,
 * numbered 1, 2, 3 … per hook. Deleting the hook deletes its versions (cascade). Hooks saved
 * before this migration get their current code as version 1, made by `system`/`migration`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('hook_versions')
    .addColumn('hook_id', 'text', (c) => c.notNull().references('hooks.id').onDelete('cascade'))
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('script', 'text', (c) => c.notNull())
    .addColumn('dependencies', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('secret_names', 'text', (c) => c.notNull())
    .addColumn('deployed_from', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('hook_versions_pk', ['hook_id', 'number'])
    .execute()
  const now = new Date().toISOString()
  const hooks = await sql<{ id: string; script: string; dependencies: string }>`
    select id, script, dependencies from hooks`.execute(db)
  for (const hook of hooks.rows) {
    const secrets = await sql<{ name: string }>`
      select name from hook_secrets where hook_id = ${hook.id} order by name`.execute(db)
    const dependencies = JSON.parse(hook.dependencies) as Record<string, string>
    await sql`
      insert into hook_versions
        (hook_id, number, script, dependencies, hash, actor_type, actor_id, secret_names,
         deployed_from, created_at)
      values (${hook.id}, 1, ${hook.script}, ${hook.dependencies},
        ${hookCodeHash(hook.script, dependencies)}, 'system', 'migration',
        ${JSON.stringify(secrets.rows.map((s) => s.name))}, null, ${now})`.execute(db)
  }
}
