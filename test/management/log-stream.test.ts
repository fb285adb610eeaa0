import assert from 'node:assert/strict'
import { request, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { HookRunner } from '../../src/sandbox/runner.js'
import {
  ADMIN_CLIENT_ID,
  ADMIN_CLIENT_SECRET,
  TEST_AUDIENCE,
  buildTestApp,
  startAppRunner,
  type TestApp,
} from '../helpers/build-test-app.js'

/** How long a test waits for an event on the stream. */
const EVENT_WAIT_MS = 5_000
/** How often a test looks at the tenant log while it waits. */
const LOG_POLL_INTERVAL_MS = 20

interface Stream {
  readonly response: IncomingMessage
  /** Resolves with the next `event: execution` payload. */
  next(): Promise<{ id: string; data: Record<string, unknown> }>
  close(): void
}

async function openStream(app: TestApp, hookId: string, headers: Record<string, string> = {}) {
  const { port } = app.server.server.address() as AddressInfo
  const token = await app.token()
  return new Promise<Stream>((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path: `/api/v2/hooks/${hookId}/logs/stream`,
      headers: { authorization: `Bearer ${token}`, ...headers },
    })
    req.on('error', reject)
    req.on('response', (response) => {
      let buffer = ''
      const events: { id: string; data: Record<string, unknown> }[] = []
      const waiters: ((e: { id: string; data: Record<string, unknown> }) => void)[] = []
      response.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8')
        let end: number
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          if (!/^event: execution$/m.test(block)) continue
          const id = /^id: (.*)$/m.exec(block)?.[1] ?? ''
          const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? '{}') as Record<
            string,
            unknown
          >
          const waiter = waiters.shift()
          if (waiter !== undefined) waiter({ id, data })
          else events.push({ id, data })
        }
      })
      resolve({
        response,
        next: () => {
          const ready = events.shift()
          if (ready !== undefined) return Promise.resolve(ready)
          return new Promise((res, rej) => {
            const timer = setTimeout(() => rej(new Error('no event in time')), EVENT_WAIT_MS)
            waiters.push((e) => {
              clearTimeout(timer)
              res(e)
            })
          })
        },
        close: () => {
          req.destroy()
        },
      })
    })
    req.end()
  })
}

function exchange(app: TestApp) {
  return app.server.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: ADMIN_CLIENT_ID,
      client_secret: ADMIN_CLIENT_SECRET,
      audience: TEST_AUDIENCE,
    }),
  })
}

/** Every field whose value varies from run to run, replaced by its kind. */
function normalized(data: Record<string, unknown>): Record<string, unknown> {
  assert.match(String(data.execution_id), /^[0-9a-f]{8}-\d{12}$/)
  assert.ok(!Number.isNaN(Date.parse(String(data.date))))
  assert.ok(typeof data.duration_ms === 'number' && data.duration_ms >= 0)
  const logs = (data.logs as Record<string, unknown>[]).map((l) => ({ ...l, timestamp: '<date>' }))
  return { ...data, execution_id: '<id>', date: '<date>', duration_ms: '<ms>', logs }
}

function signup(app: TestApp, clientId: string, email: string) {
  return app.server.inject({
    method: 'POST',
    url: '/dbconnections/signup',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({
      client_id: clientId,
      email,
      password: 'Zq8-Unique-Pa55word!',
      connection: 'Username-Password-Authentication',
    }),
  })
}

