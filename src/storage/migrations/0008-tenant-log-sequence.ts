import { PostgresAdapter, sql, type Kysely } from 'kysely'

/**
 * A cluster-wide order of tenant log events (issue 20): `seq` numbers events in the order they
 * were committed, so that a live stream reading "everything after seq N" on any node misses none
 * (log ids are ULIDs from each node's clock, which may disagree). Existing events are numbered in
 * log id order. SQLite numbers a new event `max(seq) + 1` inside its insert (one writer at a
 * time); PostgreSQL takes it from the sequence `tenant_logs_seq_counter` (see sql/logs.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tenant_logs').addColumn('seq', 'bigint').execute()
  await sql`update tenant_logs set seq = numbered.n
    from (select log_id, row_number() over (order by log_id) as n from tenant_logs) as numbered
    where numbered.log_id = tenant_logs.log_id`.execute(db)
  await db.schema.createIndex('tenant_logs_seq').unique().on('tenant_logs').column('seq').execute()
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`create sequence tenant_logs_seq_counter`.execute(db)
    await sql`select setval('tenant_logs_seq_counter', coalesce(max(seq), 0) + 1, false) from tenant_logs`.execute(
      db,
    )
  }
}
