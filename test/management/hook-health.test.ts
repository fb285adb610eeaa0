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
