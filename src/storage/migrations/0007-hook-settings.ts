import type { Kysely } from 'kysely'

/**
 * Per-hook settings that are openhooks extensions, kept outside the hook object Auth0's clients
 * read (issue 22): the failure policy. A hook without a row has the defaults.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('hook_settings')
    .addColumn('hook_id', 'text', (c) => c.primaryKey().references('hooks.id').onDelete('cascade'))
    .addColumn('failure_policy', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
}
