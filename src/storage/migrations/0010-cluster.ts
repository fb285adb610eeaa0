import { sql, type Kysely } from 'kysely'

/**
 * What several nodes must share (issue 20, docs/cluster.md): named locks that serialise the
 * transactions of one rule (one enabled hook per point, the SMS budget of one number), the
 * Management API's token buckets, dashboard sessions and the dashboard operator account.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per lock name; a transaction upserts it first and holds its row lock until it ends.
  await db.schema
    .createTable('named_locks')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .execute()
  await db.schema
    .createTable('rate_limit_buckets')
    .addColumn('bucket_key', 'text', (c) => c.primaryKey())
    .addColumn('tokens', 'double precision', (c) => c.notNull())
    .addColumn('updated_ms', 'bigint', (c) => c.notNull())
    // Whether the last take found a token (1) or not (0): read back with the row it changed.
    .addColumn('allowed', 'integer', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('rate_limit_buckets_updated_ms')
    .on('rate_limit_buckets')
    .column('updated_ms')
    .execute()
  await db.schema
    .createTable('dashboard_sessions')
    // SHA-256 (base64url) of the cookie value; the value itself is never stored.
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('created_ms', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_ms', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('dashboard_sessions_last_seen_ms')
    .on('dashboard_sessions')
    .column('last_seen_ms')
    .execute()
  await db.schema
    .createTable('operator_accounts')
    // Always 'operator': the dashboard has one account.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(sql.lit('')))
    .execute()
}
