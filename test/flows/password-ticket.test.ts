/**
 * Password-change tickets end to end: `POST /api/v2/tickets/password-change`,
 * `POST /dbconnections/change_password` with the link mailed through a fake SMTP server, and the
 * `/lo/reset` page (CSRF, single use, expiry, policy), ending in post-change-password.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it, type TestContext } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { verifyPassword } from '../../src/directory/passwords.js'
import { hashTicketToken } from '../../src/flows/password-ticket.js'
import type { HookRunner } from '../../src/sandbox/runner.js'
import type { TenantLogRecord } from '../../src/storage/store.js'
import {
  buildTestApp,
  startAppRunner,
  type TestApp,
  type TestAppOptions,
} from '../helpers/build-test-app.js'
import { mailText, startFakeSmtpServer, type FakeSmtpServer } from '../helpers/fake-smtp-server.js'

/** How long a test waits for a detached hook's log event. */
const LOG_WAIT_MS = 5_000
/** How long a test waits to be sure that nothing is sent. */
const QUIET_MS = 300
const CONNECTION = 'Username-Password-Authentication'
const INITIAL_PASSWORD = 'Initial-Passw0rd'
const NEW_PASSWORD = 'Brand-New-Passw0rd'
const ANSWER = "We've just sent you an email to reset your password."
const TICKET_URL = /^https:\/\/openhooks\.test\/lo\/reset\?ticket=([A-Za-z0-9_-]{43})$/

