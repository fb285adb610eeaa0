/**
 * Counts the SQL statements the bench server process sends to its databases (issue 23: "count the
 * round trips per exchange"). It wraps the drivers' own entry points in this process only:
 * `pg`'s `Client.query` (one round trip each: Kysely sends a statement with its parameters in one
 * extended-protocol exchange) and better-sqlite3's `Statement` `run`/`all`/`get`/`iterate` (no
 * round trip, but the same statements, for comparison). Transaction control (`begin`, `commit`)
 * is counted as the statement it is. The server's behaviour is unchanged.
 */
import SqliteDatabase from 'better-sqlite3'
import pg from 'pg'

export interface StatementCounts {
  sqlite: number
  postgres: number
}

let counts: StatementCounts | undefined

type AnyMethod = (this: unknown, ...args: unknown[]) => unknown

function wrap(target: object, name: string, count: () => void): void {
  const original = (target as Record<string, unknown>)[name]
  if (typeof original !== 'function') return
  ;(target as Record<string, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
    count()
    return (original as AnyMethod).apply(this, args)
  }
}

/** Starts counting (once per process) and returns the live counts. */
export function countStatements(): StatementCounts {
  if (counts !== undefined) return counts
  const live: StatementCounts = { sqlite: 0, postgres: 0 }
  counts = live
  wrap(pg.Client.prototype, 'query', () => {
    live.postgres += 1
  })
  const probe = new SqliteDatabase(':memory:')
  const statement = Object.getPrototypeOf(probe.prepare('select 1')) as object
  probe.close()
  for (const name of ['run', 'all', 'get', 'iterate']) {
    wrap(statement, name, () => {
      live.sqlite += 1
    })
  }
  return live
}
