import type { Kysely } from 'kysely'

/**
 * What the nodes of a cluster must still share (issue 20, docs/cluster.md): the recent executions
 * of each hook, so that a hook's live log opened on any node shows the runs of every node, and
 * the fixed-window attempt counters of the dashboard's sign-in limit.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('hook_executions')
    // `<process id>-<sequence>`, as the live log shows it.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('hook_id', 'text', (c) => c.notNull())
    // When the execution ended, in epoch milliseconds.
    .addColumn('ended_ms', 'bigint', (c) => c.notNull())
    // The execution as JSON (console output already bounded by the sandbox, secrets removed).
    .addColumn('body', 'text', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('hook_executions_hook_ended')
    .on('hook_executions')
    .columns(['hook_id', 'ended_ms'])
    .execute()
  await db.schema
    .createIndex('hook_executions_ended')
    .on('hook_executions')
    .column('ended_ms')
    .execute()
  await db.schema
    .createTable('attempt_windows')
    .addColumn('window_key', 'text', (c) => c.primaryKey())
    // When the window started, in epoch milliseconds.
    .addColumn('start_ms', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('attempt_windows_start_ms')
    .on('attempt_windows')
    .column('start_ms')
    .execute()
}
