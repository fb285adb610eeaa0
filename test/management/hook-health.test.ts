// GET /api/v2/hooks/health (issue 21): per hook, calls, failures and p50/p99 durations over the
// last hour and 24 hours, from the hook runs the tenant log records; no Prometheus needed.
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { buildTestApp } from '../helpers/build-test-app.js'
import { assertJson } from '../helpers/management.js'

const NOW_MS = Date.parse('2026-12-07T12:00:00.000Z')
const MINUTE_MS = 60_000

it('answers calls, failures and duration percentiles per hook over the last hour and day', async (t) => {
  const app = await buildTestApp(t, { now: () => NOW_MS })
  const run = async (hookId: string, minutesAgo: number, outcome: string, durationMs: number) => {
    await app.store.appendLog({
      date: new Date(NOW_MS - minutesAgo * MINUTE_MS).toISOString(),
      type: outcome === 'ok' ? 'seccft' : 'feccft',
      hookId,
      details: { hook: { id: hookId, outcome, durationMs } },
    })
  }
  await run('hook-a', 1, 'ok', 10)
  await run('hook-a', 2, 'ok', 20)
  await run('hook-a', 3, 'timeout', 400)
  await run('hook-a', 5 * 60, 'hook-error', 30)
  await run('hook-a', 30 * 60, 'ok', 5) // older than a day: not counted
  await run('hook-b', 10 * 60, 'ok', 7)
  // An audit event of a hook is not a run.
  await app.store.appendLog({
    date: new Date(NOW_MS - MINUTE_MS).toISOString(),
    type: 'sapi',
    hookId: 'hook-a',
    details: { request: { method: 'patch' } },
  })
  const res = await app.api('GET', '/api/v2/hooks/health')
  assertJson(res, 200, [
    {
      hook_id: 'hook-a',
      last_hour: { calls: 3, failures: 1, p50_ms: 20, p99_ms: 400 },
      last_24h: { calls: 4, failures: 2, p50_ms: 20, p99_ms: 400 },
    },
    {
      hook_id: 'hook-b',
      last_hour: { calls: 0, failures: 0 },
      last_24h: { calls: 1, failures: 0, p50_ms: 7, p99_ms: 7 },
    },
  ])
  const forbidden = await app.server.inject({
    method: 'GET',
    url: '/api/v2/hooks/health',
    headers: { authorization: `Bearer ${await app.token(['read:logs'])}` },
  })
  assert.equal(forbidden.statusCode, 403)
})

it('adds a series of equal buckets over the last hour or day, for one hook on request', async (t) => {
  const app = await buildTestApp(t, { now: () => NOW_MS })
  const run = async (hookId: string, minutesAgo: number, outcome: string, durationMs: number) => {
    await app.store.appendLog({
      date: new Date(NOW_MS - minutesAgo * MINUTE_MS).toISOString(),
      type: outcome === 'ok' ? 'seccft' : 'feccft',
      hookId,
      details: { hook: { id: hookId, outcome, durationMs } },
    })
  }
  await run('hook-a', 1, 'ok', 10)
  await run('hook-a', 4, 'timeout', 400)
  await run('hook-a', 5, 'ok', 30) // the end of the bucket 5–10 minutes ago
  await run('hook-a', 59, 'ok', 8)
  await run('hook-a', 3 * 60 + 30, 'hook-error', 50)
  await run('hook-b', 2, 'ok', 7)

  const hour = await app.api('GET', '/api/v2/hooks/health?series=1h&hook_id=hook-a')
  assert.equal(hour.statusCode, 200, hour.body)
  const [a, ...others] = hour.json<
    {
      hook_id: string
      series: { window: string; bucket_ms: number; buckets: Record<string, unknown>[] }
    }[]
  >()
  assert.deepEqual(others, [], 'only the hook asked for')
  assert.equal(a?.hook_id, 'hook-a')
  assert.equal(a.series.window, '1h')
  assert.equal(a.series.bucket_ms, 5 * MINUTE_MS)
  const empty = { calls: 0, failures: 0 }
  const at = (minutesAgo: number) => new Date(NOW_MS - minutesAgo * MINUTE_MS).toISOString()
  assert.deepEqual(a.series.buckets, [
    { start: at(60), calls: 1, failures: 0, p50_ms: 8, p99_ms: 8 },
    ...[55, 50, 45, 40, 35, 30, 25, 20, 15].map((m) => ({ start: at(m), ...empty })),
    { start: at(10), calls: 1, failures: 0, p50_ms: 30, p99_ms: 30 },
    { start: at(5), calls: 2, failures: 1, p50_ms: 10, p99_ms: 400 },
  ])

  const day = await app.api('GET', '/api/v2/hooks/health?series=24h')
  assert.equal(day.statusCode, 200, day.body)
  const list = day.json<
    {
      hook_id: string
      series: { bucket_ms: number; buckets: { start: string; calls: number; failures: number }[] }
    }[]
  >()
  assert.deepEqual(
    list.map((h) => h.hook_id),
    ['hook-a', 'hook-b'],
  )
  const daySeries = list[0]?.series
  assert.equal(daySeries?.bucket_ms, 60 * MINUTE_MS)
  assert.equal(daySeries.buckets.length, 24)
  assert.equal(daySeries.buckets[0]?.start, at(24 * 60))
  assert.deepEqual(
    daySeries.buckets.slice(-4).map((b) => [b.calls, b.failures]),
    [
      [1, 1],
      [0, 0],
      [0, 0],
      [4, 1],
    ],
  )

  const plain = await app.api('GET', '/api/v2/hooks/health')
  assert.ok(
    plain.json<object[]>().every((h) => !('series' in h)),
    'no series unless asked',
  )
  const bad = await app.api('GET', '/api/v2/hooks/health?series=7d')
  assert.equal(bad.statusCode, 400, bad.body)
  assert.equal(bad.json<{ error: string }>().error, 'Bad Request')
})
