// Three real serve nodes on one real PostgreSQL database (issue 20): concurrent enables spread over
// the nodes leave exactly one hook of the point enabled, one client's token bucket is shared by
// every node (and the X-RateLimit-* headers agree with it), a dashboard session made on one node
// works on the others, and every node serves the same JWKS.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  CLUSTER_OPERATOR,
  adminToken,
  callApi,
  clusterEnv,
  startNodes,
  type ClusterNode,
} from '../helpers/cluster.js'
import { createTestDatabase, postgresUnavailable } from '../helpers/postgres.js'

const unavailable = postgresUnavailable()

/** Bucket size: room for the setup requests of the admin client (hooks, enables, reads). */
const BURST = 400
/** The smallest refill rate the configuration takes, in requests per second. */
const PER_SECOND = 1
const HOOKS = 20
const ENABLES = 200
/** Requests of the rate-limit test: well beyond one bucket. */
const HAMMER_REQUESTS = 600
const HAMMER_BATCH = 30

const SCRIPT = 'module.exports = function (client, scope, audience, context, cb) { cb(null, {}) }'

test('three nodes on one PostgreSQL database share state', { skip: unavailable }, async (t) => {
  const database = await createTestDatabase()
  t.after(() => database.drop())
  const nodes = await startNodes(
    t,
    clusterEnv(database.url, {
      extra: {
        OPENHOOKS_RATE_LIMIT_BURST: String(BURST),
        OPENHOOKS_RATE_LIMIT_PER_SECOND: String(PER_SECOND),
        // Correctness under 200 parallel requests, not speed: a busy machine must not time out.
        OPENHOOKS_DATABASE_STATEMENT_TIMEOUT_MS: '60000',
      },
    }),
    3,
  )
  const nodeOf = (i: number): ClusterNode => nodes[i % nodes.length] as ClusterNode
  const token = await adminToken(nodeOf(0))

  await t.test('every node serves the same JWKS', async () => {
    const sets = await Promise.all(
      nodes.map(async (node) => {
        const res = await fetch(`${node.url}/.well-known/jwks.json`)
        assert.equal(res.status, 200)
        return (await res.json()) as { keys: unknown[] }
      }),
    )
    assert.equal(sets[0]?.keys.length, 1)
    for (const set of sets) assert.deepStrictEqual(set, sets[0])
  })

  await t.test('200 parallel enables spread over the nodes leave exactly one enabled', async () => {
    const ids: string[] = []
    for (let i = 0; i < HOOKS; i += 1) {
      const created = await callApi(nodeOf(i), token, 'POST', '/api/v2/hooks', {
        name: `enable-race-${i}`,
        script: SCRIPT,
        triggerId: 'credentials-exchange',
        enabled: false,
      })
      assert.equal(created.status, 201, JSON.stringify(created.body))
      ids.push((created.body as { id: string }).id)
    }
    const results = await Promise.all(
      Array.from({ length: ENABLES }, (_, i) =>
        callApi(nodeOf(i), token, 'PATCH', `/api/v2/hooks/${ids[i % HOOKS] ?? ''}`, {
          enabled: true,
        }),
      ),
    )
    assert.deepStrictEqual(
      results.map((r) => r.status),
      results.map(() => 200),
    )
    for (const node of nodes) {
      const listed = await callApi(
        node,
        token,
        'GET',
        '/api/v2/hooks?triggerId=credentials-exchange&enabled=true',
      )
      assert.equal(listed.status, 200)
      assert.equal((listed.body as unknown[]).length, 1)
    }
  })

  await t.test('one bucket per client across nodes, and the headers agree', async () => {
    // Requests without a token draw from their address's bucket, one for the whole cluster.
    const hit = (node: ClusterNode) => fetch(`${node.url}/api/v2/hooks`)
    const first = await Promise.all(nodes.map((node) => hit(node)))
    // In order A, B, C: one shared bucket counts down (plus what the refill gave meanwhile).
    const startedMs = Date.now()
    const remaining = first.map((res) => Number(res.headers.get('x-ratelimit-remaining')))
    for (const res of first) {
      assert.equal(res.status, 401)
      assert.equal(res.headers.get('x-ratelimit-limit'), String(BURST))
    }
    assert.equal(new Set(remaining).size, 3, `remaining: ${remaining.join(', ')}`)
    assert.deepStrictEqual(
      [...remaining].sort((a, b) => b - a),
      [BURST - 1, BURST - 2, BURST - 3],
    )

    let passed = first.length
    let limited = 0
    for (let sent = 0; sent < HAMMER_REQUESTS; sent += HAMMER_BATCH) {
      const batch = await Promise.all(
        Array.from({ length: HAMMER_BATCH }, (_, i) => hit(nodeOf(sent + i))),
      )
      for (const res of batch) {
        if (res.status === 429) {
          limited += 1
          assert.equal(res.headers.get('x-ratelimit-remaining'), '0')
          assert.equal(res.headers.get('x-ratelimit-limit'), String(BURST))
          assert.deepStrictEqual(await res.json(), {
            statusCode: 429,
            error: 'Too Many Requests',
            message: 'Global limit has been reached',
            errorCode: 'too_many_requests',
          })
        } else {
          assert.equal(res.status, 401)
          passed += 1
          await res.arrayBuffer()
        }
      }
    }
    const elapsedS = (Date.now() - startedMs) / 1000
    // One node's burst plus the refill over the period, one extra request per node tolerated.
    const allowed = BURST + Math.ceil(elapsedS * PER_SECOND) + nodes.length
    assert.ok(passed <= allowed, `${passed} requests passed, at most ${allowed} allowed`)
    assert.ok(passed >= BURST, `${passed} requests passed, a burst is ${BURST}`)
    assert.ok(limited > 0)
  })

  await t.test('a dashboard session made on A works on B and C, and ends everywhere', async () => {
    const [a, b, c] = nodes as [ClusterNode, ClusterNode, ClusterNode]
    const dashboard = (
      node: ClusterNode,
      method: string,
      path: string,
      cookie?: string,
      body?: unknown,
    ) =>
      fetch(`${node.url}/_dashboard${path}`, {
        method,
        headers: {
          'x-openhooks-csrf': '1',
          ...(cookie !== undefined ? { cookie } : undefined),
          ...(body !== undefined ? { 'content-type': 'application/json' } : undefined),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : undefined),
      })
    const signIn = await dashboard(a, 'POST', '/session', undefined, {
      email: CLUSTER_OPERATOR.email,
      password: CLUSTER_OPERATOR.password,
    })
    assert.equal(signIn.status, 200)
    const setCookie = signIn.headers.get('set-cookie') ?? ''
    assert.match(
      setCookie,
      /^openhooks_session=[^;]+; Path=\/_dashboard; Max-Age=\d+; HttpOnly; SameSite=Strict; Secure$/,
    )
    const cookie = setCookie.split(';')[0] ?? ''
    for (const node of [b, c]) {
      const who = await dashboard(node, 'GET', '/session', cookie)
      assert.equal(who.status, 200, node.name)
      assert.equal(((await who.json()) as { email: string }).email, CLUSTER_OPERATOR.email)
      const minted = await dashboard(node, 'POST', '/token', cookie)
      assert.equal(minted.status, 200, node.name)
      const { access_token } = (await minted.json()) as { access_token: string }
      const read = await callApi(a, access_token, 'GET', '/api/v2/hooks?per_page=1')
      assert.equal(read.status, 200)
    }
    // CSRF rules unchanged on every node.
    const noMarker = await fetch(`${c.url}/_dashboard/token`, {
      method: 'POST',
      headers: { cookie },
    })
    assert.equal(noMarker.status, 403)
    assert.equal((await dashboard(b, 'DELETE', '/session', cookie)).status, 204)
    for (const node of nodes) {
      assert.equal((await dashboard(node, 'GET', '/session', cookie)).status, 401, node.name)
    }
  })
})
