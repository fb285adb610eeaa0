/**
 * Three real `openhooks serve` nodes on one real PostgreSQL database (issue 20): the limits that
 * a client spreading its requests over the nodes must not multiply (signups per address, failed
 * dashboard sign-ins), and the token path's read cache (clients, grants), which every node drops
 * when another node changes a record.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  CLUSTER_ADMIN,
  CLUSTER_OPERATOR,
  startCluster,
  type Cluster,
  type ClusterNode,
} from '../helpers/cluster.js'
import { postgresUnavailable } from '../helpers/postgres.js'

const unavailable = postgresUnavailable()

/** Signups per address per minute, for the whole cluster. */
const SIGNUPS_PER_MINUTE = 6
/** Signups sent: well beyond the limit. */
const SIGNUPS_SENT = 30
/** Failed dashboard sign-ins per address (MAX_FAILED_SIGN_INS_PER_ADDRESS). */
const SIGN_INS_PER_ADDRESS = 5
const SIGN_INS_SENT = 18
/** Longest wait for a change on one node to be seen on another: a deadline, not a speed bound. */
const PROPAGATION_DEADLINE_MS = 20_000
const POLL_MS = 20
const API = 'https://api.example.test/'

/** Polls `probe` until it returns true or the deadline passes; returns the last outcome. */
async function eventually(probe: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + PROPAGATION_DEADLINE_MS
  for (;;) {
    if (await probe()) return true
    if (Date.now() > deadline) return false
    await sleep(POLL_MS)
  }
}

describe('three nodes share their limits and drop stale reads', { skip: unavailable }, () => {
  let cluster: Cluster
  let nodes: ClusterNode[]
  const nodeOf = (i: number): ClusterNode => nodes[i % nodes.length] as ClusterNode

  before(async () => {
    cluster = await startCluster({
      nodes: 3,
      env: { OPENHOOKS_SIGNUP_RATE_LIMIT_PER_MINUTE: String(SIGNUPS_PER_MINUTE) },
    })
    nodes = cluster.nodes
  })
  after(() => cluster.stop())

  it('signups from one address spread over the nodes get no more than the limit', async () => {
    const startedMs = Date.now()
    const statuses: number[] = []
    for (let i = 0; i < SIGNUPS_SENT; i += 3) {
      const batch = await Promise.all(
        [0, 1, 2].map(async (n) => {
          const res = await fetch(`${nodeOf(i + n).url}/dbconnections/signup`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              client_id: CLUSTER_ADMIN.id,
              email: `limited-${i + n}@example.test`,
              password: 'Correct-Horse-Battery-9',
              connection: 'Username-Password-Authentication',
            }),
          })
          const body = (await res.json()) as Record<string, unknown>
          if (res.status === 429) {
            assert.deepStrictEqual(body, {
              name: 'TooManyRequestsError',
              code: 'too_many_requests',
              description: `Too many signups from this IP address: at most ${SIGNUPS_PER_MINUTE} per minute`,
              statusCode: 429,
            })
          } else {
            assert.equal(res.status, 200, JSON.stringify(body))
          }
          return res.status
        }),
      )
      statuses.push(...batch)
    }
    const elapsedMin = (Date.now() - startedMs) / 60_000
    const accepted = statuses.filter((s) => s === 200).length
    // One bucket for the cluster, plus its refill over the period; one extra per node tolerated.
    const allowed = SIGNUPS_PER_MINUTE + Math.ceil(elapsedMin * SIGNUPS_PER_MINUTE) + nodes.length
    assert.ok(accepted >= SIGNUPS_PER_MINUTE, `${accepted} accepted`)
    assert.ok(accepted <= allowed, `${accepted} signups accepted, at most ${allowed} allowed`)
  })

  it('failed dashboard sign-ins spread over the nodes are counted once', async () => {
    const statuses: number[] = []
    for (let i = 0; i < SIGN_INS_SENT; i += 3) {
      const batch = await Promise.all(
        [0, 1, 2].map(async (n) => {
          const res = await fetch(`${nodeOf(i + n).url}/_dashboard/session`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-openhooks-csrf': '1' },
            body: JSON.stringify({ email: CLUSTER_OPERATOR.email, password: 'wrong-password' }),
          })
          await res.arrayBuffer()
          return res.status
        }),
      )
      statuses.push(...batch)
    }
    // A 401 had its password checked; a 429 was refused before. The count is atomic: exactly
    // the limit, however the attempts were spread.
    assert.equal(statuses.filter((s) => s === 401).length, SIGN_INS_PER_ADDRESS, statuses.join(','))
    assert.equal(statuses.filter((s) => s === 429).length, SIGN_INS_SENT - SIGN_INS_PER_ADDRESS)
    // The right password from the same address is refused too, on every node, until the window ends.
    for (const node of nodes) {
      const res = await fetch(`${node.url}/_dashboard/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-openhooks-csrf': '1' },
        body: JSON.stringify(CLUSTER_OPERATOR),
      })
      assert.equal(res.status, 429, node.name)
    }
  })

  it("a client's secret rotated or its grant revoked on A is refused on B", async () => {
    const [a, b, c] = nodes as [ClusterNode, ClusterNode, ClusterNode]
    const api = await a.api('POST', '/api/v2/resource-servers', {
      name: 'cluster api',
      identifier: API,
      scopes: [{ value: 'read:things', description: 'read' }],
    })
    assert.equal(api.status, 201, JSON.stringify(api.body))
    const created = await a.api('POST', '/api/v2/clients', {
      name: 'rotating worker',
      app_type: 'non_interactive',
      grant_types: ['client_credentials'],
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const { client_id: id, client_secret: oldSecret } = created.body as {
      client_id: string
      client_secret: string
    }
    const grant = await a.api('POST', '/api/v2/client-grants', {
      client_id: id,
      audience: API,
      scope: ['read:things'],
    })
    assert.equal(grant.status, 201, JSON.stringify(grant.body))
    const grantId = (grant.body as { id: string }).id
    // B and C read (and cache) the client, its grant and the API.
    for (const node of [b, c]) {
      const warm = await node.exchange(API, { id, secret: oldSecret })
      assert.equal(warm.status, 200, JSON.stringify(warm.body))
    }

    const rotated = await a.api('POST', `/api/v2/clients/${id}/rotate-secret`)
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body))
    const newSecret = (rotated.body as { client_secret: string }).client_secret
    assert.ok(
      await eventually(
        async () => (await b.exchange(API, { id, secret: oldSecret })).status === 401,
      ),
      'B refuses the old secret',
    )
    assert.deepStrictEqual(await b.exchange(API, { id, secret: oldSecret }), {
      status: 401,
      body: { error: 'access_denied', error_description: 'Unauthorized' },
    })
    assert.equal((await b.exchange(API, { id, secret: newSecret })).status, 200)
    assert.equal((await c.exchange(API, { id, secret: newSecret })).status, 200)

    assert.equal((await a.api('DELETE', `/api/v2/client-grants/${grantId}`)).status, 204)
    assert.ok(
      await eventually(
        async () => (await c.exchange(API, { id, secret: newSecret })).status === 403,
      ),
      'C refuses the revoked grant',
    )
    assert.deepStrictEqual(await c.exchange(API, { id, secret: newSecret }), {
      status: 403,
      body: {
        error: 'access_denied',
        error_description: `Client is not authorized to access "${API}". You need to create a "client-grant" associated to this API.`,
      },
    })
  })
})
