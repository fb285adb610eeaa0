import assert from 'node:assert/strict'
import { test } from 'node:test'
import { pino } from 'pino'
import { openSqliteStore } from '../storage/sql/sqlite.js'
import { TenantLog, startTenantLogRetention } from './tenant-log.js'

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
  // The first prune runs at once; wait for it with a deadline.
  const deadline = Date.now() + 2_000
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
