// OpenTelemetry traces end to end (issue 21): `openhooks serve` with OTEL_EXPORTER_OTLP_ENDPOINT
// pointing at a local OTLP/HTTP receiver (JSON). One token exchange with an enabled hook and an
// incoming `traceparent` gives one trace: the HTTP span (child of the caller's), which is the flow's
// and names the grant and the authenticated client, and below it the hook call (with its
// attributes), the signing and the database calls;
// the hook's outbound request carries the `traceparent` of the hook's span, unless the hook set its
// own. A signup, a password change (ticket) and an MFA text message each give one trace too: the
// HTTP span, the flow's span, the hook call and the database calls. No attribute holds a secret.
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
/** A caller's trace it did not sample (flags 00), and one of a refused client. */
const UNSAMPLED_TRACE_ID = '5ac0ffee5ac0ffee5ac0ffee5ac0ffee'
const UNSAMPLED_TRACEPARENT = `00-${UNSAMPLED_TRACE_ID}-${CALLER_SPAN_ID}-00`
const REFUSED_TRACE_ID = '44444444444444444444444444444444'
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

/** Every span of the exports received so far. */
function allSpans(exports: readonly OtlpExport[]): OtlpSpan[] {
  return exports.flatMap((e) =>
    e.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans ?? [])),
  )
}

/** A W3C traceparent of a caller, for a trace id of our own choosing. */
function callerTraceparent(traceId: string): string {
  return `00-${traceId}-${CALLER_SPAN_ID}-01`
}

