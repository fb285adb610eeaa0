// Three real serve nodes on one PostgreSQL database; one is killed with SIGKILL while 100 signups
// and hook updates are in flight (issue 20): every request answered 2xx is in the database
// afterwards, no user exists twice, the other nodes keep serving, and the killed node starts
// again on its folder and serves. Signups of one e-mail on two nodes at once: one succeeds, the
// other gets Auth0's "user already exists" body.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import pg from 'pg'
import {
  CLUSTER_ADMIN,
  adminToken,
  callApi,
  clusterEnv,
  startNodes,
  type ClusterNode,
} from '../helpers/cluster.js'
import { createTestDatabase, postgresUnavailable } from '../helpers/postgres.js'

const unavailable = postgresUnavailable()
const SIGNUPS = 100
const UPDATES = 60
const CONNECTION = 'Username-Password-Authentication'
const PASSWORD = 'Correct-Horse-Battery-9'

function signup(node: ClusterNode, email: string): Promise<Response> {
  return fetch(`${node.url}/dbconnections/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: CLUSTER_ADMIN.id,
      email,
      password: PASSWORD,
      connection: CONNECTION,
    }),
  })
}

/** A request that may die with its node: the status, or undefined when no answer came. */
async function settle(request: Promise<Response>): Promise<number | undefined> {
  try {
    const res = await request
    await res.arrayBuffer()
    return res.status
  } catch {
    return undefined
  }
}

test('a node killed with SIGKILL loses no acknowledged write', { skip: unavailable }, async (t) => {
  const database = await createTestDatabase()
  t.after(() => database.drop())
  const nodes = await startNodes(
    t,
    clusterEnv(database.url, {
      extra: {
        OPENHOOKS_RATE_LIMIT_BURST: '10000',
        OPENHOOKS_DATABASE_STATEMENT_TIMEOUT_MS: '60000',
      },
    }),
    3,
  )
  const [a, b, c] = nodes as [ClusterNode, ClusterNode, ClusterNode]
  const token = await adminToken(a)

  // The same e-mail on two nodes at the same moment: one user, one Auth0 "user already exists".
  const pair = await Promise.all([signup(a, 'twin@example.com'), signup(b, 'twin@example.com')])
  const statuses = pair.map((res) => res.status).sort()
  assert.deepStrictEqual(statuses, [200, 400])
  const loser = pair.find((res) => res.status === 400)
  assert.deepStrictEqual(await loser?.json(), {
    name: 'BadRequestError',
    code: 'user_exists',
    description: 'The user already exists.',
    statusCode: 400,
  })

  const created = await callApi(a, token, 'POST', '/api/v2/hooks', {
    name: 'kill-target',
    script: 'module.exports = function (user, context, cb) { cb(null, { user }) }',
    triggerId: 'pre-user-registration',
    enabled: false,
  })
  assert.equal(created.status, 201)
  const hookId = (created.body as { id: string }).id

  const emails = Array.from({ length: SIGNUPS }, (_, i) => `user-${i}@example.com`)
  const scripts = Array.from(
    { length: UPDATES },
    (_, i) => `module.exports = function (user, context, cb) { cb(null, { user }) } // v${i}`,
  )
  const signups = emails.map((email, i) => settle(signup(nodes[i % 3] as ClusterNode, email)))
  const updates = scripts.map((script, i) =>
    settle(
      fetch(`${(nodes[i % 3] as ClusterNode).url}/api/v2/hooks/${hookId}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ script }),
      }),
    ),
  )
  // Kill B while they are in flight: once B has answered its first few.
  await Promise.race([Promise.all(signups.slice(0, 6)), new Promise((r) => setTimeout(r, 2_000))])
  b.kill('SIGKILL')
  const signupStatuses = await Promise.all(signups)
  const updateStatuses = await Promise.all(updates)
  assert.equal(await b.server.exited, null)

  // The nodes that were not killed answered everything they were sent.
  signupStatuses.forEach((status, i) => {
    if (i % 3 !== 1)
      assert.equal(status, 200, `signup ${i} on ${(nodes[i % 3] as ClusterNode).name}`)
  })
  updateStatuses.forEach((status, i) => {
    if (i % 3 !== 1) assert.equal(status, 200, `update ${i}`)
  })

  const client = new pg.Client({ connectionString: database.url })
  await client.connect()
  try {
    const users = await client.query<{ email_key: string; n: number }>(
      'select email_key, count(*)::int as n from users group by email_key',
    )
    const stored = new Map(users.rows.map((r) => [r.email_key, r.n]))
    for (const [key, n] of stored) assert.equal(n, 1, `${key} stored ${n} times`)
    signupStatuses.forEach((status, i) => {
      if (status === 200)
        assert.equal(stored.get(emails[i] ?? ''), 1, `${emails[i]} was acknowledged`)
    })
    const versions = await client.query<{ script: string }>(
      'select script from hook_versions where hook_id = $1',
      [hookId],
    )
    const savedScripts = new Set(versions.rows.map((r) => r.script))
    updateStatuses.forEach((status, i) => {
      if (status === 200)
        assert.ok(savedScripts.has(scripts[i] ?? ''), `update ${i} was acknowledged`)
    })
  } finally {
    await client.end()
  }

  // The others keep serving; the killed node starts again and serves.
  assert.equal((await signup(a, 'after-a@example.com')).status, 200)
  assert.equal((await signup(c, 'after-c@example.com')).status, 200)
  await b.restart()
  assert.equal((await signup(b, 'after-b@example.com')).status, 200)
  assert.equal((await fetch(`${b.url}/readyz`)).status, 200)
  const read = await callApi(b, token, 'GET', `/api/v2/hooks/${hookId}`)
  assert.equal(read.status, 200)
})
