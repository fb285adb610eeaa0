import type { Kysely } from 'kysely'

/**
 * Hooks' npm dependencies in the database (issue 20): the bundle of each `name@version`, made once
 * when a hook is saved, is stored here under its content address, and the version each declared
 * range resolved to at the last save; a node that never saw the save runs the hook from these
 * rows, without the npm registry.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('dependency_bundles')
    // SHA-256 of `name@version` and the bundle format (src/dependencies/resolver.ts bundleKey).
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    // SHA-256 of `source`, checked when a node reads it.
    .addColumn('source_sha256', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('dependency_ranges')
    // `name@range` as declared.
    .addColumn('spec', 'text', (c) => c.primaryKey())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text', (c) => c.notNull())
    .execute()
}
