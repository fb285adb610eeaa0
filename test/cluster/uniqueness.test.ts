/**
 * Uniqueness rules across real `openhooks serve` nodes on one real PostgreSQL database (issue 20):
 * the same request sent to every node at the same moment has exactly one winner, for signups of
 * one e-mail, a password-change ticket, an MFA code, the per-number SMS limit, the per-challenge
 * attempt limit, and hook names. The store-level races are in `src/storage/cluster.contract.ts`;
 * these go through the HTTP routes of three processes.
 *
 * One database and three nodes serve the whole file. The races are repeated with fresh values,
 * to give an interleaving that breaks a rule a chance to happen; the assertions are on outcomes.
 */
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { startCluster, type Cluster, type ClusterNode } from '../helpers/cluster.js'
import { postgresUnavailable } from '../helpers/postgres.js'
import { startSmsSink, type SmsSink } from '../helpers/sms-sink.js'

const unavailable = postgresUnavailable()

/** How many times each race runs, with fresh values each time. */
const ROUNDS = 4
/** The per-number SMS limit of the suite (`OPENHOOKS_MFA_SMS_PER_HOUR`): small, to be exceeded. */
const SMS_PER_HOUR = 4
/** Enrollment requests for one number spread over the nodes at once: well beyond the limit. */
const SMS_REQUESTS = 12
/** Wrong codes per challenge before the right one is refused (the default of the setting). */
const MAX_ATTEMPTS = 5
/** Tenant log events kept (`OPENHOOKS_LOG_MAX_EVENTS`, its smallest value): easy to exceed. */
const LOG_MAX_EVENTS = 100
/** Token requests (each logs `seccft`) made to fill the tenant log beyond `LOG_MAX_EVENTS`. */
const LOG_FILLERS = 2 * LOG_MAX_EVENTS
const LOG_FILL_BATCH = 30
/** Longest wait for the tenant log to settle or be pruned: a deadline, not a speed bound. */
const LOG_WAIT_MS = 60_000
const LOG_POLL_MS = 200

const CONNECTION = 'Username-Password-Authentication'
const PASSWORD = 'Uq9-Cluster-Pa55word!'
const NEW_PASSWORD = 'Brand-New-Cluster-Passw0rd'
const API = 'https://api.example.test/'
const MFA_OOB = 'http://auth0.com/oauth/grant-type/mfa-oob'
const PASSWORD_REALM = 'http://auth0.com/oauth/grant-type/password-realm'
const HOOK_SCRIPT =
  'module.exports = function (client, scope, audience, context, cb) { cb(null, {}) }'

/** Delivers the text to the SMS sink, whose URL is a hook secret, as a hook would call a provider. */
const DELIVERING_HOOK = `module.exports = function (recipient, text, context, cb) {
  fetch(context.webtask.secrets.SMS_SINK_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ to: recipient, text: text })
  })
    .then(function (res) {
      if (!res.ok) throw new SendPhoneMessageError('sink answered ' + res.status, 'not sent')
      return res.json()
    })
    .then(function (body) { cb(null, { id: body.id }) })
    .catch(function (err) { cb(err) })
}`

const USER_EXISTS = {
  name: 'BadRequestError',
  code: 'user_exists',
  description: 'The user already exists.',
  statusCode: 400,
}
const CODE_USED = {
  error: 'invalid_grant',
  error_description: 'The oob_code has already been used.',
}
const TOO_MANY_ATTEMPTS = {
  error: 'invalid_grant',
  error_description: 'Too many failed attempts: request a new code.',
}
const SMS_LIMITED = {
  error: 'too_many_requests',
  error_description: 'Too many text messages were sent to this phone number; try again later',
}
const HOOK_EXISTS = {
  statusCode: 409,
  error: 'Conflict',
  message: 'Hook with the same name already exists.',
  errorCode: 'HookAlreadyExists',
}

interface Answer {
  readonly status: number
  readonly body: unknown
  readonly text: string
}

