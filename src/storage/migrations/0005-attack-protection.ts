import type { Kysely } from 'kysely'

/**
 * Attack protection (security review finding 3): the tenant's settings (brute-force protection,
 * suspicious IP throttling) as JSON documents, and the failure counters, in the database so that
 * every node of a cluster sees the same counts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('attack_protection_settings')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createTable('attack_protection_counters')
    // `bf:<identifier>\n<ip>`, `client:<client_id>\n<ip>` or `ip:<ip>`.
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('identifier', 'text', (c) => c.notNull())
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('connection', 'text', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('updated_ms', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('attack_protection_counters_identifier')
    .on('attack_protection_counters')
    .columns(['kind', 'identifier'])
    .execute()
}