describe('GET /api/v2/hooks/{id}/logs/stream', () => {
  let runner: HookRunner
  const closers: (() => Promise<void>)[] = []
  before(async () => {
    runner = await startAppRunner({ after: (fn) => closers.push(fn) })
  })
  after(async () => {
    await Promise.all(closers.map((close) => close()))
  })

  it("streams the hook's executions as server-sent events, and replays after Last-Event-ID", async (t) => {
    const app = await buildTestApp(t, { runner })
    await app.server.listen({ port: 0, host: '127.0.0.1' })
    const created = await app.api('POST', '/api/v2/hooks', {
      name: 'streamed',
      script: `module.exports = function (c, s, a, ctx, cb) { console.log('ran for', c.name); cb(null, { scope: s }) }`,
      triggerId: 'credentials-exchange',
    })
    const hookId = created.json<{ id: string }>().id
    const stream = await openStream(app, hookId)
    assert.equal(stream.response.statusCode, 200)
    assert.equal(stream.response.headers['content-type'], 'text/event-stream; charset=utf-8')
    assert.ok(stream.response.headers['x-ratelimit-limit'])
    assert.equal((await exchange(app)).statusCode, 200)
    const first = await stream.next()
    // The id is the stream's position: the last log event's seq, a dot, then this execution.
    assert.equal(/^\d{16}\.(.+)$/.exec(first.id)?.[1], first.data.execution_id)
    assert.deepStrictEqual(normalized(first.data), {
      execution_id: '<id>',
      date: '<date>',
      hook_id: hookId,
      hook_name: 'streamed',
      trigger_id: 'credentials-exchange',
      outcome: 'succeeded',
      duration_ms: '<ms>',
      logs: [{ level: 'log', message: 'ran for openhooks admin', timestamp: '<date>' }],
    })
    stream.close()

    // Two more runs while nobody listens; a reconnect from the first event gets both.
    await exchange(app)
    await exchange(app)
    const again = await openStream(app, hookId, { 'last-event-id': first.id })
    const replayed = [await again.next(), await again.next()]
    assert.ok(replayed.every((e) => e.data.outcome === 'succeeded' && e.id > first.id))
    assert.notEqual(replayed[0]?.id, replayed[1]?.id)
    again.close()
  })

  it('shows a post-user-registration run of a real signup, success and failure, with its console output (issue 18.5)', async (t) => {
    const app = await buildTestApp(t, { runner })
    await app.server.listen({ port: 0, host: '127.0.0.1' })
    const client = await app.api('POST', '/api/v2/clients', { name: 'Signup App' })
    const clientId = client.json<{ client_id: string }>().client_id
    const created = await app.api('POST', '/api/v2/hooks', {
      name: 'crm',
      script: `module.exports = function (user, context, cb) {
  console.log('sent to the CRM:', user.email)
  if (user.email.startsWith('fail')) throw new Error('the CRM said no')
  cb()
}`,
      triggerId: 'post-user-registration',
    })
    const hookId = created.json<{ id: string; enabled: boolean }>().id
    assert.equal(created.json<{ enabled: boolean }>().enabled, true)
    const stream = await openStream(app, hookId)

    assert.equal((await signup(app, clientId, 'ada@example.com')).statusCode, 200)
    const succeeded = await stream.next()
    assert.deepStrictEqual(normalized(succeeded.data), {
      execution_id: '<id>',
      date: '<date>',
      hook_id: hookId,
      hook_name: 'crm',
      trigger_id: 'post-user-registration',
      outcome: 'succeeded',
      duration_ms: '<ms>',
      logs: [{ level: 'log', message: 'sent to the CRM: ada@example.com', timestamp: '<date>' }],
    })

    assert.equal((await signup(app, clientId, 'fail@example.com')).statusCode, 200)
    const failed = await stream.next()
    assert.deepStrictEqual(normalized(failed.data), {
      execution_id: '<id>',
      date: '<date>',
      hook_id: hookId,
      hook_name: 'crm',
      trigger_id: 'post-user-registration',
      outcome: 'failed',
      failure: 'hook-error',
      error: 'the CRM said no',
      duration_ms: '<ms>',
      logs: [{ level: 'log', message: 'sent to the CRM: fail@example.com', timestamp: '<date>' }],
    })
    stream.close()

    // The tenant log keeps Auth0's event types: no success event for post-user-registration.
    // (fpurh is written just after the run reaches the live log: wait for it, up to a deadline.)
    const deadline = Date.now() + EVENT_WAIT_MS
    let types: string[] = []
    // The flows' events; the Management API's own writes (`sapi`, the audit trail) aside.
    while (types.length < 3 && Date.now() < deadline) {
      types = (await app.api('GET', '/api/v2/logs'))
        .json<{ type: string }[]>()
        .map((e) => e.type)
        .filter((type) => type !== 'sapi')
      await sleep(LOG_POLL_INTERVAL_MS)
    }
    assert.deepStrictEqual(types.sort(), ['fpurh', 'ss', 'ss'])
  })

  it('keeps the signup password out of a pre-user-registration run it logged', async (t) => {
    const app = await buildTestApp(t, { runner })
    await app.server.listen({ port: 0, host: '127.0.0.1' })
    const client = await app.api('POST', '/api/v2/clients', { name: 'Signup App' })
    const clientId = client.json<{ client_id: string }>().client_id
    const created = await app.api('POST', '/api/v2/hooks', {
      name: 'leaky',
      script: `module.exports = function (user, context, cb) { console.log('pw', user.password); cb(null, {}) }`,
      triggerId: 'pre-user-registration',
    })
    const stream = await openStream(app, created.json<{ id: string }>().id)
    assert.equal((await signup(app, clientId, 'ada@example.com')).statusCode, 200)
    const run = await stream.next()
    assert.deepStrictEqual(
      (run.data.logs as { message: string }[]).map((l) => l.message),
      ['pw [secret]'],
    )
    stream.close()
  })

  it('answers 404 for an unknown hook and 403 without read:logs', async (t) => {
    const app = await buildTestApp(t)
    const missing = await app.api('GET', '/api/v2/hooks/01HZZZZZZZZZZZZZZZZZZZZZZZ/logs/stream')
    assert.equal(missing.statusCode, 404)
    const created = await app.api('POST', '/api/v2/hooks', {
      name: 'x1',
      script: 'x',
      triggerId: 'send-phone-message',
    })
    const token = await app.token(['read:hooks'])
    const denied = await app.server.inject({
      method: 'GET',
      url: `/api/v2/hooks/${created.json<{ id: string }>().id}/logs/stream`,
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(denied.statusCode, 403)
  })

  it('ends open streams when the server closes', async (t) => {
    const app = await buildTestApp(t)
    await app.server.listen({ port: 0, host: '127.0.0.1' })
    const created = await app.api('POST', '/api/v2/hooks', {
      name: 'x2',
      script: 'x',
      triggerId: 'send-phone-message',
    })
    const stream = await openStream(app, created.json<{ id: string }>().id)
    const ended = new Promise<void>((resolve) => stream.response.on('end', resolve))
    await app.server.close()
    await ended
  })
})
