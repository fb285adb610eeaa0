import assert from 'node:assert/strict'
import { request, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
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

interface Stream {
  readonly response: IncomingMessage
  /** Resolves with the next `event: log` payload. */
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
          if (!block.includes('event: log')) continue
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
    assert.equal(first.data.type, 'seccft')
    assert.equal(first.data.hook_id, hookId)
    const hook = (first.data.details as { hook: { logs: { message: string }[] } }).hook
    assert.deepStrictEqual(
      hook.logs.map((l) => l.message),
      ['ran for openhooks admin'],
    )
    stream.close()

    // Two more runs while nobody listens; a reconnect from the first event gets both.
    await exchange(app)
    await exchange(app)
    const again = await openStream(app, hookId, { 'last-event-id': first.id })
    const replayed = [await again.next(), await again.next()]
    assert.ok(replayed.every((e) => e.data.type === 'seccft' && e.id > first.id))
    again.close()
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