/** POSTs `body` (JSON, or a form when `form` is set) to `node`; resolves with the parsed answer. */
async function post(
  node: ClusterNode,
  path: string,
  body: Record<string, string | readonly string[]>,
  options: { form?: boolean; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const res = await fetch(`${node.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type':
        options.form === true ? 'application/x-www-form-urlencoded' : 'application/json',
      ...options.headers,
    },
    body:
      options.form === true
        ? new URLSearchParams(body as Record<string, string>).toString()
        : JSON.stringify(body),
  })
  const text = await res.text()
  let parsed: unknown
  try {
    parsed = JSON.parse(text) as unknown
  } catch {
    parsed = undefined
  }
  return { status: res.status, body: parsed, text }
}

/** The statuses of `answers`, sorted, for one assertion on who won. */
function statuses(answers: readonly Answer[]): number[] {
  return answers.map((a) => a.status).sort((x, y) => x - y)
}

/** The six-digit code at the start of a text of the default templates. */
function codeIn(text: string): string {
  const code = /^([0-9]{6}) /.exec(text)?.[1]
  assert.ok(code !== undefined, `no code at the start of ${JSON.stringify(text)}`)
  return code
}

describe('uniqueness rules across three nodes', { skip: unavailable }, () => {
  let cluster: Cluster
  let sink: SmsSink
  let nodes: readonly [ClusterNode, ClusterNode, ClusterNode]
  let clientId: string
  let clientSecret: string

  before(async () => {
    sink = await startSmsSink()
    cluster = await startCluster({
      nodes: 3,
      env: {
        // The send-phone-message hook may reach the sink and nothing else.
        OPENHOOKS_EGRESS: 'allowlist',
        OPENHOOKS_EGRESS_ALLOW: sink.hostPort,
        OPENHOOKS_MFA_SMS_PER_HOUR: String(SMS_PER_HOUR),
        OPENHOOKS_MFA_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
        OPENHOOKS_LOG_MAX_EVENTS: String(LOG_MAX_EVENTS),
        // Correctness under parallel requests on a busy machine, not speed.
        OPENHOOKS_DATABASE_STATEMENT_TIMEOUT_MS: '60000',
      },
    })
    nodes = cluster.nodes as unknown as [ClusterNode, ClusterNode, ClusterNode]
    const [a] = nodes
    const client = await a.api('POST', '/api/v2/clients', {
      name: 'Race App',
      app_type: 'regular_web',
      grant_types: ['password', PASSWORD_REALM, MFA_OOB],
    })
    assert.equal(client.status, 201, JSON.stringify(client.body))
    ;({ client_id: clientId, client_secret: clientSecret } = client.body as {
      client_id: string
      client_secret: string
    })
  })
  after(async () => {
    await cluster.stop()
    await sink.close()
  })

  const signup = (node: ClusterNode, email: string): Promise<Answer> =>
    post(node, '/dbconnections/signup', {
      client_id: clientId,
      email,
      password: PASSWORD,
      connection: CONNECTION,
    })

  /** Every user with `email`, as node `node` lists them. */
  async function usersWith(node: ClusterNode, email: string): Promise<unknown[]> {
    const listed = await node.api('GET', '/api/v2/users?per_page=100&include_totals=true')
    assert.equal(listed.status, 200, JSON.stringify(listed.body))
    const { users, total } = listed.body as { users: { email: string }[]; total: number }
    assert.ok(total <= 100, 'the suite lists every user on one page')
    return users.filter((u) => u.email === email)
  }

  it('one e-mail signed up on three nodes at once: one user, the others user_exists', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const email = `race-${round}@example.com`
      const answers = await Promise.all(nodes.map((node) => signup(node, email)))
      assert.deepStrictEqual(statuses(answers), [200, 400, 400], JSON.stringify(answers))
      for (const answer of answers) {
        if (answer.status === 200) {
          const body = answer.body as { _id: string }
          assert.deepStrictEqual(body, { _id: body._id, email_verified: false, email })
        } else {
          assert.deepStrictEqual(answer.body, USER_EXISTS)
        }
      }
      // Another node than the winner's or any loser's sees exactly one user.
      assert.equal((await usersWith(nodes[round % 3] as ClusterNode, email)).length, 1)
    }
  })

  it('a password-change ticket redeemed on three nodes at once changes the password once', async () => {
    const [a, b] = nodes
    for (let round = 0; round < ROUNDS; round += 1) {
      const email = `ticket-${round}@example.com`
      const created = await a.api('POST', '/api/v2/users', {
        connection: CONNECTION,
        email,
        password: PASSWORD,
      })
      assert.equal(created.status, 201, JSON.stringify(created.body))
      const userId = (created.body as { user_id: string }).user_id
      const issued = await b.api('POST', '/api/v2/tickets/password-change', { user_id: userId })
      assert.equal(issued.status, 201, JSON.stringify(issued.body))
      const url = new URL((issued.body as { ticket: string }).ticket)
      const ticket = url.searchParams.get('ticket') ?? ''
      // The form, opened on one node: its CSRF cookie and field (double submit, no server state).
      const form = await fetch(`${a.url}${url.pathname}${url.search}`)
      assert.equal(form.status, 200)
      const cookie = /^openhooks_reset_csrf=([^;]+);/.exec(
        form.headers.get('set-cookie') ?? '',
      )?.[1]
      const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1]
      assert.ok(cookie !== undefined && csrf !== undefined)

      const answers = await Promise.all(
        nodes.map((node) =>
          post(
            node,
            '/lo/reset',
            { ticket, csrf, password: NEW_PASSWORD, password_confirmation: NEW_PASSWORD },
            { form: true, headers: { cookie: `openhooks_reset_csrf=${cookie}` } },
          ),
        ),
      )
      assert.deepStrictEqual(
        statuses(answers),
        [200, 410, 410],
        answers.map((x) => x.text).join('\n'),
      )
      for (const answer of answers) {
        if (answer.status === 200) {
          assert.match(answer.text, /<h1>Password changed<\/h1>/)
        } else {
          assert.match(answer.text, /<h1>Link already used<\/h1>/)
          assert.match(answer.text, /This password reset link has already been used\./)
        }
      }
      // The new password works (on another node), the old one does not.
      const login = (password: string) =>
        post(nodes[(round + 2) % 3] as ClusterNode, '/oauth/token', {
          grant_type: PASSWORD_REALM,
          realm: CONNECTION,
          client_id: clientId,
          client_secret: clientSecret,
          username: email,
          password,
          audience: API,
        })
      await ensureApi()
      assert.equal((await login(PASSWORD)).status, 403)
      const ok = await login(NEW_PASSWORD)
      assert.equal(ok.status, 200, ok.text)
    }
  })

  let apiCreated = false
  /** The API the user tokens are for (created once). */
  async function ensureApi(): Promise<void> {
    if (apiCreated) return
    const api = await nodes[0].api('POST', '/api/v2/resource-servers', {
      identifier: API,
      name: 'Example API',
      scopes: [{ value: 'read:things', description: 'Read things' }],
    })
    assert.equal(api.status, 201, JSON.stringify(api.body))
    apiCreated = true
  }

  let mfaReady = false
  /** The send-phone-message hook (delivering to the sink), the SMS factor and the policy, once. */
  async function ensureMfa(): Promise<void> {
    if (mfaReady) return
    await ensureApi()
    const [a] = nodes
    const hook = await a.api('POST', '/api/v2/hooks', {
      name: 'sms-sender',
      script: DELIVERING_HOOK,
      triggerId: 'send-phone-message',
    })
    assert.equal(hook.status, 201, JSON.stringify(hook.body))
    const hookId = (hook.body as { id: string }).id
    const secret = await a.api('POST', `/api/v2/hooks/${hookId}/secrets`, {
      SMS_SINK_URL: sink.url,
    })
    assert.equal(secret.status, 201, JSON.stringify(secret.body))
    for (const [path, body] of [
      ['/api/v2/guardian/factors/sms', { enabled: true }],
      ['/api/v2/guardian/factors/sms/selected-provider', { provider: 'phone-message-hook' }],
      ['/api/v2/guardian/policies', ['all-applications']],
    ] as const) {
      const res = await a.api('PUT', path, body)
      assert.equal(res.status, 200, JSON.stringify(res.body))
    }
    mfaReady = true
  }

  /** A new user and an `mfa_token` from a password login on `node`. */
  async function mfaUser(node: ClusterNode, email: string): Promise<string> {
    const created = await signup(node, email)
    assert.equal(created.status, 200, created.text)
    const login = await post(node, '/oauth/token', {
      grant_type: 'password',
      client_id: clientId,
      client_secret: clientSecret,
      username: email,
      password: PASSWORD,
      audience: API,
      scope: 'read:things',
    })
    assert.equal(login.status, 403, login.text)
    const body = login.body as { error: string; mfa_token: string }
    assert.equal(body.error, 'mfa_required')
    return body.mfa_token
  }

  const associate = (node: ClusterNode, mfaToken: string, phone: string): Promise<Answer> =>
    post(
      node,
      '/mfa/associate',
      { authenticator_types: ['oob'], oob_channels: ['sms'], phone_number: phone },
      { headers: { authorization: `Bearer ${mfaToken}` } },
    )

  const verify = (
    node: ClusterNode,
    mfaToken: string,
    oobCode: string,
    bindingCode: string,
  ): Promise<Answer> =>
    post(node, '/oauth/token', {
      grant_type: MFA_OOB,
      client_id: clientId,
      client_secret: clientSecret,
      mfa_token: mfaToken,
      oob_code: oobCode,
      binding_code: bindingCode,
    })

  /** The code of the last text the sink received for `phone`. */
  function lastCodeFor(phone: string): string {
    const message = sink.messages.filter((m) => m.to === phone).at(-1)
    assert.ok(message !== undefined, `no text to ${phone}`)
    return codeIn(message.text)
  }

  it('an MFA code verified on three nodes at once lets exactly one through', async () => {
    await ensureMfa()
    const [a, b] = nodes
    for (let round = 0; round < ROUNDS; round += 1) {
      const phone = `+1555556010${round}`
      const mfaToken = await mfaUser(a, `mfa-${round}@example.com`)
      const enrolled = await associate(b, mfaToken, phone)
      assert.equal(enrolled.status, 200, enrolled.text)
      const oobCode = (enrolled.body as { oob_code: string }).oob_code
      const code = lastCodeFor(phone)

      // Enrollment: the first verification confirms the phone; one wins.
      const answers = await Promise.all(nodes.map((node) => verify(node, mfaToken, oobCode, code)))
      assert.deepStrictEqual(statuses(answers), [200, 403, 403], JSON.stringify(answers))
      for (const answer of answers) {
        if (answer.status === 200) {
          const body = answer.body as { access_token: string }
          assert.deepStrictEqual(body, {
            access_token: body.access_token,
            token_type: 'Bearer',
            expires_in: 86_400,
            scope: 'read:things',
          })
        } else {
          assert.deepStrictEqual(answer.body, CODE_USED)
        }
      }

      // A challenge on the next login: again exactly one.
      const challenged = await post(a, '/mfa/challenge', {
        client_id: clientId,
        client_secret: clientSecret,
        mfa_token: mfaToken,
        challenge_type: 'oob',
      })
      assert.equal(challenged.status, 200, challenged.text)
      const challengeOob = (challenged.body as { oob_code: string }).oob_code
      const challengeCode = lastCodeFor(phone)
      const again = await Promise.all(
        nodes.map((node) => verify(node, mfaToken, challengeOob, challengeCode)),
      )
      assert.deepStrictEqual(statuses(again), [200, 403, 403], JSON.stringify(again))
      for (const answer of again.filter((x) => x.status === 403)) {
        assert.deepStrictEqual(answer.body, CODE_USED)
      }
    }
  })

  it('wrong codes spread over the nodes count once against one challenge', async () => {
    await ensureMfa()
    const [a, b, c] = nodes
    const phone = '+15555560200'
    const mfaToken = await mfaUser(a, 'attempts@example.com')
    const enrolled = await associate(a, mfaToken, phone)
    assert.equal(enrolled.status, 200, enrolled.text)
    const oobCode = (enrolled.body as { oob_code: string }).oob_code
    const code = lastCodeFor(phone)
    const wrong = code === '000000' ? '111111' : '000000'
    const answers = await Promise.all(
      Array.from({ length: MAX_ATTEMPTS }, (_, i) =>
        verify(nodes[i % 3] as ClusterNode, mfaToken, oobCode, wrong),
      ),
    )
    for (const answer of answers) assert.equal(answer.status, 403, answer.text)
    // Whichever node gets the right code now refuses it: the attempts were all counted.
    for (const node of [b, c]) {
      const late = await verify(node, mfaToken, oobCode, code)
      assert.equal(late.status, 403, late.text)
      assert.deepStrictEqual(late.body, TOO_MANY_ATTEMPTS)
    }
  })

  it('the per-number SMS limit is counted once across nodes', async () => {
    await ensureMfa()
    const [a] = nodes
    const phone = '+15555560300'
    const mfaToken = await mfaUser(a, 'sms-limit@example.com')
    const sentBefore = sink.messages.filter((m) => m.to === phone).length
    assert.equal(sentBefore, 0)
    const answers = await Promise.all(
      Array.from({ length: SMS_REQUESTS }, (_, i) =>
        associate(nodes[i % 3] as ClusterNode, mfaToken, phone),
      ),
    )
    const ok = answers.filter((x) => x.status === 200)
    const limited = answers.filter((x) => x.status === 429)
    assert.equal(ok.length + limited.length, SMS_REQUESTS, answers.map((x) => x.text).join('\n'))
    assert.equal(ok.length, SMS_PER_HOUR, answers.map((x) => x.text).join('\n'))
    for (const answer of limited) assert.deepStrictEqual(answer.body, SMS_LIMITED)
    assert.equal(sink.messages.filter((m) => m.to === phone).length, SMS_PER_HOUR)
    // Every node now refuses that number.
    for (const node of nodes) {
      const refused = await associate(node, mfaToken, phone)
      assert.equal(refused.status, 429, refused.text)
      assert.deepStrictEqual(refused.body, SMS_LIMITED)
    }
  })

  it('one hook name created on three nodes at once: one 201, the others 409', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const name = `race-hook-${round}`
      const answers = await Promise.all(
        nodes.map((node) =>
          node.api('POST', '/api/v2/hooks', {
            name,
            script: HOOK_SCRIPT,
            triggerId: 'credentials-exchange',
            enabled: false,
          }),
        ),
      )
      assert.deepStrictEqual(
        answers.map((x) => x.status).sort((x, y) => x - y),
        [201, 409, 409],
        JSON.stringify(answers.map((x) => x.body)),
      )
      for (const answer of answers.filter((x) => x.status === 409)) {
        assert.deepStrictEqual(answer.body, HOOK_EXISTS)
      }
      const listed = await (nodes[round % 3] as ClusterNode).api(
        'GET',
        '/api/v2/hooks?per_page=100',
      )
      assert.equal(listed.status, 200)
      const named = (listed.body as { name: string }[]).filter((h) => h.name === name)
      assert.equal(named.length, 1)
    }
  })
  it('log pruning run by three nodes starting at once keeps exactly the newest events', async () => {
    // Each node prunes the tenant log when it starts (and every ten minutes): restarting the
    // three nodes together runs three prunes of one table at about the same time.
    const db = new pg.Client({ connectionString: cluster.database.url })
    await db.connect()
    try {
      const ids = async (): Promise<string[]> =>
        (
          await db.query<{ log_id: string }>('select log_id from tenant_logs order by log_id desc')
        ).rows.map((r) => r.log_id)
      for (let sent = 0; sent < LOG_FILLERS; sent += LOG_FILL_BATCH) {
        const batch = await Promise.all(
          Array.from({ length: LOG_FILL_BATCH }, (_, i) =>
            (nodes[(sent + i) % 3] as ClusterNode).exchange(),
          ),
        )
        for (const res of batch) assert.equal(res.status, 200, JSON.stringify(res.body))
      }
      // The events are written in the background: wait until the count stops moving.
      let before = await ids()
      for (const deadline = Date.now() + LOG_WAIT_MS; ;) {
        await sleep(5 * LOG_POLL_MS)
        const now = await ids()
        if (now.length === before.length) break
        before = now
        assert.ok(Date.now() < deadline, 'the tenant log never settled')
      }
      assert.ok(before.length > LOG_MAX_EVENTS + LOG_FILLERS / 2, `${before.length} events`)
      const newest = before.slice(0, LOG_MAX_EVENTS)

      for (const node of nodes) node.kill('SIGKILL')
      await Promise.all(nodes.map((node) => node.server.exited))
      await Promise.all(nodes.map((node) => node.restart()))

      let after = await ids()
      for (
        const deadline = Date.now() + LOG_WAIT_MS;
        before.some((id) => after.includes(id) && !newest.includes(id));
      ) {
        assert.ok(Date.now() < deadline, `${after.length} events left`)
        await sleep(LOG_POLL_MS)
        after = await ids()
      }
      // The newest events are all kept (no prune deleted what another had kept), the older
      // ones are gone, and no node's prune failed.
      for (const id of newest) assert.ok(after.includes(id), `event ${id} was deleted`)
      const removed = nodes
        .flatMap((node) => node.server.stdout().split('\n'))
        .filter((line) => line.includes('"tenant_log.pruned"'))
        .map((line) => (JSON.parse(line) as { removed: number }).removed)
      assert.equal(
        removed.reduce((sum, n) => sum + n, 0),
        before.length - LOG_MAX_EVENTS,
        'every old event was deleted exactly once',
      )
      for (const node of nodes) {
        const output = node.server.stdout() + node.server.stderr()
        assert.ok(!output.includes('tenant_log.prune_failed'), `${node.name}: ${output}`)
      }
      // Every node answers after its prune.
      for (const node of nodes) {
        const listed = await node.api('GET', '/api/v2/hooks?per_page=1')
        assert.equal(listed.status, 200)
      }
    } finally {
      await db.end()
    }
  })
})
