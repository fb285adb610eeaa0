// The names and attributes of database spans: operation and table from the statement's query
// tree, never a bound value, on both dialects' compilers.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  sql,
} from 'kysely'
import { describeStatement, type DbSystem } from './db-tracing.js'

interface Tables {
  users: { id: string; password_hash: string }
  hook_secrets: { hook_id: string; sealed: string }
}

const SECRET = 'sealed-secret-value-4f2a'

function database(system: DbSystem): Kysely<Tables> {
  return new Kysely<Tables>({
    dialect: {
      createAdapter: () => (system === 'sqlite' ? new SqliteAdapter() : new PostgresAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) =>
        system === 'sqlite' ? new SqliteIntrospector(db) : new PostgresIntrospector(db),
      createQueryCompiler: () =>
        system === 'sqlite' ? new SqliteQueryCompiler() : new PostgresQueryCompiler(),
    },
  })
}

for (const system of ['sqlite', 'postgresql'] as const) {
  test(`database spans on ${system}: operation and table, never a value`, () => {
    const db = database(system)
    const cases = [
      [db.selectFrom('users').selectAll().where('password_hash', '=', SECRET), 'SELECT users'],
      [db.selectFrom('users as u').select('u.id').where('u.id', '=', SECRET), 'SELECT users'],
      [
        db.insertInto('hook_secrets').values({ hook_id: 'h', sealed: SECRET }),
        'INSERT hook_secrets',
      ],
      [
        db.updateTable('users').set({ password_hash: SECRET }).where('id', '=', 'u'),
        'UPDATE users',
      ],
      [db.deleteFrom('hook_secrets').where('sealed', '=', SECRET), 'DELETE hook_secrets'],
      [sql`select pg_advisory_lock(hashtextextended(${SECRET}, 0))`, 'SELECT'],
      [sql`  with x as (select ${SECRET}) select * from x`, 'WITH'],
      [sql`${SECRET}`, 'OTHER'],
      [sql`${sql.raw('hunter')} and more`, 'OTHER'],
    ] as const
    for (const [query, summary] of cases) {
      const description = describeStatement(system, query.compile(db))
      const table = summary.split(' ')[1]
      assert.deepEqual(description, {
        name: summary,
        attributes: {
          'db.system': system,
          'db.operation': summary.split(' ')[0],
          ...(table !== undefined ? { 'db.sql.table': table } : undefined),
          'db.query.summary': summary,
        },
      })
      assert.ok(!JSON.stringify(description).includes(SECRET))
    }
  })
}
