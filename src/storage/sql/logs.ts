import { PostgresAdapter, sql, type Kysely, type RawBuilder, type Selectable } from 'kysely'
import type { Database, TenantLogsTable } from '../schema.js'
import type {
  HookRunRecord,
  SequencedLogQuery,
  SequencedTenantLog,
  TenantLogQuery,
  TenantLogRecord,
  TenantLogStore,
} from '../store.js'
import { ulid } from '../ulid.js'
import { parseObject, type SqlContext } from './context.js'

function toLog(row: Selectable<TenantLogsTable>): TenantLogRecord {
  return {
    logId: row.log_id,
    date: row.date,
    type: row.type,
    ...(row.description !== null ? { description: row.description } : undefined),
    ...(row.client_id !== null ? { clientId: row.client_id } : undefined),
    ...(row.client_name !== null ? { clientName: row.client_name } : undefined),
    ...(row.user_id !== null ? { userId: row.user_id } : undefined),
    ...(row.user_name !== null ? { userName: row.user_name } : undefined),
    ...(row.ip !== null ? { ip: row.ip } : undefined),
    ...(row.user_agent !== null ? { userAgent: row.user_agent } : undefined),
    ...(row.hook_id !== null ? { hookId: row.hook_id } : undefined),
    details: parseObject(row.details),
  }
}

