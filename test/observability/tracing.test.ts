// OpenTelemetry traces end to end (issue 21): `openhooks serve` with OTEL_EXPORTER_OTLP_ENDPOINT
// pointing at a local OTLP/HTTP receiver (JSON). One token exchange with an enabled hook and an
// incoming `traceparent` gives one trace: the HTTP span (child of the caller's), and below it the
// client authentication, the hook call (with its attributes) and the signing; the hook's outbound
// request carries the `traceparent` of the hook's span, unless the hook set its own.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { tracingRequested } from '../../src/observability/tracing.js'
import { managementToken, spawnServer } from '../helpers/spawn-server.js'

/** How long the spans may take to arrive: a deadline for a broken exporter, not a speed bound. */
const SPANS_DEADLINE_MS = 60_000
const POLL_MS = 50

const CALLER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const CALLER_SPAN_ID = '00f067aa0ba902b7'
const CALLER_TRACEPARENT = `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01`
/** A traceparent the hook sets itself on its second request. */
const HOOK_OWN_TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'

interface OtlpValue {
  stringValue?: string
  intValue?: number | string
  doubleValue?: number
  boolValue?: boolean
}
interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  attributes?: { key: string; value: OtlpValue }[]
}
interface OtlpExport {
  resourceSpans: {
    resource?: { attributes?: { key: string; value: OtlpValue }[] }
    scopeSpans: { spans?: OtlpSpan[] }[]
  }[]
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))
  })
}

function attribute(span: OtlpSpan, key: string): string | number | boolean | undefined {
  const value = span.attributes?.find((a) => a.key === key)?.value
  if (value === undefined) return undefined
  if (value.intValue !== undefined) return Number(value.intValue)
  return value.stringValue ?? value.doubleValue ?? value.boolValue
}

