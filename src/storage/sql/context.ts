import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../schema.js'
import type { DeferredSyncCommits } from './sqlite-wal-sync.js'

/**
 * What every per-domain SQL store is built from: the Kysely handle (any dialect) and the clock of
 * `created_at`/`updated_at`. The SQL is dialect-neutral; booleans are 0/1 integers.
 */
export interface SqlContext {
  readonly db: Kysely<Database>
  /** The current time as an ISO 8601 string. */
  readonly timestamp: () => string
  /**
   * SQLite with `synchronous=FULL` on a file: commits flushed off the event loop, for the tenant
   * log's batches (`sqlite-wal-sync.ts`). Absent, writes commit as the connection is set.
   */
  readonly deferredSync?: DeferredSyncCommits
}

// Our own JSON columns, written by JSON.stringify of the same shapes.
export function parseStringMap(text: string): Record<string, string> {
  return JSON.parse(text) as Record<string, string>
}
export function parseStringList(text: string): string[] {
  return JSON.parse(text) as string[]
}
export function parseObject(text: string): Record<string, unknown> {
  return JSON.parse(text) as Record<string, unknown>
}

/** Auth0-style random ids: `prefix` + lower-case hex. */
export function hexId(bytes: number): string {
  return randomBytes(bytes).toString('hex')
}

/** A unique or primary-key violation, as SQLite (better-sqlite3) or PostgreSQL reports it. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return (
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === '23505'
  )
}
