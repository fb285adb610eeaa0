import { sql } from 'kysely'
import type { ClusterStore, StoredHookExecution } from '../store.js'
import type { SqlContext } from './context.js'

export type SharedStateStore = Pick<
  ClusterStore,
  | 'insertHookExecutions'
  | 'listHookExecutions'
  | 'pruneHookExecutions'
  | 'countAttempt'
  | 'uncountAttempt'
  | 'clearAttempts'
  | 'pruneAttempts'
>

function toExecution(row: {
  id: string
  hook_id: string
  ended_ms: number
  body: string
}): StoredHookExecution {
  return { id: row.id, hookId: row.hook_id, endedMs: row.ended_ms, body: row.body }
}

/** Recent hook executions and attempt windows (migration 0011). */
export function sqlSharedStateStore({ db }: SqlContext): SharedStateStore {
  return {
    async insertHookExecutions(executions) {
      if (executions.length === 0) return
      await db
        .insertInto('hook_executions')
        .values(
          executions.map((e) => ({
            id: e.id,
            hook_id: e.hookId,
            ended_ms: Math.floor(e.endedMs),
            body: e.body,
          })),
        )
        .onConflict((oc) => oc.column('id').doNothing())
        .execute()
    },

    async listHookExecutions(hookId, fromMs, take) {
      const rows = await db
        .selectFrom('hook_executions')
        .selectAll()
        .where('hook_id', '=', hookId)
        .where('ended_ms', '>=', Math.floor(fromMs))
        .orderBy('ended_ms', 'desc')
        .orderBy('id', 'desc')
        .limit(take)
        .execute()
      return rows.map(toExecution).reverse()
    },

    async pruneHookExecutions(beforeMs, perHook) {
      await db.deleteFrom('hook_executions').where('ended_ms', '<', Math.floor(beforeMs)).execute()
      await sql`delete from hook_executions where id in (
        select id from (
          select id, row_number() over (partition by hook_id order by ended_ms desc, id desc) as n
          from hook_executions
        ) as ranked where ranked.n > ${perHook})`.execute(db)
    },

    async countAttempt(key, nowMs, windowMs) {
      const now = Math.floor(nowMs)
      const expired = sql`attempt_windows.start_ms <= ${now - Math.floor(windowMs)}`
      // One statement: the row lock (PostgreSQL) or the write lock (SQLite) makes it atomic.
      const { rows } = await sql<{ start_ms: number; attempts: number }>`
        insert into attempt_windows (window_key, start_ms, attempts)
        values (${key}, ${now}, 1)
        on conflict (window_key) do update set
          attempts = case when ${expired} then 1 else attempt_windows.attempts + 1 end,
          start_ms = case when ${expired} then ${now} else attempt_windows.start_ms end
        returning start_ms, attempts`.execute(db)
      const row = rows[0]
      if (row === undefined) throw new Error('the attempt upsert returned no row')
      return { startMs: row.start_ms, attempts: row.attempts }
    },

    async uncountAttempt(key, startMs) {
      await db
        .updateTable('attempt_windows')
        .set({ attempts: sql`case when attempts > 0 then attempts - 1 else 0 end` })
        .where('window_key', '=', key)
        .where('start_ms', '=', Math.floor(startMs))
        .execute()
    },

    async clearAttempts(key) {
      await db.deleteFrom('attempt_windows').where('window_key', '=', key).execute()
    },

    async pruneAttempts(beforeMs) {
      await db.deleteFrom('attempt_windows').where('start_ms', '<', Math.floor(beforeMs)).execute()
    },
  }
}