test('a token exchange exports one trace over OTLP, and the hook passes it on', async (t) => {
  // The collector: OTLP/HTTP with JSON bodies.
  const exports: OtlpExport[] = []
  const contentTypes: string[] = []
  const collector = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        contentTypes.push(req.headers['content-type'] ?? '')
        exports.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport)
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      } else res.writeHead(404).end()
    })
  })
  // The external API the hook calls.
  const received: { path: string; headers: IncomingHttpHeaders }[] = []
  const api = createServer((req, res) => {
    received.push({ path: req.url ?? '', headers: req.headers })
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
  })
  const collectorPort = await listen(collector)
  const apiPort = await listen(api)
  t.after(() => {
    collector.close()
    api.close()
  })

  const dataDir = mkdtempSync(join(tmpdir(), 'openhooks-tracing-'))
  t.after(() => rmSync(dataDir, { recursive: true, force: true }))
  const admin = { id: 'tracing-admin', secret: 'tracing-admin-secret-0123456789' }
  const server = await spawnServer({
    OPENHOOKS_DATA_DIR: dataDir,
    OPENHOOKS_MASTER_KEY: randomBytes(32).toString('base64'),
    OPENHOOKS_ADMIN_CLIENT_ID: admin.id,
    OPENHOOKS_ADMIN_CLIENT_SECRET: admin.secret,
    OPENHOOKS_SANDBOX_WORKERS: '1',
    OPENHOOKS_SANDBOX_TOKEN_WORKERS: '1',
    OPENHOOKS_EGRESS_ALLOW: `127.0.0.1:${apiPort}`,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`,
    OTEL_SERVICE_NAME: 'openhooks-under-test',
    // Export soon after each span rather than every 5 s.
    OTEL_BSP_SCHEDULE_DELAY: '100',
  })
  t.after(() => server.child.kill('SIGKILL'))
  assert.match(server.stdout(), /"event":"tracing.started"/)
  const issuer = /"event":"server.started","url":"[^"]+","issuer":"([^"]+)"/.exec(
    server.stdout(),
  )?.[1]
  assert.ok(issuer !== undefined, server.stdout())
  const audience = `${issuer}api/v2/`
  const token = await managementToken(server, { ...admin, issuer })

  const script = `module.exports = function (client, scope, audience, context, cb) {
  fetch('http://127.0.0.1:${apiPort}/crm')
    .then(() => fetch('http://127.0.0.1:${apiPort}/own', { headers: { traceparent: '${HOOK_OWN_TRACEPARENT}' } }))
    .then(() => cb(null, { scope }), cb)
}`
  const created = await fetch(`${server.url}/api/v2/hooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      name: 'traced',
      script,
      triggerId: 'credentials-exchange',
      enabled: true,
    }),
  })
  assert.equal(created.status, 201, await created.clone().text())
  const hookId = ((await created.json()) as { id: string }).id

  const exchanged = await fetch(`${server.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: CALLER_TRACEPARENT },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: admin.id,
      client_secret: admin.secret,
      audience,
    }),
  })
  assert.equal(exchanged.status, 200, await exchanged.text())

  // The spans of the exchange: the caller's trace.
  const traceSpans = () =>
    exports
      .flatMap((e) => e.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans ?? [])))
      .filter((span) => span.traceId === CALLER_TRACE_ID)
  const wanted = ['POST /oauth/token', 'client.authenticate', 'hook.call', 'token.sign']
  const deadline = Date.now() + SPANS_DEADLINE_MS
  while (!wanted.every((name) => traceSpans().some((s) => s.name === name))) {
    assert.ok(
      Date.now() < deadline,
      `spans missing after ${SPANS_DEADLINE_MS} ms: ${JSON.stringify(traceSpans().map((s) => s.name))}\n${server.stderr()}`,
    )
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
  assert.ok(
    contentTypes.every((type) => type.startsWith('application/json')),
    contentTypes.join(),
  )
  const resource = exports[0]?.resourceSpans[0]?.resource?.attributes ?? []
  assert.deepEqual(resource.find((a) => a.key === 'service.name')?.value, {
    stringValue: 'openhooks-under-test',
  })

  const spans = traceSpans()
  assert.deepEqual(spans.map((s) => s.name).sort(), [...wanted].sort())
  const byName = (name: string): OtlpSpan => {
    const span = spans.find((s) => s.name === name)
    assert.ok(span !== undefined, name)
    return span
  }
  const http = byName('POST /oauth/token')
  assert.equal(http.parentSpanId, CALLER_SPAN_ID)
  assert.equal(http.kind, 2) // SPAN_KIND_SERVER
  assert.equal(attribute(http, 'http.request.method'), 'POST')
  assert.equal(attribute(http, 'http.route'), '/oauth/token')
  assert.equal(attribute(http, 'http.response.status_code'), 200)
  for (const name of ['client.authenticate', 'hook.call', 'token.sign']) {
    assert.equal(byName(name).parentSpanId, http.spanId, `${name} is a child of the HTTP span`)
  }
  assert.equal(attribute(byName('client.authenticate'), 'oauth.client_id'), admin.id)
  const hook = byName('hook.call')
  assert.equal(attribute(hook, 'openhooks.hook.trigger'), 'credentials-exchange')
  assert.equal(attribute(hook, 'openhooks.hook.id'), hookId)
  assert.match(String(attribute(hook, 'openhooks.hook.version_key')), /.+/)
  assert.equal(attribute(hook, 'openhooks.hook.outcome'), 'success')
  assert.equal(typeof attribute(hook, 'openhooks.hook.duration_ms'), 'number')

  // The hook's outbound requests: the hook's span, unless it set its own.
  assert.deepEqual(
    received.map((r) => [r.path, r.headers.traceparent]),
    [
      ['/crm', `00-${CALLER_TRACE_ID}-${hook.spanId}-01`],
      ['/own', HOOK_OWN_TRACEPARENT],
    ],
  )
  server.child.kill('SIGTERM')
  assert.equal(await server.exited, 0)
})

test('the OTEL_* variables that turn traces on, and those that keep them off', () => {
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }
  assert.equal(tracingRequested({}), false)
  assert.equal(tracingRequested(endpoint), true)
  assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c/v1/traces' }), true)
  assert.equal(tracingRequested({ OTEL_TRACES_EXPORTER: 'otlp' }), true)
  assert.equal(tracingRequested({ OTEL_TRACES_EXPORTER: 'console, OTLP' }), true)
  assert.equal(tracingRequested({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }), false)
  assert.equal(tracingRequested({ ...endpoint, OTEL_TRACES_EXPORTER: 'zipkin' }), false)
  assert.equal(tracingRequested({ ...endpoint, OTEL_SDK_DISABLED: 'true' }), false)
  assert.equal(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }), false)
})
