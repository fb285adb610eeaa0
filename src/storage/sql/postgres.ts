/**
 * The PostgreSQL dialect of the SQL store: the `pg` pool, its limits, and the migrations at start.
 * Everything else is dialect-neutral and lives in the per-domain files beside it.
 */
import { type Dialect, Kysely, Migrator, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { migrationProvider } from '../migrations/index.js'
import type { Database } from '../schema.js'
import type { Store } from '../store.js'
import type { WhileLocked } from './cluster.js'
import { countingDialect, DatabaseUsageCounter } from './database-usage.js'
import { sqlStore } from './store.js'

/** Default number of connections each node keeps to PostgreSQL. */
export const POSTGRES_DEFAULT_POOL_SIZE = 10
/** Default longest one SQL statement may run before PostgreSQL cancels it, in milliseconds. */
export const POSTGRES_DEFAULT_STATEMENT_TIMEOUT_MS = 5_000
/**
 * Longest the migrations at start may take, waiting for another node's included, in milliseconds.
 */
export const POSTGRES_MIGRATION_TIMEOUT_MS = 120_000

export interface PostgresStoreOptions {
  /** A `postgres://user:pass@host:5432/db` URL; TLS options as `pg` takes them (`?sslmode=require`). */
  readonly connectionString: string
  /** Connections in the pool. */
  readonly poolSize?: number
  /** PostgreSQL's `statement_timeout`, and the longest wait for a connection, in milliseconds. */
  readonly statementTimeoutMs?: number
  /** Clock for `created_at`/`updated_at`; injectable for tests. */
  readonly now?: () => Date
  /** Told the names of the migrations this start applied (none when another node had). */
  readonly onMigrated?: (applied: readonly string[]) => void
  /** Wraps the Kysely dialect (the traces of the database calls); absent, the dialect is used as is. */
  readonly wrapDialect?: (dialect: Dialect) => Dialect
}

/**
 * PostgreSQL returns `bigint` (int8) as a string by default to keep its full range. The store
 * counts rows (`count(*)` is int8) and keeps small integers, all far below 2^53: read them as
 * numbers, as SQLite gives them. This sets `pg`'s parser for the process; the store is the only
 * user of `pg` in it.
 */
pg.types.setTypeParser(pg.types.builtins.INT8, Number)

/** Opens (and migrates) a store on PostgreSQL. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const statementTimeoutMs = options.statementTimeoutMs ?? POSTGRES_DEFAULT_STATEMENT_TIMEOUT_MS
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? POSTGRES_DEFAULT_POOL_SIZE,
    // The same bound for a connection (or a free one from the pool) as for a statement.
    connectionTimeoutMillis: statementTimeoutMs,
    statement_timeout: statementTimeoutMs,
  })
  // An idle client whose connection drops (PostgreSQL restarting) emits 'error' on the pool; the
  // pool discards it and the next query opens a new one. Without a listener the process would exit.
  pool.on('error', () => {})
  // A client taken from the pool has no pool listener: one held between two statements (a
  // transaction, the advisory lock of `whileLocked`) when PostgreSQL ends its session emits
  // 'error' on itself, which would end the process and drop every HTTP connection of the node.
  // The loss still surfaces: the client's next statement fails as unavailable (a 503), and the
  // pool discards a client that is no longer queryable when it comes back.
  pool.on('connect', (client) => {
    client.on('error', () => {})
  })
  const usage = new DatabaseUsageCounter('postgresql', pool)
  const dialect = countingDialect(new PostgresDialect({ pool }), usage)
  const db = new Kysely<Database>({ dialect: options.wrapDialect?.(dialect) ?? dialect })
  try {
    const applied = await migrate(db)
    options.onMigrated?.(applied)
  } catch (error) {
    await db.destroy()
    throw error
  }
  // Each statement is a round trip here: the counters read on every token exchange share them.
  return sqlStore(db, options.now ?? (() => new Date()), usage, advisoryLock(db), undefined, {
    batchCounterReads: true,
  })
}

/**
 * `whileLocked` across nodes: a session advisory lock, held on one pooled connection while `work`
 * runs on the others (the pool keeps at least two, see the configuration's minimum). The wait
 * for another node's work may be longer than the statement timeout: that connection gets the
 * migrations' longer one.
 */
function advisoryLock(db: Kysely<Database>): WhileLocked {
  return async <T>(name: string, work: () => Promise<T>): Promise<T> =>
    db.connection().execute(async (connection) => {
      await sql`set statement_timeout = ${sql.lit(POSTGRES_MIGRATION_TIMEOUT_MS)}`.execute(
        connection,
      )
      await sql`select pg_advisory_lock(hashtextextended(${name}, 0))`.execute(connection)
      try {
        return await work()
      } finally {
        await sql`select pg_advisory_unlock(hashtextextended(${name}, 0))`.execute(connection)
        await sql`reset statement_timeout`.execute(connection)
      }
    })
}

/**
 * Runs the migrations on one connection. Kysely's PostgreSQL adapter holds a session advisory lock
 * while it migrates, and creates its bookkeeping tables race-free, so nodes starting together on an
 * empty database wait for the first and then find nothing left to do. The wait may be longer than
 * the pool's statement timeout, which would cancel it: this connection gets a longer one.
 */
async function migrate(db: Kysely<Database>): Promise<string[]> {
  return db.connection().execute(async (connection) => {
    await sql`set statement_timeout = ${sql.lit(POSTGRES_MIGRATION_TIMEOUT_MS)}`.execute(connection)
    try {
      const migrator = new Migrator({ db: connection, provider: migrationProvider })
      const { error, results } = await migrator.migrateToLatest()
      if (error !== undefined) throw new Error('Database migration failed', { cause: error })
      return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
    } finally {
      await sql`reset statement_timeout`.execute(connection)
    }
  })
}
