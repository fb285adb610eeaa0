/**
 * The SQLite dialect of the SQL store: opening the file, its pragmas, migrations and the
 * statement cache. Everything else is dialect-neutral and lives in the per-domain files beside it.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import {
  type Dialect,
  Kysely,
  Migrator,
  SqliteDialect,
  type SqliteDatabase as SqliteDialectDatabase,
} from 'kysely'
import { migrationProvider } from '../migrations/index.js'
import type { Database } from '../schema.js'
import type { Store } from '../store.js'
import { countingDialect, DatabaseUsageCounter } from './database-usage.js'
import { deferredSyncCommits } from './sqlite-wal-sync.js'
import { inProcessLock } from './cluster.js'
import { sqlStore } from './store.js'

/** How long SQLite waits for a lock held by another connection (another process). */
const SQLITE_BUSY_TIMEOUT_MS = 5_000

export interface SqliteStoreOptions {
  /** A file path, or `':memory:'` for a private in-memory database (tests). */
  readonly filename: string
  /** Clock for `created_at`/`updated_at`; injectable for tests. */
  readonly now?: () => Date
  /**
   * `full` (the default): a commit is on disk before it is acknowledged, and survives a power cut.
   * `normal`: in WAL mode, the last commits before a power cut or OS crash may be lost (never on
   * a process kill); faster, see docs/performance.md.
   */
  readonly synchronous?: 'full' | 'normal'
  /** Wraps the Kysely dialect (the traces of the database calls); absent, the dialect is used as is. */
  readonly wrapDialect?: (dialect: Dialect) => Dialect
}

/**
 * Prepared statements kept per connection. Kysely asks the driver to prepare every query it runs;
 * the store issues a few dozen distinct SQL texts, so keeping them prepared saves SQLite's parse
 * and plan on every request (a CPU profile of the token endpoint showed `prepare` at 6–7 % of the
 * server's time).
 */
export const STATEMENT_CACHE_SIZE = 256

/**
 * A better-sqlite3 database whose `prepare` reuses statements by SQL text, least recently used
 * first out. Safe because Kysely runs each statement to completion synchronously (`all`/`run`);
 * the store never streams, which would keep a statement busy. SQLite re-prepares a cached statement
 * by itself after a schema change.
 */
export function withStatementCache(
  database: SqliteDatabase.Database,
  maxStatements: number,
): SqliteDialectDatabase {
  const statements = new Map<string, SqliteDatabase.Statement>()
  return {
    close: () => {
      statements.clear()
      database.close()
    },
    prepare: (sqlText: string) => {
      let statement = statements.get(sqlText)
      if (statement !== undefined) {
        // Re-insert to mark it most recently used.
        statements.delete(sqlText)
      } else {
        statement = database.prepare(sqlText)
        if (statements.size >= maxStatements) {
          const oldest = statements.keys().next()
          if (oldest.done !== true) statements.delete(oldest.value)
        }
      }
      statements.set(sqlText, statement)
      return statement
    },
  }
}

/** Name of the database file in the data folder. */
export const DATABASE_FILE = 'openhooks.db'

/**
 * Mode of the database file and its `-wal` and `-shm` companions: they hold password hashes and
 * sealed secrets, so only the user openhooks runs as may read them (like the key files).
 */
export const DATABASE_FILE_MODE = 0o600
const DATABASE_COMPANIONS = ['', '-wal', '-shm'] as const

/**
 * Creates the database file with DATABASE_FILE_MODE before SQLite opens it (SQLite gives the
 * `-wal` and `-shm` files the mode of the database file), and narrows the mode of files an
 * earlier version created wider.
 */
function restrictDatabaseFiles(filename: string): void {
  closeSync(openSync(filename, 'a', DATABASE_FILE_MODE))
  for (const suffix of DATABASE_COMPANIONS) {
    const path = `${filename}${suffix}`
    if (existsSync(path)) chmodSync(path, DATABASE_FILE_MODE)
  }
}

/** Opens (and migrates) the embedded SQLite store. WAL mode, `synchronous=FULL` unless told; foreign keys on. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  if (options.filename !== ':memory:') {
    mkdirSync(dirname(options.filename), { recursive: true })
    restrictDatabaseFiles(options.filename)
  }
  const sqlite = new SqliteDatabase(options.filename, { timeout: SQLITE_BUSY_TIMEOUT_MS })
  sqlite.pragma('journal_mode = WAL')
  if (options.filename !== ':memory:') restrictDatabaseFiles(options.filename)
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`)
  const usage = new DatabaseUsageCounter('sqlite')
  const dialect = countingDialect(
    new SqliteDialect({ database: withStatementCache(sqlite, STATEMENT_CACHE_SIZE) }),
    usage,
  )
  const db = new Kysely<Database>({ dialect: options.wrapDialect?.(dialect) ?? dialect })
  const migrator = new Migrator({ db, provider: migrationProvider })
  const { error } = await migrator.migrateToLatest()
  if (error !== undefined) {
    await db.destroy()
    throw new Error('Database migration failed', { cause: error })
  }
  // With FULL, the tenant log's batches are flushed off the event loop (sqlite-wal-sync.ts); with
  // NORMAL nothing is flushed at commit anyway. The WAL file exists once migrations have run.
  const deferredSync =
    options.synchronous === 'normal' || options.filename === ':memory:'
      ? undefined
      : deferredSyncCommits(db, `${options.filename}-wal`)
  return sqlStore(db, options.now ?? (() => new Date()), usage, inProcessLock(), deferredSync)
}