/** Tenant log events. */
export function sqlTenantLogStore({ db, deferredSync }: SqlContext): TenantLogStore {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter
  const appendLogs = async (
    entries: readonly Omit<TenantLogRecord, 'logId'>[],
  ): Promise<TenantLogRecord[]> => {
    if (entries.length === 0) return []
    // ulid() is monotonic: the batch keeps its order in log_id.
    const stored = entries.map((entry) => ({ ...entry, logId: ulid() }))
    const rows = (seqOf: (index: number) => number | RawBuilder<number>) =>
      stored.map((entry, index) => ({
        log_id: entry.logId,
        date: entry.date,
        type: entry.type,
        description: entry.description ?? null,
        client_id: entry.clientId ?? null,
        client_name: entry.clientName ?? null,
        user_id: entry.userId ?? null,
        user_name: entry.userName ?? null,
        ip: entry.ip ?? null,
        user_agent: entry.userAgent ?? null,
        hook_id: entry.hookId ?? null,
        details: JSON.stringify(entry.details),
        seq: seqOf(index),
      }))
    if (postgres) {
      // The next `seq` (migration 0008): PostgreSQL's sequence, its numbers taken in insert order
      // and committed with the statement.
      await db
        .insertInto('tenant_logs')
        .values(rows(() => sql<number>`nextval('tenant_logs_seq_counter')`))
        .execute()
      return stored
    }
    // SQLite has one writer: the numbers after the largest stored, read in the same transaction.
    // On a file with synchronous=FULL the batch is flushed to disk off the event loop before this
    // resolves (sqlite-wal-sync.ts): a batch is no user's acknowledged write, but written means
    // on disk.
    const insert = (connection: Kysely<Database>): Promise<void> =>
      connection.transaction().execute(async (trx) => {
        const last = await trx
          .selectFrom('tenant_logs')
          .select((eb) => eb.fn.max('seq').as('last'))
          .executeTakeFirst()
        const base = last?.last ?? 0
        await trx
          .insertInto('tenant_logs')
          .values(rows((index) => base + 1 + index))
          .execute()
      })
    await (deferredSync !== undefined ? deferredSync.run(insert) : insert(db))
    return stored
  }
  return {
    async listHookRuns(since: string, limit: number): Promise<HookRunRecord[]> {
      const rows = await db
        .selectFrom('tenant_logs')
        .select(['hook_id', 'date', 'details'])
        .where('hook_id', 'is not', null)
        .where('date', '>=', since)
        .where('type', 'not in', ['sapi', 'fapi'])
        .orderBy('log_id', 'desc')
        .limit(limit)
        .execute()
      const runs: HookRunRecord[] = []
      for (const row of rows) {
        const hook = parseObject(row.details).hook
        if (typeof hook !== 'object' || hook === null) continue
        const { outcome, durationMs } = hook as Record<string, unknown>
        if (row.hook_id === null || typeof outcome !== 'string') continue
        if (typeof durationMs !== 'number') continue
        runs.push({ hookId: row.hook_id, date: row.date, outcome, durationMs })
      }
      return runs
    },

    async appendLog(entry: Omit<TenantLogRecord, 'logId'>): Promise<TenantLogRecord> {
      const [stored] = await appendLogs([entry])
      if (stored === undefined) throw new Error('appendLogs returned nothing')
      return stored
    },

    appendLogs,

    async listLogsBySeq(query: SequencedLogQuery): Promise<SequencedTenantLog[]> {
      let rows = db
        .selectFrom('tenant_logs')
        .selectAll()
        .where('seq', '>', query.afterSeq)
        .orderBy('seq', 'asc')
        .limit(query.take)
      if (query.upToSeq !== undefined) rows = rows.where('seq', '<=', query.upToSeq)
      if (query.hookId !== undefined) rows = rows.where('hook_id', '=', query.hookId)
      return (await rows.execute()).map((row) => ({ seq: Number(row.seq), log: toLog(row) }))
    },

    async lastLogSeq(): Promise<number> {
      const row = await db
        .selectFrom('tenant_logs')
        .select((eb) => eb.fn.max('seq').as('last'))
        .executeTakeFirst()
      return row?.last ?? 0
    },

    async logSeqOf(logId: string): Promise<number | undefined> {
      const row = await db
        .selectFrom('tenant_logs')
        .select('seq')
        .where('log_id', '=', logId)
        .executeTakeFirst()
      return row?.seq ?? undefined
    },

    async listLogs(query: TenantLogQuery): Promise<{ items: TenantLogRecord[]; total: number }> {
      let base = db.selectFrom('tenant_logs')
      if (query.type !== undefined) base = base.where('type', '=', query.type)
      if (query.hookId !== undefined) base = base.where('hook_id', '=', query.hookId)
      const count = await base
        .select((eb) => eb.fn.countAll<number>().as('total'))
        .executeTakeFirstOrThrow()
      let rows = base.selectAll()
      if (query.from !== undefined || query.take !== undefined) {
        if (query.from !== undefined) rows = rows.where('log_id', '>', query.from)
        rows = rows.orderBy('log_id', 'asc').limit(query.take ?? 50)
      } else {
        rows = rows.orderBy('log_id', 'desc')
        if (query.page !== undefined) rows = rows.limit(query.page.limit).offset(query.page.offset)
      }
      return { items: (await rows.execute()).map(toLog), total: count.total }
    },

    async getLog(logId: string): Promise<TenantLogRecord | undefined> {
      const row = await db
        .selectFrom('tenant_logs')
        .selectAll()
        .where('log_id', '=', logId)
        .executeTakeFirst()
      return row === undefined ? undefined : toLog(row)
    },

    async pruneLogs(before: string, maxRows: number): Promise<number> {
      return db.transaction().execute(async (trx) => {
        const old = await trx
          .deleteFrom('tenant_logs')
          .where('date', '<', before)
          .executeTakeFirst()
        const keep = await trx
          .selectFrom('tenant_logs')
          .select('log_id')
          .orderBy('log_id', 'desc')
          .offset(maxRows)
          .limit(1)
          .executeTakeFirst()
        let excess = 0n
        if (keep !== undefined) {
          const result = await trx
            .deleteFrom('tenant_logs')
            .where('log_id', '<=', keep.log_id)
            .executeTakeFirst()
          excess = result.numDeletedRows
        }
        return Number(old.numDeletedRows + excess)
      })
    },
  }
}
