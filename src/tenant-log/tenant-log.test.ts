import assert from 'node:assert/strict'
import { test } from 'node:test'
import { pino } from 'pino'
import { openSqliteStore } from '../storage/sql/sqlite.js'
import type { Store } from '../storage/store.js'
import {
  TENANT_LOG_MAX_BATCH,
  TENANT_LOG_MAX_DELAY_MS,
  TENANT_LOG_MAX_QUEUED,
  TenantLog,
  startTenantLogRetention,
} from './tenant-log.js'

test('retention deletes events past the age and count limits at start', async (t) => {
  const store = await openSqliteStore({ filename: ':memory:' })
  t.after(() => store.close())
  const logger = pino({ level: 'silent' })
  let now = new Date('2026-01-01T00:00:00.000Z')
  const log = new TenantLog(store, logger, () => now)
  for (const day of [1, 2, 20, 40, 41, 42]) {
    now = new Date(Date.UTC(2026, 0, day))
    await log.record({ type: 'ss' })
  }
  const stop = startTenantLogRetention({
    store,
    retentionDays: 30,
    maxEvents: 2,
    logger,
    now: () => new Date(Date.UTC(2026, 0, 42)),
  })
  t.after(stop)
  // The first prune runs at once; wait for it with a deadline (for a prune that never runs, not
  // for a busy machine).
  const deadline = Date.now() + 60_000
  while ((await store.listLogs({})).total > 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  const left = (await store.listLogs({})).items.map((e) => e.date)
  assert.deepStrictEqual(left, ['2026-02-11T00:00:00.000Z', '2026-02-10T00:00:00.000Z'])
})

test('listeners see every event as it is written; a failing listener harms nobody', async (t) => {
  const store = await openSqliteStore({ filename: ':memory:' })
  t.after(() => store.close())
  const log = new TenantLog(store, pino({ level: 'silent' }))
  const seen: string[] = []
  log.subscribe(() => {
    throw new Error('listener bug')
  })
  const stop = log.subscribe((event) => seen.push(event.type))
  await log.record({ type: 'seccft' })
  stop()
  await log.record({ type: 'feccft' })
  assert.deepStrictEqual(seen, ['seccft'])
  assert.equal((await store.listLogs({})).total, 2)
})

/** The real store, counting the statements that append events. */
function countingAppends(store: Store): { store: Store; batches: number[] } {
  const batches: number[] = []
  const proxy = new Proxy(store, {
    get(target, property) {
      if (property === 'appendLogs') {
        return (entries: Parameters<Store['appendLogs']>[0]) => {
          batches.push(entries.length)
          return target.appendLogs(entries)
        }
      }
      const value: unknown = Reflect.get(target, property, target)
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value
    },
  })
  return { store: proxy, batches }
}

test('events recorded together are written in one statement, at most a batch each', async (t) => {
  const raw = await openSqliteStore({ filename: ':memory:' })
  t.after(() => raw.close())
  const { store, batches } = countingAppends(raw)
  const log = new TenantLog(store, pino({ level: 'silent' }))
  const count = TENANT_LOG_MAX_BATCH + 50
  const written = await Promise.all(
    Array.from({ length: count }, (_, i) => log.record({ type: 'seccft', details: { i } })),
  )
  assert.deepStrictEqual(batches, [TENANT_LOG_MAX_BATCH, 50])
  assert.ok(written.every((r) => r !== undefined))
  const items = (await store.listLogs({ take: count, from: '0' })).items
  // In the order they were recorded.
  assert.deepStrictEqual(
    items.map((e) => e.details.i),
    Array.from({ length: count }, (_, i) => i),
  )
  assert.equal(log.dropped, 0)
})

test('an event is written within the delay without anyone waiting for it', async (t) => {
  const store = await openSqliteStore({ filename: ':memory:' })
  t.after(() => store.close())
  const log = new TenantLog(store, pino({ level: 'silent' }))
  void log.record({ type: 'seccft' })
  assert.equal((await store.listLogs({})).total, 0)
  // The timer writes it; poll the database with a deadline (no flush from here).
  const deadline = Date.now() + 10_000
  while ((await store.listLogs({})).total === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, TENANT_LOG_MAX_DELAY_MS))
  }
  assert.equal((await store.listLogs({})).total, 1)
})

test('close() writes every queued event; later events are written at once', async (t) => {
  const store = await openSqliteStore({ filename: ':memory:' })
  t.after(() => store.close())
  const log = new TenantLog(store, pino({ level: 'silent' }))
  for (let i = 0; i < 5; i++) void log.record({ type: 'seccft' })
  await log.close()
  assert.equal((await store.listLogs({})).total, 5)
  await log.record({ type: 'feccft' })
  assert.equal((await store.listLogs({})).total, 6)
})

test('a failed write counts its events as dropped and says so on the server log', async () => {
  const store = await openSqliteStore({ filename: ':memory:' })
  const lines: Record<string, unknown>[] = []
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  )
  const log = new TenantLog(store, logger)
  await store.close()
  const results = await Promise.all([log.record({ type: 'seccft' }), log.record({ type: 'ss' })])
  assert.deepStrictEqual(results, [undefined, undefined])
  assert.equal(log.dropped, 2)
  assert.ok(lines.some((l) => l.event === 'tenant_log.failed' && l.events === 2))
  assert.ok(lines.some((l) => l.event === 'tenant_log.dropped' && l.droppedTotal === 2))
})

test('past the queue limit, new events are dropped and counted, never silently', async (t) => {
  const raw = await openSqliteStore({ filename: ':memory:' })
  t.after(() => raw.close())
  // A database that does not answer: every append waits until released.
  let release: () => void = () => undefined
  const stalled = new Promise<void>((resolve) => {
    release = resolve
  })
  const store = new Proxy(raw, {
    get(target, property) {
      if (property === 'appendLogs') {
        return async (entries: Parameters<Store['appendLogs']>[0]) => {
          await stalled
          return target.appendLogs(entries)
        }
      }
      const value: unknown = Reflect.get(target, property, target)
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value
    },
  })
  const lines: Record<string, unknown>[] = []
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  )
  const log = new TenantLog(store, logger)
  const pending: Promise<unknown>[] = []
  for (let i = 0; i < TENANT_LOG_MAX_QUEUED + 3; i++) pending.push(log.record({ type: 'seccft' }))
  assert.equal(log.dropped, 3)
  assert.ok(lines.some((l) => l.event === 'tenant_log.dropped' && l.type === 'seccft'))
  release()
  await log.close()
  await Promise.all(pending)
  assert.equal((await raw.listLogs({})).total, TENANT_LOG_MAX_QUEUED)
})
