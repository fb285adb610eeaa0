/**
 * The database metrics (issue 21, "database pool in use and waiting, per backend"): the round-trip
 * counter moves by exactly the statements a known Management API request sends, on a real
 * PostgreSQL server and on SQLite; the PostgreSQL pool's gauges are there and SQLite has none; the
 * change bus's own statements are counted too. Read with the text-format parser.
 */
import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import { Metrics } from '../../src/observability/metrics.js'
import { openPostgresStore } from '../../src/storage/sql/postgres.js'
import {
  CHANGE_BUS_PROBE_INTERVAL_MS,
  PostgresChangeBus,
} from '../../src/storage/sql/postgres-changes.js'
import { buildTestApp, type TestApp } from '../helpers/build-test-app.js'
import { createTestDatabase, postgresUnavailable } from '../helpers/postgres.js'
import { parsePrometheusText, sampleValue, type Exposition } from '../helpers/prometheus-text.js'

const unavailable = postgresUnavailable()
const ROUND_TRIPS = 'openhooks_database_round_trips_total'
const POOL_SIZE = 3
const HOOK = {
  name: 'counted',
  script: 'module.exports = function (client, scope, audience, context, cb) { cb(null, {}) }',
  triggerId: 'credentials-exchange',
}

async function scrape(app: TestApp): Promise<Exposition> {
  const res = await app.server.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: `Bearer ${await app.token(['read:metrics'])}` },
  })
  assert.equal(res.statusCode, 200, res.body)
  return parsePrometheusText(res.body)
}

/**
 * Round trips of two known reads: `GET /api/v2/hooks/{id}` is one `select … where id` (the
 * bearer token is checked without the database, the rate limit is in memory), and the list is
 * a `count(*)` and one page of rows.
 */
async function roundTripsOfReads(
  app: TestApp,
  backend: string,
): Promise<{ get: number; list: number }> {
  const created = await app.api('POST', '/api/v2/hooks', HOOK)
  assert.equal(created.statusCode, 201, created.body)
  const id = created.json<{ id: string }>().id
  // The create's audit event is written by the group commit: out of the way before counting.
  await app.tenantLog.flush()
  const before = await scrape(app)
  const got = await app.api('GET', `/api/v2/hooks/${id}`)
  assert.equal(got.statusCode, 200, got.body)
  const between = await scrape(app)
  const listed = await app.api('GET', '/api/v2/hooks?per_page=10&page=0&include_totals=true')
  assert.equal(listed.statusCode, 200, listed.body)
  const afterwards = await scrape(app)
  return {
    get:
      sampleValue(between, ROUND_TRIPS, { backend }) -
      sampleValue(before, ROUND_TRIPS, { backend }),
    list:
      sampleValue(afterwards, ROUND_TRIPS, { backend }) -
      sampleValue(between, ROUND_TRIPS, { backend }),
  }
}

async function postgresApp(t: TestContext): Promise<TestApp> {
  const database = await createTestDatabase()
  t.after(() => database.drop())
  return buildTestApp(t, {
    env: { OPENHOOKS_METRICS: 'on' },
    metrics: new Metrics({ processMetrics: false }),
    openStore: () => openPostgresStore({ connectionString: database.url, poolSize: POOL_SIZE }),
  })
}

describe('database metrics', () => {
  it(
    'counts the statements of a request exactly on PostgreSQL, with the pool gauges',
    { skip: unavailable },
    async (t) => {
      const app = await postgresApp(t)
      assert.deepEqual(await roundTripsOfReads(app, 'postgresql'), { get: 1, list: 2 })

      const exposition = await scrape(app)
      assert.equal(exposition.types.get(ROUND_TRIPS), 'counter')
      for (const name of [
        'openhooks_database_pool_connections',
        'openhooks_database_pool_max_connections',
        'openhooks_database_pool_waiting_requests',
      ]) {
        assert.equal(exposition.types.get(name), 'gauge', name)
      }
      const backend = 'postgresql'
      assert.equal(
        sampleValue(exposition, 'openhooks_database_pool_max_connections', { backend }),
        POOL_SIZE,
      )
      // Nothing runs between two requests of this test: no request waits for a connection.
      assert.equal(
        sampleValue(exposition, 'openhooks_database_pool_waiting_requests', { backend }),
        0,
      )
      const idle = sampleValue(exposition, 'openhooks_database_pool_connections', {
        backend,
        state: 'idle',
      })
      const inUse = sampleValue(exposition, 'openhooks_database_pool_connections', {
        backend,
        state: 'in_use',
      })
      assert.equal(inUse, 0)
      assert.ok(idle >= 1 && idle <= POOL_SIZE, `idle connections: ${String(idle)}`)
    },
  )

  it('counts the same statements on SQLite, which has no pool series', async (t) => {
    const app = await buildTestApp(t, {
      env: { OPENHOOKS_METRICS: 'on' },
      metrics: new Metrics({ processMetrics: false }),
    })
    assert.deepEqual(await roundTripsOfReads(app, 'sqlite'), { get: 1, list: 2 })
    const exposition = await scrape(app)
    const pool = exposition.samples.filter((s) => s.name.startsWith('openhooks_database_pool_'))
    assert.deepEqual(pool, [])
    assert.deepEqual(
      exposition.samples.filter((s) => s.name === ROUND_TRIPS).map((s) => s.labels),
      [{ backend: 'sqlite' }],
    )
  })

  it("counts the change bus's LISTEN and NOTIFY", { skip: unavailable }, async (t) => {
    const database = await createTestDatabase()
    t.after(() => database.drop())
    let sent = 0
    const started = performance.now()
    const bus = new PostgresChangeBus({
      connectionString: database.url,
      channel: 'metrics_test',
      onRoundTrip: () => sent++,
    })
    const listener = new PostgresChangeBus({
      connectionString: database.url,
      channel: 'metrics_test',
    })
    t.after(() => Promise.all([bus.close(), listener.close()]))
    await bus.start()
    await listener.start()
    const heard = new Promise<void>((resolve) => listener.subscribe('thing', () => resolve()))
    bus.publish({ kind: 'thing', id: '1' })
    await heard
    // LISTEN and one NOTIFY, plus a probe per CHANGE_BUS_PROBE_INTERVAL_MS should this take that long.
    const probes = Math.floor((performance.now() - started) / CHANGE_BUS_PROBE_INTERVAL_MS)
    assert.ok(sent >= 2 && sent <= 2 + probes, `statements counted: ${String(sent)}`)
  })
})