/** Waits until the spans of `traceId` include every name of `wanted`; answers them. */
async function waitForTrace(
  exports: readonly OtlpExport[],
  traceId: string,
  wanted: readonly string[],
  stderr: () => string,
): Promise<OtlpSpan[]> {
  const deadline = Date.now() + SPANS_DEADLINE_MS
  const spans = () => allSpans(exports).filter((span) => span.traceId === traceId)
  while (!wanted.every((name) => spans().some((s) => s.name === name))) {
    assert.ok(
      Date.now() < deadline,
      `spans missing after ${SPANS_DEADLINE_MS} ms: ${JSON.stringify(spans().map((s) => s.name))}\n${stderr()}`,
    )
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
  return spans()
}

/** The database spans: client spans with `db.system`. */
function dbSpans(spans: readonly OtlpSpan[]): OtlpSpan[] {
  return spans.filter((span) => attribute(span, 'db.system') !== undefined)
}

/**
 * Checks the database spans of one trace: at least one; each a client span of SQLite with its
 * operation, named after its summary, and the child of a span of the same trace that is not a
 * database span (the request, a flow, a step). None is the tenant log's batch INSERT, which is
 * written off the request path.
 */
function assertDbSpans(spans: readonly OtlpSpan[]): OtlpSpan[] {
  const db = dbSpans(spans)
  assert.ok(db.length > 0, `no database span in ${JSON.stringify(spans.map((s) => s.name))}`)
  const parents = new Set(spans.filter((s) => !db.includes(s)).map((s) => s.spanId))
  for (const span of db) {
    assert.equal(span.kind, 3, `${span.name} is a client span`) // SPAN_KIND_CLIENT
    assert.equal(attribute(span, 'db.system'), 'sqlite')
    const operation = attribute(span, 'db.operation')
    assert.match(String(operation), /^[A-Z]+$/)
    assert.equal(attribute(span, 'db.query.summary'), span.name)
    assert.ok(span.name.startsWith(String(operation)), span.name)
    assert.ok(parents.has(span.parentSpanId ?? ''), `${span.name} has a parent in the trace`)
    assert.notEqual(attribute(span, 'db.sql.table'), 'tenant_logs', 'group commit is not traced')
  }
  return db
}

/** Every attribute value (and name) of every span received: none may hold one of `secrets`. */
function assertNoSecrets(exports: readonly OtlpExport[], secrets: readonly string[]): void {
  const spans = allSpans(exports)
  assert.ok(spans.length > 0)
  for (const span of spans) {
    const values = [span.name, ...(span.attributes ?? []).map((a) => JSON.stringify(a.value))]
    for (const value of values) {
      for (const secret of secrets) {
        assert.ok(!value.includes(secret), `span ${span.name} holds a secret: ${value}`)
      }
    }
  }
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

  const { server, issuer, admin } = await startTracedServer(t, {
    egressPort: apiPort,
    collectorPort,
    extraEnv: { OTEL_SERVICE_NAME: 'openhooks-under-test' },
  })
  assert.match(server.stdout(), /"event":"tracing.started"/)
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
  const exchangedBody = await exchanged.text()
  assert.equal(exchanged.status, 200, exchangedBody)
  const accessToken = (JSON.parse(exchangedBody) as { access_token: string }).access_token

  // The spans of the exchange: the caller's trace.
  const traceSpans = () =>
    exports
      .flatMap((e) => e.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans ?? [])))
      .filter((span) => span.traceId === CALLER_TRACE_ID)
  // The request is the flow: client authentication and the grant are its attributes.
  const wanted = ['POST /oauth/token', 'hook.call', 'token.sign']
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
  const db = assertDbSpans(spans)
  assert.deepEqual(
    spans
      .filter((s) => !db.includes(s))
      .map((s) => s.name)
      .sort(),
    [...wanted].sort(),
  )
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
  assert.equal(attribute(http, 'oauth.grant_type'), 'client_credentials')
  assert.equal(attribute(http, 'oauth.client_id'), admin.id)
  assert.equal(attribute(http, 'oauth.error'), undefined)
  for (const name of ['hook.call', 'token.sign']) {
    assert.equal(byName(name).parentSpanId, http.spanId, `${name} is a child of the HTTP span`)
  }
  // The client authentication's database call (the attack-protection counters).
  assert.ok(
    db.some(
      (s) => s.parentSpanId === http.spanId && s.name.endsWith(' attack_protection_counters'),
    ),
    JSON.stringify(db.map((s) => s.name)),
  )
  const hook = byName('hook.call')
  assert.equal(attribute(hook, 'openhooks.hook.trigger'), 'credentials-exchange')
  assert.equal(attribute(hook, 'openhooks.hook.id'), hookId)
  assert.match(String(attribute(hook, 'openhooks.hook.version_key')), /.+/)
  assert.equal(attribute(hook, 'openhooks.hook.outcome'), 'success')
  assert.equal(typeof attribute(hook, 'openhooks.hook.duration_ms'), 'number')
  // The worker slot: the token hook's own worker comes after the one shared worker.
  assert.equal(attribute(hook, 'openhooks.hook.worker'), 1)

  // The hook's outbound requests: the hook's span, unless it set its own.
  assert.deepEqual(
    received.map((r) => [r.path, r.headers.traceparent]),
    [
      ['/crm', `00-${CALLER_TRACE_ID}-${hook.spanId}-01`],
      ['/own', HOOK_OWN_TRACEPARENT],
    ],
  )
  // A caller that did not sample its trace (flags 00): nothing of the request is recorded, and the
  // hook's outbound request carries the caller's trace id, unsampled, so the API keeps the decision.
  const unsampled = await fetch(`${server.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: UNSAMPLED_TRACEPARENT },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: admin.id,
      client_secret: admin.secret,
      audience,
    }),
  })
  assert.equal(unsampled.status, 200, await unsampled.text())
  assert.match(
    String(received.at(-2)?.headers.traceparent),
    new RegExp(`^00-${UNSAMPLED_TRACE_ID}-[0-9a-f]{16}-00$`),
  )
  // A refused client: the request's span names the OAuth error (never its description).
  const refused = await fetch(`${server.url}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      traceparent: callerTraceparent(REFUSED_TRACE_ID),
    },
    body: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: admin.id,
      client_secret: `${admin.secret}-wrong`,
      audience,
    }),
  })
  const refusedBody = (await refused.json()) as { error: string }
  assert.equal(refused.status, 401)
  const refusedSpan = (
    await waitForTrace(exports, REFUSED_TRACE_ID, ['POST /oauth/token'], () => server.stderr())
  ).find((span) => span.name === 'POST /oauth/token')
  assert.ok(refusedSpan !== undefined)
  assert.equal(attribute(refusedSpan, 'http.response.status_code'), 401)
  assert.equal(attribute(refusedSpan, 'oauth.error'), refusedBody.error)
  assert.equal(attribute(refusedSpan, 'oauth.client_id'), admin.id)
  // Spans are exported in the order they end: the unsampled request, earlier, left none.
  assert.deepEqual(
    allSpans(exports).filter((span) => span.traceId === UNSAMPLED_TRACE_ID),
    [],
  )
  // No span holds the client secret, the management token or the access token.
  assertNoSecrets(exports, [admin.secret, token, accessToken])
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