async function waitForLog(app: TestApp, type: string): Promise<TenantLogRecord> {
  const deadline = Date.now() + LOG_WAIT_MS
  for (;;) {
    const [found] = (await app.store.listLogs({ type })).items
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error(`no ${type} log event within ${LOG_WAIT_MS} ms`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

async function waitForServerLog(app: TestApp, event: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + LOG_WAIT_MS
  for (;;) {
    const found = app.logs.find((line) => line.event === event)
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error(`no ${event} server log within ${LOG_WAIT_MS} ms`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

async function createUser(app: TestApp, email = 'ann@example.com'): Promise<string> {
  const created = await app.api('POST', '/api/v2/users', {
    connection: CONNECTION,
    email,
    password: INITIAL_PASSWORD,
  })
  assert.equal(created.statusCode, 201)
  return created.json<{ user_id: string }>().user_id
}

async function storedHash(app: TestApp, userId: string): Promise<string> {
  const user = await app.store.getUser(userId.slice('auth0|'.length))
  assert.ok(user?.passwordHash)
  return user.passwordHash
}

async function createTicket(app: TestApp, body: Record<string, unknown>): Promise<string> {
  const res = await app.api('POST', '/api/v2/tickets/password-change', body)
  assert.equal(res.statusCode, 201, res.body)
  return res.json<{ ticket: string }>().ticket
}

/** The path and query of a ticket URL, for `inject`. */
function pathOf(ticketUrl: string): string {
  const url = new URL(ticketUrl)
  return `${url.pathname}${url.search}`
}

function tokenOf(ticketUrl: string): string {
  const token = TICKET_URL.exec(ticketUrl)?.[1]
  assert.ok(token, ticketUrl)
  return token
}

/** GET the page; returns the CSRF cookie value and hidden field. */
async function openForm(
  app: TestApp,
  ticketUrl: string,
): Promise<{ res: LightMyRequestResponse; cookie: string; csrf: string }> {
  const res = await app.server.inject({ method: 'GET', url: pathOf(ticketUrl) })
  assert.equal(res.statusCode, 200, res.body)
  const setCookie = String(res.headers['set-cookie'])
  const cookie = /^openhooks_reset_csrf=([^;]+);/.exec(setCookie)?.[1]
  const csrf = /name="csrf" value="([^"]+)"/.exec(res.body)?.[1]
  assert.ok(cookie !== undefined && csrf !== undefined)
  return { res, cookie, csrf }
}

function submit(
  app: TestApp,
  fields: Record<string, string>,
  cookie: string | undefined,
): Promise<LightMyRequestResponse> {
  return app.server.inject({
    method: 'POST',
    url: '/lo/reset',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(cookie !== undefined ? { cookie: `openhooks_reset_csrf=${cookie}` } : undefined),
    },
    payload: new URLSearchParams(fields).toString(),
  })
}

function assertPageHeaders(res: LightMyRequestResponse): void {
  assert.equal(
    res.headers['content-security-policy'],
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  )
  assert.equal(res.headers['x-frame-options'], 'DENY')
  assert.equal(res.headers['referrer-policy'], 'no-referrer')
  assert.equal(res.headers['cache-control'], 'no-store')
  assert.equal(res.headers['content-type'], 'text/html; charset=utf-8')
}

describe('password-change tickets', () => {
  let runner: HookRunner
  let smtp: FakeSmtpServer
  const closers: (() => Promise<void>)[] = []
  before(async () => {
    runner = await startAppRunner(
      { after: (fn) => closers.push(fn) },
      { timeoutMs: 2_000, entryTimeoutMs: 2_000 },
    )
    smtp = await startFakeSmtpServer()
  })
  after(async () => {
    await smtp.close()
    await Promise.all(closers.map((close) => close()))
  })

  const mailingApp = (t: TestContext, options: TestAppOptions = {}) =>
    buildTestApp(t, {
      runner,
      ...options,
      env: { OPENHOOKS_SMTP_URL: smtp.url(), OPENHOOKS_SMTP_FROM: 'noreply@openhooks.test' },
    })

  it('change_password mails a link; the page sets the password once and fires post-change-password', async (t) => {
    const app = await mailingApp(t)
    await app.api('POST', '/api/v2/hooks', {
      name: 'pcp',
      script: `module.exports = function (user, context, cb) { console.log(user.email); cb() }`,
      triggerId: 'post-change-password',
    })
    const userId = await createUser(app)
    const before = smtp.messages.length
    const res = await app.server.inject({
      method: 'POST',
      url: '/dbconnections/change_password',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({
        client_id: 'any-client',
        email: 'ANN@example.com',
        connection: CONNECTION,
      }),
    })
    assert.equal(res.statusCode, 200)
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8')
    assert.equal(res.body, ANSWER)

    const mail = (await smtp.waitForMessages(before + 1))[before]
    assert.ok(mail)
    assert.equal(mail.from, 'noreply@openhooks.test')
    assert.deepStrictEqual(mail.to, ['ann@example.com'])
    const link = /^https:\/\/openhooks\.test\/lo\/reset\?ticket=\S+$/m.exec(mailText(mail))?.[0]
    assert.ok(link, mail.data)
    const token = tokenOf(link)
    // Stored hashed: the token is nowhere in the store, its SHA-256 is.
    const stored = await app.store.getPasswordTicket(hashTicketToken(token))
    assert.equal(stored?.userId, userId.slice('auth0|'.length))
    assert.ok(!JSON.stringify(stored).includes(token))

    const form = await openForm(app, link)
    assertPageHeaders(form.res)
    assert.match(form.res.body, /ann@example\.com/)
    assert.match(
      String(form.res.headers['set-cookie']),
      /; Path=\/lo\/reset; Max-Age=3600; HttpOnly; SameSite=Strict; Secure$/,
    )
    assert.ok(!form.res.body.includes('<script'))

    const done = await submit(
      app,
      {
        ticket: token,
        csrf: form.csrf,
        password: NEW_PASSWORD,
        password_confirmation: NEW_PASSWORD,
      },
      form.cookie,
    )
    assert.equal(done.statusCode, 200, done.body)
    assertPageHeaders(done)
    assert.match(done.body, /Your password has been changed/)
    assert.equal(await verifyPassword(NEW_PASSWORD, await storedHash(app, userId)), true)
    assert.equal(await verifyPassword(INITIAL_PASSWORD, await storedHash(app, userId)), false)

    const log = await waitForLog(app, 'scph')
    assert.equal(log.userId, userId)
    const hook = log.details.hook as { logs: { message: string }[] }
    assert.equal(hook.logs[0]?.message, 'ann@example.com')
    assert.ok(!app.logText().includes(NEW_PASSWORD))
    assert.ok(!app.logText().includes(token), 'request lines of /lo/reset are not logged')

    // Single use: the same ticket is refused, on the page and on the form.
    const again = await app.server.inject({ method: 'GET', url: pathOf(link) })
    assert.equal(again.statusCode, 410)
    assert.match(again.body, /already been used/)
    assertPageHeaders(again)
    const replay = await submit(
      app,
      {
        ticket: token,
        csrf: form.csrf,
        password: 'Another-Passw0rd',
        password_confirmation: 'Another-Passw0rd',
      },
      form.cookie,
    )
    assert.equal(replay.statusCode, 410)
    assert.equal(await verifyPassword(NEW_PASSWORD, await storedHash(app, userId)), true)
  })

  it('answers the same text for an unknown e-mail or connection, and sends nothing', async (t) => {
    const app = await mailingApp(t)
    await createUser(app)
    const before = smtp.messages.length
    for (const body of [
      `client_id=c&email=${encodeURIComponent('nobody@example.com')}&connection=${CONNECTION}`,
      `client_id=c&email=${encodeURIComponent('ann@example.com')}&connection=no-such-connection`,
    ]) {
      const res = await app.server.inject({
        method: 'POST',
        url: '/dbconnections/change_password',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: body,
      })
      assert.equal(res.statusCode, 200)
      assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8')
      assert.equal(res.body, ANSWER)
    }
    await waitForServerLog(app, 'password_ticket.no_user')
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS))
    assert.equal(smtp.messages.length, before)
  })

  it('writes the link to the server log when SMTP is off', async (t) => {
    const app = await buildTestApp(t, { runner })
    const userId = await createUser(app)
    const res = await app.server.inject({
      method: 'POST',
      url: '/dbconnections/change_password',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ client_id: 'c', email: 'ann@example.com', connection: CONNECTION }),
    })
    assert.equal(res.body, ANSWER)
    const line = await waitForServerLog(app, 'password_ticket.created')
    assert.equal(line.level, 30)
    assert.equal(line.userId, userId)
    tokenOf(String(line.ticketUrl))
  })

  it('answers the same text when the relay is down, and logs the failure', async (t) => {
    const down = await startFakeSmtpServer()
    const url = down.url('mailer:relay-Secret-1')
    await down.close()
    const app = await buildTestApp(t, {
      env: { OPENHOOKS_SMTP_URL: url, OPENHOOKS_SMTP_FROM: 'noreply@openhooks.test' },
    })
    await createUser(app)
    const res = await app.server.inject({
      method: 'POST',
      url: '/dbconnections/change_password',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ client_id: 'c', email: 'ann@example.com', connection: CONNECTION }),
    })
    assert.equal(res.statusCode, 200)
    assert.equal(res.body, ANSWER)
    const line = await waitForServerLog(app, 'password_ticket.mail_failed')
    assert.equal(line.level, 50)
    assert.ok(!app.logText().includes('relay-Secret-1'))
    assert.ok(!app.logText().includes('/lo/reset?ticket='))
  })

  it('refuses a body without email, in the /dbconnections error shape', async (t) => {
    const app = await buildTestApp(t)
    const res = await app.server.inject({
      method: 'POST',
      url: '/dbconnections/change_password',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ client_id: 'c', connection: CONNECTION }),
    })
    assert.equal(res.statusCode, 400)
    assert.deepStrictEqual(res.json(), {
      name: 'BadRequestError',
      code: 'invalid_body',
      description: 'Parameter email is required and must be a single string',
      statusCode: 400,
    })
  })

  it('POST /api/v2/tickets/password-change: 201 with the URL, 404 unknown user, 403 without scope', async (t) => {
    const app = await buildTestApp(t)
    const userId = await createUser(app)
    const res = await app.api('POST', '/api/v2/tickets/password-change', { user_id: userId })
    assert.equal(res.statusCode, 201)
    const body = res.json<{ ticket: string }>()
    assert.deepStrictEqual(Object.keys(body), ['ticket'])
    assert.match(body.ticket, TICKET_URL)
    const stored = await app.store.getPasswordTicket(hashTicketToken(tokenOf(body.ticket)))
    assert.ok(stored)
    const ttlMs = Date.parse(stored.expiresAt) - Date.parse(stored.createdAt)
    assert.ok(Math.abs(ttlMs - 432_000_000) < 5_000, `default ttl 5 days, got ${ttlMs} ms`)

    const [connection] = await app.store.listConnections()
    assert.ok(connection)
    assert.match(
      await createTicket(app, { email: 'ann@example.com', connection_id: connection.id }),
      TICKET_URL,
    )

    const unknown = await app.api('POST', '/api/v2/tickets/password-change', {
      user_id: 'auth0|nobody',
    })
    assert.equal(unknown.statusCode, 404)
    assert.deepStrictEqual(unknown.json(), {
      statusCode: 404,
      error: 'Not Found',
      message: 'The user does not exist.',
      errorCode: 'inexistent_user',
    })

    const tooLong = await app.api('POST', '/api/v2/tickets/password-change', {
      user_id: userId,
      ttl_sec: 30 * 24 * 3600 + 1,
    })
    assert.equal(tooLong.statusCode, 400)
    const badUrl = await app.api('POST', '/api/v2/tickets/password-change', {
      user_id: userId,
      result_url: 'javascript:alert(1)',
    })
    assert.equal(badUrl.statusCode, 400)

    const token = await app.token(['read:users', 'update:users'])
    const forbidden = await app.server.inject({
      method: 'POST',
      url: '/api/v2/tickets/password-change',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ user_id: userId }),
    })
    assert.equal(forbidden.statusCode, 403)
    assert.deepStrictEqual(forbidden.json(), {
      statusCode: 403,
      error: 'Forbidden',
      message: 'Insufficient scope, expected any of: create:user_tickets',
      errorCode: 'insufficient_scope',
    })
  })

  it('refuses an expired ticket', async (t) => {
    let clock = Date.now()
    const app = await buildTestApp(t, { now: () => clock })
    const userId = await createUser(app)
    const ticket = await createTicket(app, { user_id: userId, ttl_sec: 60 })
    const form = await openForm(app, ticket)
    clock += 61_000
    const page = await app.server.inject({ method: 'GET', url: pathOf(ticket) })
    assert.equal(page.statusCode, 410)
    assert.match(page.body, /has expired/)
    const res = await submit(
      app,
      {
        ticket: tokenOf(ticket),
        csrf: form.csrf,
        password: NEW_PASSWORD,
        password_confirmation: NEW_PASSWORD,
      },
      form.cookie,
    )
    assert.equal(res.statusCode, 410)
    assert.equal(await verifyPassword(INITIAL_PASSWORD, await storedHash(app, userId)), true)
  })

  it('refuses a missing or wrong CSRF token, and an unknown ticket', async (t) => {
    const app = await buildTestApp(t)
    const userId = await createUser(app)
    const ticket = await createTicket(app, { user_id: userId })
    const form = await openForm(app, ticket)
    const fields = {
      ticket: tokenOf(ticket),
      password: NEW_PASSWORD,
      password_confirmation: NEW_PASSWORD,
    }
    for (const [csrf, cookie] of [
      [form.csrf, undefined],
      [form.csrf, 'x'.repeat(form.csrf.length)],
      ['', ''],
      [undefined, form.cookie],
    ] as const) {
      const res = await submit(
        app,
        { ...fields, ...(csrf !== undefined ? { csrf } : undefined) },
        cookie,
      )
      assert.equal(res.statusCode, 403)
      assertPageHeaders(res)
      assert.match(res.body, /has expired or was not sent from this page/)
    }
    assert.equal(await verifyPassword(INITIAL_PASSWORD, await storedHash(app, userId)), true)

    const unknown = await app.server.inject({
      method: 'GET',
      url: `/lo/reset?ticket=${'A'.repeat(43)}`,
    })
    assert.equal(unknown.statusCode, 404)
    assert.match(unknown.body, /not valid/)
    const missing = await app.server.inject({ method: 'GET', url: '/lo/reset' })
    assert.equal(missing.statusCode, 404)
  })

  it('shows the rules for a weak password and keeps the ticket usable', async (t) => {
    const app = await buildTestApp(t)
    const userId = await createUser(app)
    const ticket = await createTicket(app, {
      user_id: userId,
      result_url: 'https://app.example.com/done?a=1&b="2"',
      mark_email_as_verified: true,
    })
    const form = await openForm(app, ticket)
    const fields = { ticket: tokenOf(ticket), csrf: form.csrf }
    const weak = await submit(
      app,
      { ...fields, password: 'abc', password_confirmation: 'abc' },
      form.cookie,
    )
    assert.equal(weak.statusCode, 400)
    assertPageHeaders(weak)
    assert.match(weak.body, /The password is too weak/)
    assert.match(weak.body, /<li class="bad">At least 8 characters in length<\/li>/)
    assert.match(weak.body, /Contain at least 3 of the following 4 types of characters:/)
    assert.match(weak.body, /<li class="ok">lower case letters \(a-z\)<\/li>/)

    const mismatch = await submit(
      app,
      { ...fields, password: NEW_PASSWORD, password_confirmation: `${NEW_PASSWORD}x` },
      form.cookie,
    )
    assert.equal(mismatch.statusCode, 400)
    assert.match(mismatch.body, /do not match/)
    assert.equal(await verifyPassword(INITIAL_PASSWORD, await storedHash(app, userId)), true)

    const done = await submit(
      app,
      { ...fields, password: NEW_PASSWORD, password_confirmation: NEW_PASSWORD },
      form.cookie,
    )
    assert.equal(done.statusCode, 200)
    assert.ok(
      done.body.includes(
        '<meta http-equiv="refresh" content="3;url=https://app.example.com/done?a=1&amp;b=&quot;2&quot;">',
      ),
      done.body,
    )
    const user = await app.store.getUser(userId.slice('auth0|'.length))
    assert.equal(user?.emailVerified, true)
    assert.equal(await verifyPassword(NEW_PASSWORD, await storedHash(app, userId)), true)
  })
})
