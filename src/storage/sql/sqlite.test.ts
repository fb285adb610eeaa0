import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import assert from 'node:assert/strict'
import { test } from 'node:test'
import SqliteDatabase from 'better-sqlite3'
import { openSqliteStore, withStatementCache } from './sqlite.js'
import { describeClusterContract } from '../cluster.contract.js'
import { describeStoreContract } from '../store.contract.js'

describeStoreContract('sqlite (memory)', async () => ({
  store: await openSqliteStore({ filename: ':memory:' }),
}))

describeStoreContract('sqlite (file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openhooks-store-'))
  return {
    store: await openSqliteStore({ filename: join(dir, 'openhooks.db') }),
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true })
    },
  }
})

describeClusterContract('sqlite (file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openhooks-store-'))
  return {
    store: await openSqliteStore({ filename: join(dir, 'openhooks.db') }),
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true })
    },
  }
})

test('the database file and its -wal and -shm files are readable by the owner only (0600)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'openhooks-store-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const filename = join(dir, 'openhooks.db')
  const store = await openSqliteStore({ filename })
  await store.putGuardianSetting('phone', { enabled: true })
  for (const path of [filename, `${filename}-wal`, `${filename}-shm`]) {
    assert.ok(existsSync(path), path)
    assert.equal((statSync(path).mode & 0o777).toString(8), '600', path)
  }
  await store.close()

  // Files an earlier version created with the umask's mode are narrowed when opened.
  const older = join(dir, 'older.db')
  writeFileSync(older, '')
  chmodSync(older, 0o644)
  const reopened = await openSqliteStore({ filename: older })
  assert.equal((statSync(older).mode & 0o777).toString(8), '600')
  await reopened.close()
})

test('prepared statements are reused by SQL text, and the least recently used one goes first', () => {
  const sqlite = new SqliteDatabase(':memory:')
  const prepared: string[] = []
  const original = sqlite.prepare.bind(sqlite)
  sqlite.prepare = (source: string) => {
    prepared.push(source)
    return original(source)
  }
  const db = withStatementCache(sqlite, 2)
  const one = db.prepare('select 1 as v')
  assert.equal(db.prepare('select 1 as v'), one)
  db.prepare('select 2 as v')
  db.prepare('select 1 as v') // most recently used again
  db.prepare('select 3 as v') // evicts `select 2`
  assert.equal(db.prepare('select 1 as v'), one)
  db.prepare('select 2 as v')
  assert.deepStrictEqual(prepared, [
    'select 1 as v',
    'select 2 as v',
    'select 3 as v',
    'select 2 as v',
  ])
  db.close()
  assert.equal(sqlite.open, false)
})

test('a cached statement keeps working after a schema change', () => {
  const db = withStatementCache(new SqliteDatabase(':memory:'), 8)
  db.prepare('create table t (a integer)').run([])
  db.prepare('insert into t (a) values (?)').run([1])
  assert.deepStrictEqual(db.prepare('select * from t').all([]), [{ a: 1 }])
  db.prepare('alter table t add column b text').run([])
  db.prepare('insert into t (a) values (?)').run([2])
  assert.deepStrictEqual(db.prepare('select * from t').all([]), [
    { a: 1, b: null },
    { a: 2, b: null },
  ])
  db.close()
})
