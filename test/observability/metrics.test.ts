/**
 * Prometheus metrics (issue 21): after known traffic (a successful hook call, a hook timeout, an
 * egress refusal, a worker killed) every counter and histogram count moved by exactly what
 * happened, read with a text-format parser; `/metrics` needs `read:metrics` on the main port, is
 * absent when metrics are off, and has its own loopback listener.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Metrics } from '../../src/observability/metrics.js'
import { startMetricsListener } from '../../src/observability/metrics-listener.js'
import type { HookRunner } from '../../src/sandbox/runner.js'
import { buildTestApp, startAppRunner, type TestApp } from '../helpers/build-test-app.js'
import { exchange, setUpExchange } from '../helpers/exchange.js'
import { parsePrometheusText, sampleValue, type Exposition } from '../helpers/prometheus-text.js'

/** The timeout of the runner whose hook times out, in milliseconds. */
const SHORT_TIMEOUT_MS = 400
/** Longest wait for a killed worker to be replaced, in milliseconds. */
const RESTART_DEADLINE_MS = 60_000

const SUCCEEDS =
  'module.exports = function (client, scope, audience, context, cb) { cb(null, { scope }) }'
const NEVER_CALLS_BACK = 'module.exports = function (client, scope, audience, context, cb) {}'
// 192.0.2.0/24 is TEST-NET-1: the test's allow list (empty) refuses it before any connection.
const FETCHES_REFUSED = `module.exports = function (client, scope, audience, context, cb) {
  fetch('http://192.0.2.10/crm').then(() => cb(null, { scope }), () => cb(null, { scope }))
}`

const ON = { OPENHOOKS_METRICS: 'on' }

async function scrape(app: TestApp): Promise<Exposition> {
  const res = await app.server.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: `Bearer ${await app.token(['read:metrics'])}` },
  })
  assert.equal(res.statusCode, 200, res.body)
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/)
  return parsePrometheusText(res.body)
}

/** How much each listed sample moved between two scrapes. */
function deltas(
  before: Exposition,
  afterwards: Exposition,
  series: readonly (readonly [string, Record<string, string>])[],
): Record<string, number> {
  return Object.fromEntries(
    series.map(([name, labels]) => [
      `${name}${JSON.stringify(labels)}`,
      sampleValue(afterwards, name, labels) - sampleValue(before, name, labels),
    ]),
  )
}