const CONNECTION = 'Username-Password-Authentication'
const EMAIL = 'ada@example.com'
const PASSWORD = 'Tr4ced-First-Pa55word!'
const NEW_PASSWORD = 'Tr4ced-Second-Pa55word!'
const PHONE = '+15555550123'
const SMS_API_KEY = 'sms-provider-key-5f1c0e9a7b'
const API_AUDIENCE = 'https://api.traced.test/'
const PASSWORD_REALM = 'http://auth0.com/oauth/grant-type/password-realm'
const MFA_OOB = 'http://auth0.com/oauth/grant-type/mfa-oob'
const SIGNUP_TRACE_ID = '11111111111111111111111111111111'
const CHANGE_TRACE_ID = '22222222222222222222222222222222'
const MFA_TRACE_ID = '33333333333333333333333333333333'

test('a signup, a password change and an MFA text message each export one trace', async (t) => {
  const exports: OtlpExport[] = []
  const collector = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        exports.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport)
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      } else res.writeHead(404).end()
    })
  })
  // The SMS provider the send-phone-message hook calls: it receives the code.
  const texts: { to: string; code: string }[] = []
  const provider = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      texts.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { to: string; code: string })
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"msg-1"}')
    })
  })
  const collectorPort = await listen(collector)
  const providerPort = await listen(provider)
  t.after(() => {
    collector.close()
    provider.close()
  })

  const { server, issuer, admin } = await startTracedServer(t, {
    egressPort: providerPort,
    collectorPort,
  })
  const token = await managementToken(server, { ...admin, issuer })
  const call = async (
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string> = { authorization: `Bearer ${token}` },
  ): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as never) }
  }

  // The tenant: an application, an API, one enabled hook per trigger, MFA by text message.
  const client = await call('POST', '/api/v2/clients', {
    name: 'Traced App',
    app_type: 'regular_web',
    grant_types: ['password', PASSWORD_REALM, MFA_OOB],
  })
  assert.equal(client.status, 201, JSON.stringify(client.json))
  const clientId = String(client.json.client_id)
  const clientSecret = String(client.json.client_secret)
  const api = await call('POST', '/api/v2/resource-servers', {
    identifier: API_AUDIENCE,
    name: 'Traced API',
  })
  assert.equal(api.status, 201, JSON.stringify(api.json))
  const scripts: Record<string, string> = {
    'pre-user-registration': `module.exports = function (user, context, cb) { cb(null, { user: {} }) }`,
    'post-change-password': `module.exports = function (user, context, cb) { cb() }`,
    'send-phone-message': `module.exports = function (recipient, text, context, cb) {
  fetch('http://127.0.0.1:${providerPort}/sms', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': context.webtask.secrets.SMS_API_KEY },
    body: JSON.stringify({ to: recipient, code: context.code })
  }).then(function () { cb(null, {}) }, cb)
}`,
  }
  const hookIds: Record<string, string> = {}
  for (const [triggerId, script] of Object.entries(scripts)) {
    const hook = await call('POST', '/api/v2/hooks', {
      name: `traced-${triggerId}`,
      script,
      triggerId,
      enabled: true,
    })
    assert.equal(hook.status, 201, JSON.stringify(hook.json))
    hookIds[triggerId] = String(hook.json.id)
  }
  const secret = await call('POST', `/api/v2/hooks/${hookIds['send-phone-message']}/secrets`, {
    SMS_API_KEY,
  })
  assert.equal(secret.status, 201, JSON.stringify(secret.json))
  for (const [path, body] of [
    ['/api/v2/guardian/factors/sms', { enabled: true }],
    ['/api/v2/guardian/factors/sms/selected-provider', { provider: 'phone-message-hook' }],
    ['/api/v2/guardian/policies', ['all-applications']],
  ] as const) {
    const res = await call('PUT', path, body)
    assert.equal(res.status, 200, JSON.stringify(res.json))
  }

  /** The spans of one trace, the one span of each name, and the hook call's checks. */
  const checkFlowTrace = async (
    traceId: string,
    names: { http: string; flow: string; hookParent: string; trigger: string },
  ): Promise<{ spans: OtlpSpan[]; byName: (name: string) => OtlpSpan }> => {
    const spans = await waitForTrace(
      exports,
      traceId,
      [names.http, names.flow, names.hookParent, 'hook.call'],
      () => server.stderr(),
    )
    const byName = (name: string): OtlpSpan => {
      const found = spans.filter((s) => s.name === name)
      assert.equal(
        found.length,
        1,
        `one ${name} span in ${JSON.stringify(spans.map((s) => s.name))}`,
      )
      return found[0] as OtlpSpan
    }
    const http = byName(names.http)
    assert.equal(http.parentSpanId, CALLER_SPAN_ID)
    assert.equal(http.kind, 2) // SPAN_KIND_SERVER
    assert.equal(byName(names.flow).parentSpanId, http.spanId, `${names.flow} in the request`)
    const hook = byName('hook.call')
    assert.equal(hook.parentSpanId, byName(names.hookParent).spanId, 'hook.call in its flow')
    assert.equal(attribute(hook, 'openhooks.hook.trigger'), names.trigger)
    assert.equal(attribute(hook, 'openhooks.hook.id'), hookIds[names.trigger])
    assert.match(String(attribute(hook, 'openhooks.hook.version_key')), /.+/)
    assert.equal(attribute(hook, 'openhooks.hook.outcome'), 'success')
    assert.equal(typeof attribute(hook, 'openhooks.hook.duration_ms'), 'number')
    // The one shared worker (the token hook has the other).
    assert.equal(attribute(hook, 'openhooks.hook.worker'), 0)
    const db = assertDbSpans(spans)
    assert.ok(
      db.some((s) => s.parentSpanId === byName(names.flow).spanId),
      `a database call of ${names.flow}: ${JSON.stringify(db.map((s) => s.name))}`,
    )
    // The flow's span is in this trace only: one request, one trace.
    assert.deepEqual(
      allSpans(exports)
        .filter((s) => s.name === names.flow)
        .map((s) => s.traceId),
      [traceId],
    )
    return { spans, byName }
  }

  // Signup: POST /dbconnections/signup → flow.signup → pre-user-registration, INSERT users.
  const signup = await call(
    'POST',
    '/dbconnections/signup',
    { client_id: clientId, email: EMAIL, password: PASSWORD, connection: CONNECTION },
    { traceparent: callerTraceparent(SIGNUP_TRACE_ID) },
  )
  assert.equal(signup.status, 200, JSON.stringify(signup.json))
  const signedUp = await checkFlowTrace(SIGNUP_TRACE_ID, {
    http: 'POST /dbconnections/signup',
    flow: 'flow.signup',
    hookParent: 'flow.signup',
    trigger: 'pre-user-registration',
  })
  assert.equal(attribute(signedUp.byName('flow.signup'), 'oauth.client_id'), clientId)
  assert.equal(signedUp.byName('INSERT users').parentSpanId, signedUp.byName('flow.signup').spanId)

  // Password change through a ticket: POST /lo/reset → flow.change_password (UPDATE
  // password_tickets), then, detached, flow.post_change_password → post-change-password.
  const userId = `auth0|${String(signup.json._id)}`
  const ticket = await call('POST', '/api/v2/tickets/password-change', { user_id: userId })
  assert.equal(ticket.status, 201, JSON.stringify(ticket.json))
  const ticketUrl = new URL(String(ticket.json.ticket))
  const ticketToken = ticketUrl.searchParams.get('ticket') ?? ''
  assert.notEqual(ticketToken, '')
  const form = await fetch(`${server.url}${ticketUrl.pathname}${ticketUrl.search}`)
  const page = await form.text()
  assert.equal(form.status, 200, page)
  const cookie = /^openhooks_reset_csrf=([^;]+);/.exec(form.headers.get('set-cookie') ?? '')?.[1]
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1]
  assert.ok(cookie !== undefined && csrf !== undefined, page)
  const reset = await fetch(`${server.url}${ticketUrl.pathname}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: `openhooks_reset_csrf=${cookie}`,
      traceparent: callerTraceparent(CHANGE_TRACE_ID),
    },
    body: new URLSearchParams({
      ticket: ticketToken,
      csrf,
      password: NEW_PASSWORD,
      password_confirmation: NEW_PASSWORD,
    }).toString(),
  })
  const resetPage = await reset.text()
  assert.equal(reset.status, 200, resetPage)
  assert.match(resetPage, /Your password has been changed/)
  const changed = await checkFlowTrace(CHANGE_TRACE_ID, {
    http: `POST ${ticketUrl.pathname}`,
    flow: 'flow.change_password',
    hookParent: 'flow.post_change_password',
    trigger: 'post-change-password',
  })
  assert.equal(
    changed.byName('flow.post_change_password').parentSpanId,
    changed.byName('flow.change_password').spanId,
  )
  assert.equal(
    changed.byName('UPDATE password_tickets').parentSpanId,
    changed.byName('flow.change_password').spanId,
  )

  // MFA: a password login asks for MFA; POST /mfa/associate sends the code by text message.
  const login = await call(
    'POST',
    '/oauth/token',
    {
      grant_type: 'password',
      client_id: clientId,
      client_secret: clientSecret,
      username: EMAIL,
      password: NEW_PASSWORD,
      audience: API_AUDIENCE,
    },
    {},
  )
  assert.equal(login.status, 403, JSON.stringify(login.json))
  const mfaToken = String(login.json.mfa_token)
  const associated = await call(
    'POST',
    '/mfa/associate',
    { authenticator_types: ['oob'], oob_channels: ['sms'], phone_number: PHONE },
    { authorization: `Bearer ${mfaToken}`, traceparent: callerTraceparent(MFA_TRACE_ID) },
  )
  assert.equal(associated.status, 200, JSON.stringify(associated.json))
  assert.equal(texts.length, 1)
  const code = texts[0]?.code ?? ''
  assert.match(code, /^[0-9]{6}$/)
  const mfa = await checkFlowTrace(MFA_TRACE_ID, {
    http: 'POST /mfa/associate',
    flow: 'flow.mfa_sms',
    hookParent: 'flow.mfa_sms',
    trigger: 'send-phone-message',
  })
  assert.equal(attribute(mfa.byName('flow.mfa_sms'), 'openhooks.mfa.action'), 'enrollment')
  assert.equal(attribute(mfa.byName('flow.mfa_sms'), 'oauth.client_id'), clientId)

  // No span of any trace holds a secret, a password, a code or a token.
  assertNoSecrets(exports, [
    admin.secret,
    token,
    clientSecret,
    PASSWORD,
    NEW_PASSWORD,
    ticketToken,
    csrf,
    mfaToken,
    code,
    String(associated.json.oob_code),
    SMS_API_KEY,
    EMAIL,
    PHONE,
  ])
  server.child.kill('SIGTERM')
  assert.equal(await server.exited, 0)
})

/**
 * An `openhooks serve` exporting its spans to the collector on `collectorPort` soon after each
 * span, with one sandbox worker per pool and hooks allowed to reach `egressPort` only.
 */
async function startTracedServer(
  t: { after: (fn: () => void) => void },
  options: { egressPort: number; collectorPort: number; extraEnv?: Record<string, string> },
) {
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
    OPENHOOKS_EGRESS_ALLOW: `127.0.0.1:${options.egressPort}`,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${options.collectorPort}`,
    // Export soon after each span rather than every 5 s.
    OTEL_BSP_SCHEDULE_DELAY: '100',
    ...options.extraEnv,
  })
  t.after(() => server.child.kill('SIGKILL'))
  const issuer = /"event":"server.started","url":"[^"]+","issuer":"([^"]+)"/.exec(
    server.stdout(),
  )?.[1]
  assert.ok(issuer !== undefined, server.stdout())
  return { server, issuer, admin }
}
