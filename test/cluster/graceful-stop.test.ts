// A node on PostgreSQL stopped with SIGTERM while it holds requests (issue 20, "Faults"): it
// finishes every one of them, writes their tenant log events, and exits 0. The requests are token
// exchanges whose hook awaits a loopback server of the test (the gate); the gate answers only
// after the node has said it is stopping, so the order holds whatever the machine's speed.
import assert from 'node:assert/strict'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import pg from 'pg'
import { CLUSTER_ISSUER, clusterEnv, startNodes, type ClusterNode } from '../helpers/cluster.js'
import { createTestDatabase, postgresUnavailable } from '../helpers/postgres.js'

const unavailable = postgresUnavailable()
/** Exchanges in flight at the SIGTERM: fewer than the point's concurrent calls (8 by default). */
const IN_FLIGHT = 6
const CLAIM = 'https://example.test/gate'
/** Longest wait for the node's requests or log lines: for a node that misbehaves, not a slow machine. */
const WAIT_MS = 60_000

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${WAIT_MS} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

function claimOf(accessToken: unknown): unknown {
  const payload = String(accessToken).split('.')[1] ?? ''
  return (
    JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
  )[CLAIM]
}

test(
  'a node on PostgreSQL stopped with SIGTERM finishes the requests it holds and exits 0',
  { skip: unavailable },
  async (t) => {
    // The gate holds every request of the hook until it is opened.
    const held: ServerResponse[] = []
    let open = false
    const gate = createServer((req, res) => {
      req.resume()
      if (open) res.end('opened')
      else held.push(res)
    })
    await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve))
    t.after(() => {
      for (const res of held) res.destroy()
      gate.close()
    })
    const gateUrl = `http://127.0.0.1:${(gate.address() as AddressInfo).port}/`

    const database = await createTestDatabase()
    t.after(() => database.drop())
    const [node] = (await startNodes(
      t,
      clusterEnv(database.url, {
        extra: {
          OPENHOOKS_EGRESS_ALLOW: new URL(gateUrl).host,
          OPENHOOKS_RATE_LIMIT_ENABLED: 'false',
        },
      }),
      1,
    )) as [ClusterNode]

    const created = await node.api('POST', '/api/v2/hooks', {
      name: 'gated',
      triggerId: 'credentials-exchange',
      enabled: true,
      script: `module.exports = async function (client, scope, audience, context, cb) {
        const answer = await fetch('${gateUrl}')
        cb(null, { '${CLAIM}': await answer.text() })
      }`,
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const hookId = (created.body as { id: string }).id

    // Each exchange on its own connection; all of them wait in the hook, at the gate.
    const exchanges = Array.from({ length: IN_FLIGHT }, () => node.exchange())
    await until('every exchange at the gate', () => held.length === IN_FLIGHT)

    node.kill('SIGTERM')
    await until('server.stopping', () => node.server.stdout().includes('"event":"server.stopping"'))
    // The node is stopping and holds every exchange: they wait at the gate until now.
    open = true
    for (const res of held.splice(0)) res.end('opened')
    const results = await Promise.all(exchanges)
    for (const { status, body } of results) {
      assert.equal(status, 200, JSON.stringify(body))
      // The hook's answer sets the token's claims and no scope.
      assert.deepStrictEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'token_type'])
      assert.equal(body.token_type, 'Bearer')
      assert.equal(claimOf(body.access_token), 'opened')
    }
    assert.equal(await node.server.exited, 0, node.server.stdout() + node.server.stderr())

    // The tenant log events of the finished exchanges were written before the exit.
    const client = new pg.Client({ connectionString: database.url })
    await client.connect()
    try {
      const logged = await client.query<{ type: string; details: string }>(
        "select type, details from tenant_logs where hook_id = $1 and type <> 'sapi' order by seq",
        [hookId],
      )
      assert.deepStrictEqual(
        logged.rows.map((row) => row.type),
        Array.from({ length: IN_FLIGHT }, () => 'seccft'),
      )
      for (const row of logged.rows) {
        const details = JSON.parse(row.details) as { audience: string }
        assert.equal(details.audience, `${CLUSTER_ISSUER}api/v2/`)
      }
    } finally {
      await client.end()
    }
  },
)