describe('Prometheus metrics', () => {
  let runner: HookRunner
  let shortRunner: HookRunner
  const closers: (() => Promise<void>)[] = []
  before(async () => {
    shortRunner = await startAppRunner(
      { after: (fn) => closers.push(fn) },
      { timeoutMs: SHORT_TIMEOUT_MS, entryTimeoutMs: SHORT_TIMEOUT_MS },
    )
    runner = await startAppRunner({ after: (fn) => closers.push(fn) })
  })
  after(async () => {
    await Promise.all(closers.map((close) => close()))
  })

  it('counts hook calls, their durations, exchanges, egress and worker restarts exactly', async (t) => {
    const metrics = new Metrics()
    // Two apps count into one registry: one whose runner times hooks out quickly, then the one
    // whose sandbox is sampled (the last app built watches its runner).
    const slow = await buildTestApp(t, { runner: shortRunner, env: ON, metrics })
    const app = await buildTestApp(t, { runner, env: ON, metrics })
    const slowSetUp = await setUpExchange(slow, NEVER_CALLS_BACK)
    const { client, hookId } = await setUpExchange(app, SUCCEEDS)

    const start = await scrape(app)
    const types = start.types
    assert.equal(types.get('openhooks_hook_calls_total'), 'counter')
    assert.equal(types.get('openhooks_hook_call_duration_seconds'), 'histogram')
    assert.equal(types.get('openhooks_sandbox_workers'), 'gauge')
    assert.equal(types.get('openhooks_process_cpu_seconds_total'), 'counter') // process defaults

    assert.equal((await exchange(app, client)).statusCode, 200)
    const patched = await app.api('PATCH', `/api/v2/hooks/${hookId}`, { script: FETCHES_REFUSED })
    assert.equal(patched.statusCode, 200, patched.body)
    assert.equal((await exchange(app, client)).statusCode, 200)
    const timedOut = await exchange(slow, slowSetUp.client)
    assert.equal(timedOut.statusCode, 500, timedOut.body)
    // Token exchanges are counted from their tenant log events, which a group commit writes a
    // little later (tenant-log.ts): written before the scrape.
    await Promise.all([app.tenantLog.flush(), slow.tenantLog.flush()])

    const end = await scrape(app)
    const trigger = 'credentials-exchange'
    assert.deepEqual(
      deltas(start, end, [
        ['openhooks_hook_calls_total', { trigger, outcome: 'success' }],
        ['openhooks_hook_calls_total', { trigger, outcome: 'timeout' }],
        ['openhooks_hook_calls_total', { trigger, outcome: 'hook_error' }],
        ['openhooks_hook_call_duration_seconds_count', { trigger, outcome: 'success' }],
        ['openhooks_hook_call_duration_seconds_count', { trigger, outcome: 'timeout' }],
        ['openhooks_token_exchanges_total', { grant: 'client_credentials', outcome: 'success' }],
        ['openhooks_token_exchanges_total', { grant: 'client_credentials', outcome: 'failure' }],
        ['openhooks_hook_egress_requests_total', { outcome: 'refused' }],
        ['openhooks_hook_egress_requests_total', { outcome: 'sent' }],
        ['openhooks_sandbox_isolates_created_total', {}],
        ['openhooks_sandbox_worker_restarts_total', {}],
        ['openhooks_http_requests_total', { method: 'POST', route: '/oauth/token', status: '200' }],
        ['openhooks_http_requests_total', { method: 'POST', route: '/oauth/token', status: '500' }],
        [
          'openhooks_http_request_duration_seconds_count',
          { method: 'POST', route: '/oauth/token' },
        ],
      ]),
      {
        [`openhooks_hook_calls_total${JSON.stringify({ trigger, outcome: 'success' })}`]: 2,
        [`openhooks_hook_calls_total${JSON.stringify({ trigger, outcome: 'timeout' })}`]: 1,
        [`openhooks_hook_calls_total${JSON.stringify({ trigger, outcome: 'hook_error' })}`]: 0,
        [`openhooks_hook_call_duration_seconds_count${JSON.stringify({ trigger, outcome: 'success' })}`]: 2,
        [`openhooks_hook_call_duration_seconds_count${JSON.stringify({ trigger, outcome: 'timeout' })}`]: 1,
        [`openhooks_token_exchanges_total${JSON.stringify({ grant: 'client_credentials', outcome: 'success' })}`]: 2,
        [`openhooks_token_exchanges_total${JSON.stringify({ grant: 'client_credentials', outcome: 'failure' })}`]: 1,
        [`openhooks_hook_egress_requests_total${JSON.stringify({ outcome: 'refused' })}`]: 1,
        [`openhooks_hook_egress_requests_total${JSON.stringify({ outcome: 'sent' })}`]: 0,
        // The first script's isolate, and the saved script's (a save retires the old one).
        [`openhooks_sandbox_isolates_created_total${JSON.stringify({})}`]: 2,
        [`openhooks_sandbox_worker_restarts_total${JSON.stringify({})}`]: 0,
        [`openhooks_http_requests_total${JSON.stringify({ method: 'POST', route: '/oauth/token', status: '200' })}`]: 2,
        [`openhooks_http_requests_total${JSON.stringify({ method: 'POST', route: '/oauth/token', status: '500' })}`]: 1,
        [`openhooks_http_request_duration_seconds_count${JSON.stringify({ method: 'POST', route: '/oauth/token' })}`]: 3,
      },
    )
    // The timeout's duration is at least the limit: its observation went to the buckets above it.
    const le = (bound: string) =>
      sampleValue(end, 'openhooks_hook_call_duration_seconds_bucket', {
        trigger,
        outcome: 'timeout',
        le: bound,
      }) -
      sampleValue(start, 'openhooks_hook_call_duration_seconds_bucket', {
        trigger,
        outcome: 'timeout',
        le: bound,
      })
    assert.equal(le('0.25'), 0)
    assert.equal(le('+Inf'), 1)
    assert.equal(sampleValue(end, 'openhooks_sandbox_workers'), 1)
    assert.equal(sampleValue(end, 'openhooks_sandbox_warm_isolates'), 1)
    assert.ok(sampleValue(end, 'openhooks_sandbox_worker_heap_bytes', { worker: '0' }) > 0)

    // A worker killed: replaced, and counted once.
    const [worker] = (await runner.stats()).workers
    assert.ok(worker !== undefined)
    process.kill(worker.pid, 'SIGKILL')
    const deadline = Date.now() + RESTART_DEADLINE_MS
    while ((await runner.stats()).workerRestarts < 1 || (await runner.stats()).workers.length < 1) {
      assert.ok(Date.now() < deadline, 'the killed worker was not replaced in time')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const killed = await scrape(app)
    assert.equal(
      sampleValue(killed, 'openhooks_sandbox_worker_restarts_total') -
        sampleValue(end, 'openhooks_sandbox_worker_restarts_total'),
      1,
    )
    assert.equal(sampleValue(killed, 'openhooks_sandbox_workers'), 1)
    assert.equal(sampleValue(killed, 'openhooks_sandbox_warm_isolates'), 0)
  })

  it('serves /metrics on the main port only to a token with read:metrics', async (t) => {
    const app = await buildTestApp(t, { env: ON })
    const get = (headers: Record<string, string>) =>
      app.server.inject({ method: 'GET', url: '/metrics', headers })
    const none = await get({})
    assert.equal(none.statusCode, 401)
    assert.deepEqual(none.json(), {
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Missing authentication',
    })
    const wrongScope = await get({ authorization: `Bearer ${await app.token(['read:logs'])}` })
    assert.equal(wrongScope.statusCode, 403)
    assert.deepEqual(wrongScope.json(), {
      statusCode: 403,
      error: 'Forbidden',
      message: 'Insufficient scope, expected any of: read:metrics',
      errorCode: 'insufficient_scope',
    })
    const ok = await get({ authorization: `Bearer ${await app.token(['read:metrics'])}` })
    assert.equal(ok.statusCode, 200)
    // The scrape itself was counted, by its route template.
    const again = parsePrometheusText(
      (await get({ authorization: `Bearer ${await app.token(['read:metrics'])}` })).body,
    )
    assert.equal(
      sampleValue(again, 'openhooks_http_requests_total', {
        method: 'GET',
        route: '/metrics',
        status: '200',
      }),
      1,
    )
  })

  it('counts Management API requests the rate limit refuses', async (t) => {
    const app = await buildTestApp(t, {
      env: { ...ON, OPENHOOKS_RATE_LIMIT_BURST: '2', OPENHOOKS_RATE_LIMIT_PER_SECOND: '1' },
    })
    const metrics = app.metrics
    assert.ok(metrics !== undefined)
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await app.api('GET', '/api/v2/hooks')).statusCode)
    const refused = statuses.filter((status) => status === 429).length
    assert.ok(refused >= 1, `no request was refused: ${statuses.join(', ')}`)
    const exposition = parsePrometheusText(await metrics.text())
    assert.equal(sampleValue(exposition, 'openhooks_management_rate_limited_total'), refused)
  })

  it('has no /metrics when metrics are off, and none on the main port with a metrics port', async (t) => {
    const off = await buildTestApp(t)
    const token = await off.token(['read:metrics'])
    const res = await off.server.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(res.statusCode, 404)
    assert.equal(off.metrics, undefined)
    const ownPort = await buildTestApp(t, { env: { ...ON, OPENHOOKS_METRICS_PORT: '0' } })
    const onMain = await ownPort.server.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(onMain.statusCode, 404)
  })

  it('serves /metrics without a token on its own loopback listener', async (t) => {
    const metrics = new Metrics()
    const listener = await startMetricsListener(metrics, { port: 0, host: '127.0.0.1' })
    t.after(() => listener.close())
    assert.match(listener.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
    const res = await fetch(listener.url)
    assert.equal(res.status, 200)
    const exposition = parsePrometheusText(await res.text())
    assert.equal(exposition.types.get('openhooks_management_rate_limited_total'), 'counter')
    assert.equal((await fetch(listener.url.replace('/metrics', '/api/v2/hooks'))).status, 404)
  })
})
