import { sql, type Transaction } from 'kysely'
import type { Database } from '../schema.js'
import type { ClusterStore, DashboardSessionRecord, OperatorAccountRecord } from '../store.js'
import type { SqlContext } from './context.js'
import type { SharedStateStore } from './shared-state.js'

/** The id of the one row of `operator_accounts`. */
const OPERATOR_ROW_ID = 'operator'

/**
 * Serialises the transactions that use `name`: upserting its row takes the row's lock (PostgreSQL)
 * or the write lock (SQLite), held until the transaction ends. Under PostgreSQL's READ COMMITTED,
 * every statement after it sees what the previous holder committed.
 */
export async function lockName(trx: Transaction<Database>, name: string): Promise<void> {
  await trx
    .insertInto('named_locks')
    .values({ name })
    .onConflict((oc) => oc.column('name').doUpdateSet({ name }))
    .execute()
}

/** Runs `work` while holding the first-start lock `name`; the dialect decides how. */
export type WhileLocked = <T>(name: string, work: () => Promise<T>) => Promise<T>

/**
 * In one process, work under one name runs one at a time (SQLite: the database has one process).
 */
export function inProcessLock(): WhileLocked {
  const tails = new Map<string, Promise<unknown>>()
  return async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const before = tails.get(name) ?? Promise.resolve()
    const run = before.then(work, work)
    const tail = run.catch(() => undefined)
    tails.set(name, tail)
    try {
      return await run
    } finally {
      if (tails.get(name) === tail) tails.delete(name)
    }
  }
}

function toSession(row: {
  id_hash: string
  email: string
  created_ms: number
  last_seen_ms: number
}): DashboardSessionRecord {
  return {
    idHash: row.id_hash,
    email: row.email,
    createdMs: row.created_ms,
    lastSeenMs: row.last_seen_ms,
  }
}

/** Token buckets, dashboard sessions and the operator account (migration 0010). */
export function sqlClusterStore(
  { db, timestamp }: SqlContext,
  whileLocked: WhileLocked,
): Omit<ClusterStore, keyof SharedStateStore> {
  return {
    async takeRateLimitToken(key, settings, nowMs) {
      const now = Math.floor(nowMs)
      const burst = sql`cast(${settings.burst} as double precision)`
      const perSecond = sql`cast(${settings.perSecond} as double precision)`
      const elapsedMs = sql`(case when ${now} > rate_limit_buckets.updated_ms then ${now} - rate_limit_buckets.updated_ms else 0 end)`
      const grown = sql`(rate_limit_buckets.tokens + ${elapsedMs} * ${perSecond} / 1000.0)`
      // The bucket refilled for the time since its last take, capped at the burst.
      const refilled = sql`(case when ${grown} > ${burst} then ${burst} else ${grown} end)`
      // One statement: the row lock (PostgreSQL) or the write lock (SQLite) makes it atomic.
      const { rows } = await sql<{ tokens: number; allowed: number }>`
        insert into rate_limit_buckets (bucket_key, tokens, updated_ms, allowed)
        values (${key}, ${settings.burst - 1}, ${now}, 1)
        on conflict (bucket_key) do update set
          tokens = case when ${refilled} >= 1 then ${refilled} - 1 else ${refilled} end,
          allowed = case when ${refilled} >= 1 then 1 else 0 end,
          updated_ms = case when ${now} > rate_limit_buckets.updated_ms then ${now} else rate_limit_buckets.updated_ms end
        returning tokens, allowed`.execute(db)
      const row = rows[0]
      if (row === undefined) throw new Error('the rate-limit upsert returned no row')
      return { allowed: row.allowed === 1, tokens: row.tokens }
    },

    async pruneRateLimitBuckets(beforeMs, keyPrefix) {
      if (keyPrefix !== undefined && !/^[A-Za-z0-9:-]*$/.test(keyPrefix)) {
        throw new RangeError('a bucket key prefix has letters, digits, - and : only')
      }
      let prune = db.deleteFrom('rate_limit_buckets').where('updated_ms', '<', beforeMs)
      if (keyPrefix !== undefined) prune = prune.where('bucket_key', 'like', `${keyPrefix}%`)
      await prune.execute()
    },

    async createDashboardSession(session, maxSessions) {
      await db
        .insertInto('dashboard_sessions')
        .values({
          id_hash: session.idHash,
          email: session.email,
          created_ms: session.createdMs,
          last_seen_ms: session.lastSeenMs,
        })
        .execute()
      // Beyond the cap, the least recently used sessions end (ties may keep a few more).
      await db
        .deleteFrom('dashboard_sessions')
        .where(
          'last_seen_ms',
          '<',
          db
            .selectFrom('dashboard_sessions')
            .select('last_seen_ms')
            .orderBy('last_seen_ms', 'desc')
            .limit(1)
            .offset(maxSessions - 1),
        )
        .execute()
    },

    async touchDashboardSession(idHash, nowMs, limits) {
      const row = await db
        .updateTable('dashboard_sessions')
        .set({ last_seen_ms: nowMs })
        .where('id_hash', '=', idHash)
        .where('last_seen_ms', '>=', nowMs - limits.idleMs)
        .where('created_ms', '>=', nowMs - limits.maxAgeMs)
        .returningAll()
        .executeTakeFirst()
      if (row !== undefined) return toSession(row)
      await db.deleteFrom('dashboard_sessions').where('id_hash', '=', idHash).execute()
      return undefined
    },

    async deleteDashboardSession(idHash) {
      await db.deleteFrom('dashboard_sessions').where('id_hash', '=', idHash).execute()
    },

    async getOperatorAccount(): Promise<OperatorAccountRecord | undefined> {
      const row = await db
        .selectFrom('operator_accounts')
        .select(['email', 'password_hash'])
        .where('id', '=', OPERATOR_ROW_ID)
        .executeTakeFirst()
      return row === undefined ? undefined : { email: row.email, passwordHash: row.password_hash }
    },

    async putOperatorAccount(account, ifAbsent) {
      const values = {
        id: OPERATOR_ROW_ID,
        email: account.email,
        password_hash: account.passwordHash,
        updated_at: timestamp(),
      }
      const result = await db
        .insertInto('operator_accounts')
        .values(values)
        .onConflict((oc) =>
          ifAbsent
            ? oc.column('id').doNothing()
            : oc.column('id').doUpdateSet({
                email: values.email,
                password_hash: values.password_hash,
                updated_at: values.updated_at,
              }),
        )
        .executeTakeFirst()
      return (result.numInsertedOrUpdatedRows ?? 0n) > 0n
    },

    whileLocked,
  }
}
