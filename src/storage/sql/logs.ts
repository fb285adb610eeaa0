import { PostgresAdapter, sql, type Selectable } from 'kysely'
import type { TenantLogsTable } from '../schema.js'
import type {
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
export function sqlTenantLogStore({ db }: SqlContext): TenantLogStore {
  // The next `seq` (migration 0008): PostgreSQL's sequence, whose numbers are taken in insert
  // order and committed within the statement; SQLite has one writer, so max + 1 in the insert.
  const nextSeq =
    db.getExecutor().adapter instanceof PostgresAdapter
      ? sql<number>`nextval('tenant_logs_seq_counter')`
      : sql<number>`(select coalesce(max(seq), 0) + 1 from tenant_logs)`
  return {
    async appendLog(entry: Omit<TenantLogRecord, 'logId'>): Promise<TenantLogRecord> {
      const logId = ulid()
      await db
        .insertInto('tenant_logs')
        .values({
          log_id: logId,
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
          seq: nextSeq,
        })
        .execute()
      return { ...entry, logId }
    },

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
