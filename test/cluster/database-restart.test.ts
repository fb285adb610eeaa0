// Real serve nodes on a PostgreSQL server of their own, which is stopped and started again under
// load (issue 20): while it is down, requests fail fast with a 503 in each API's own error shape
// and /readyz says so; no node exits; once it is back, every node serves again by itself.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  CLUSTER_ADMIN,
  CLUSTER_ISSUER,
  adminToken,
  clusterEnv,
  startNodes,
  type ClusterNode,
} from '../helpers/cluster.js'
import { postgresUnavailable, startPostgresCluster } from '../helpers/postgres.js'

const unavailable = postgresUnavailable()
/** How long the server stays down, in milliseconds. */
const DOWN_MS = 3_000
/** Deadline for every node to serve again once PostgreSQL is back: generous, a busy machine. */
const RECOVERY_DEADLINE_MS = 60_000
const PAUSE_MS = 50

type Probe = { status: number; body: unknown }

/**
 * One request; a request that got no answer at all (a refused or reset connection) is status 0
 * with its cause, so that the test reports it among the failures rather than as a rejection.
 */
async function probe(url: string, init?: RequestInit): Promise<Probe> {
  let res: Response
  try {
    res = await fetch(url, init)
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    return { status: 0, body: { network: cause?.code ?? cause?.message ?? String(error) } }
  }
  const text = await res.text()
  return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) }
}

test(
  'PostgreSQL restarting under load: 503s, no node exits, service comes back',
  { skip: unavailable },
  async (t) => {
    const server = await startPostgresCluster()
    t.after(() => server.stop())
    const nodes = await startNodes(
      t,
      clusterEnv(server.url, {
        extra: {
          OPENHOOKS_RATE_LIMIT_BURST: '100000',
          OPENHOOKS_DATABASE_STATEMENT_TIMEOUT_MS: '3000',
        },
      }),
      2,
    )
    const token = await adminToken(nodes[0] as ClusterNode)
    const requests = (node: ClusterNode) => ({
      hooks: () =>
        probe(`${node.url}/api/v2/hooks`, { headers: { authorization: `Bearer ${token}` } }),
      exchange: () =>
        probe(`${node.url}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            grant_type: 'client_credentials',
            client_id: CLUSTER_ADMIN.id,
            client_secret: CLUSTER_ADMIN.secret,
            audience: `${CLUSTER_ISSUER}api/v2/`,
          }),
        }),
      signup: (email: string) =>
        probe(`${node.url}/dbconnections/signup`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            client_id: CLUSTER_ADMIN.id,
            email,
            password: 'Correct-Horse-Battery-9',
            connection: 'Username-Password-Authentication',
          }),
        }),
      ready: () => probe(`${node.url}/readyz`),
    })

    // Load: every node, every kind of request, until told to stop.
    const failures: { kind: string; probe: Probe }[] = []
    let running = true
    let sent = 0
    const load = nodes.map(async (node) => {
      const call = requests(node)
      while (running) {
        sent += 1
        const results: [string, Probe][] = [
          ['hooks', await call.hooks()],
          ['exchange', await call.exchange()],
          ['signup', await call.signup(`load-${node.name}-${sent}@example.com`)],
        ]
        for (const [kind, result] of results) {
          if (result.status >= 300) failures.push({ kind, probe: result })
        }
        await new Promise((resolve) => setTimeout(resolve, PAUSE_MS))
      }
    })

    await server.restart(DOWN_MS)
    // Every node serves again by itself.
    const deadline = Date.now() + RECOVERY_DEADLINE_MS
    for (const node of nodes) {
      for (;;) {
        const [ready, hooks] = await Promise.all([requests(node).ready(), requests(node).hooks()])
        if (ready.status === 200 && hooks.status === 200) break
        assert.ok(Date.now() < deadline, `${node.name} did not recover: ${JSON.stringify(hooks)}`)
        await new Promise((resolve) => setTimeout(resolve, PAUSE_MS))
      }
    }
    running = false
    await Promise.all(load)

    for (const node of nodes) assert.equal(node.server.child.exitCode, null, node.name)
    // The load did meet the outage (a request every few milliseconds, for seconds).
    assert.ok(failures.length > 0)
    // What failed while the database was down failed with a 503 in its API's shape.
    for (const { kind, probe: failed } of failures) {
      assert.equal(failed.status, 503, `${kind}: ${JSON.stringify(failed.body)}`)
      const expected = {
        hooks: {
          statusCode: 503,
          error: 'Service Unavailable',
          message: 'The database is unavailable. Try again shortly.',
          errorCode: 'storage_unavailable',
        },
        exchange: {
          error: 'temporarily_unavailable',
          error_description: 'The database is unavailable. Try again shortly.',
        },
        signup: {
          name: 'ServiceUnavailableError',
          code: 'storage_unavailable',
          description: 'The database is unavailable. Try again shortly.',
          statusCode: 503,
        },
      }[kind]
      assert.deepStrictEqual(failed.body, expected, kind)
    }
  },
)

test(
  'while PostgreSQL is down: /readyz and the APIs answer 503 fast, /healthz says why',
  { skip: unavailable },
  async (t) => {
    const server = await startPostgresCluster()
    let stopped = false
    t.after(async () => {
      if (!stopped) await server.stop()
    })
    const [node] = (await startNodes(t, clusterEnv(server.url), 1)) as [ClusterNode]
    const token = await adminToken(node)
    assert.deepStrictEqual(await probe(`${node.url}/readyz`), {
      status: 200,
      body: { status: 'ready', checks: { database: 'ok', sandbox: 'ok' } },
    })
    await server.stop()
    stopped = true
    assert.deepStrictEqual(await probe(`${node.url}/readyz`), {
      status: 503,
      body: { status: 'unavailable', checks: { database: 'failed', sandbox: 'ok' } },
    })
    const res = await fetch(`${node.url}/api/v2/hooks`, {
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(res.status, 503)
    assert.equal(res.headers.get('retry-after'), '1')
    assert.deepStrictEqual(await res.json(), {
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'The database is unavailable. Try again shortly.',
      errorCode: 'storage_unavailable',
    })
    assert.equal(node.server.child.exitCode, null)
  },
)
