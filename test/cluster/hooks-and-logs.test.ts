/**
 * Three real `openhooks serve` nodes on one real PostgreSQL database (issue 20, cluster tests 1
 * and 7, and hooks' dependencies): a hook change made on one node is used by the others at once,
 * a log stream on one node shows the events of the others, and a node that never saw a hook's
 * save runs its npm dependencies without the registry.
 *
 * The nodes cache the enabled hook for ten minutes (`OPENHOOKS_HOOK_CACHE_TTL_MS`), so only the
 * change bus can explain a node seeing a change made on another: the tests assert outcomes, not
 * speed (the propagation latency is measured by `npm run bench:propagation`).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { request, type IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { startCluster, type Cluster, type ClusterNode } from '../helpers/cluster.js'
import { postgresUnavailable } from '../helpers/postgres.js'
import { startFakeRegistry, type FakeRegistry } from '../dependencies/fake-registry.js'

const unavailable = postgresUnavailable()

/** Longest wait for one event on a stream: a deadline for a broken stream, not a speed bound. */
const EVENT_WAIT_MS = 30_000
/** A registry address where nothing listens (the discard port). */
const NO_REGISTRY = 'http://127.0.0.1:9/'
const CLAIM = 'https://example.test/ran'
/**
 * How long a stream's head must stay away while the tenant log is locked, in ms: the head of the
 * code before the fix came at once. Shorter than the nodes' statement timeout (5 s), after which
 * the stream's read of the log would fail.
 */
const HEAD_HOLD_MS = 1_000

function claimsOf(body: Record<string, unknown>): Record<string, unknown> {
  const token = body.access_token
  assert.equal(typeof token, 'string', JSON.stringify(body))
  const payload = (token as string).split('.')[1] ?? ''
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
}

/** The value of the test claim in a token issued by `node`, or undefined when no hook ran. */
async function claimOn(node: ClusterNode): Promise<unknown> {
  const { status, body } = await node.exchange()
  assert.equal(status, 200, JSON.stringify(body))
  return claimsOf(body)[CLAIM]
}

function scriptSetting(value: string): string {
  return `module.exports = function (client, scope, audience, context, cb) { cb(null, { '${CLAIM}': ${value} }) }`
}

/** Creates a credentials-exchange hook on `node`; resolves with its id. */
async function createHook(
  node: ClusterNode,
  settings: {
    readonly name: string
    readonly script: string
    readonly enabled: boolean
    readonly dependencies?: Record<string, string>
  },
): Promise<string> {
  const created = await node.api('POST', '/api/v2/hooks', {
    ...settings,
    triggerId: 'credentials-exchange',
  })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  return (created.body as { id: string }).id
}

interface LogStream {
  next(): Promise<{ id: string; data: Record<string, unknown> }>
  close(): void
}

/**
 * The nodes' server-log lines about the tenant log and its feed, and their warnings and errors:
 * what a stream that waited in vain needs explained.
 */
function feedDiagnostics(nodes: readonly ClusterNode[]): string {
  return nodes
    .map((node) => {
      const lines = node.server
        .stdout()
        .split('\n')
        .filter((line) => /tenant_log|"level":[456]0/.test(line))
        .slice(-20)
      return `node ${node.name}:\n${lines.join('\n')}`
    })
    .join('\n')
}

/** The hook's live log on `node`: its events of one kind (`log`, or `execution`). */
async function openStream(
  node: ClusterNode,
  hookId: string,
  kind: 'log' | 'execution' = 'log',
  diagnose: () => string = () => '',
): Promise<LogStream> {
  const token = await node.token()
  const url = new URL(`${node.url}/api/v2/hooks/${hookId}/logs/stream`)
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, { headers: { authorization: `Bearer ${token}` } })
    req.on('error', reject)
    req.on('response', resolve)
    req.end()
  })
  assert.equal(response.statusCode, 200)
  let buffer = ''
  const events: { id: string; data: Record<string, unknown> }[] = []
  const waiters: (() => void)[] = []
  let delivered = 0
  response.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8')
    let end: number
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      if (!block.split('\n').includes(`event: ${kind}`)) continue
      events.push({
        id: /^id: (.*)$/m.exec(block)?.[1] ?? '',
        data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? '{}') as Record<string, unknown>,
      })
      delivered++
      waiters.shift()?.()
    }
  })
  return {
    async next() {
      if (events.length === 0) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => {
            reject(
              new Error(
                `no event in time (${String(delivered)} delivered on this stream)\n${diagnose()}`,
              ),
            )
          }, EVENT_WAIT_MS)
          waiters.push(() => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
      const event = events.shift()
      assert.ok(event)
      return event
    },
    close: () => response.destroy(),
  }
}

describe('a cluster of three nodes on PostgreSQL', { skip: unavailable }, () => {
  let cluster: Cluster
  let registry: FakeRegistry
  let a: ClusterNode
  let b: ClusterNode
  let c: ClusterNode
  // npm's own cache is private to this suite: fake tarballs must not reach the user's cache.
  const npmCache = mkdtempSync(join(tmpdir(), 'openhooks-cluster-npm-'))

  before(async () => {
    registry = await startFakeRegistry([
      { name: 'shared-dep', version: '1.0.0', files: { 'index.js': 'exports.v = "1.0.0"' } },
      { name: 'shared-dep', version: '1.2.0', files: { 'index.js': 'exports.v = "1.2.0"' } },
    ])
    cluster = await startCluster({
      nodes: 3,
      env: {
        OPENHOOKS_HOOK_CACHE_TTL_MS: '600000',
        OPENHOOKS_DEPENDENCIES: 'npm',
        npm_config_cache: npmCache,
      },
      // Only A can reach the registry; B and C have never seen it.
      nodeEnv: [
        { OPENHOOKS_NPM_REGISTRY: registry.url },
        { OPENHOOKS_NPM_REGISTRY: NO_REGISTRY },
        { OPENHOOKS_NPM_REGISTRY: NO_REGISTRY },
      ],
    })
    ;[a, b, c] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode]
  })
  after(async () => {
    await cluster.stop()
    await registry.close()
    rmSync(npmCache, { recursive: true, force: true })
  })

  it('(1) a hook enabled, changed, given secrets, disabled and deleted on A is used so on B', async () => {
    const hookId = await createHook(a, {
      name: 'cluster-hook',
      script: scriptSetting("'v1'"),
      enabled: false,
    })
    // B has read (and cached for ten minutes) that no hook is enabled.
    assert.equal(await claimOn(b), undefined)

    assert.equal((await a.api('PATCH', `/api/v2/hooks/${hookId}`, { enabled: true })).status, 200)
    assert.equal(await claimOn(b), 'v1')

    const saved = await a.api('PATCH', `/api/v2/hooks/${hookId}`, {
      script: scriptSetting('context.webtask.secrets.COLOUR'),
    })
    assert.equal(saved.status, 200)
    assert.equal(await claimOn(b), undefined) // the new version runs: no such secret yet
    const secrets = await a.api('POST', `/api/v2/hooks/${hookId}/secrets`, { COLOUR: 'blue' })
    assert.equal(secrets.status, 201, JSON.stringify(secrets.body))
    assert.equal(await claimOn(b), 'blue')
    const changed = await a.api('PATCH', `/api/v2/hooks/${hookId}/secrets`, { COLOUR: 'green' })
    assert.equal(changed.status, 201, JSON.stringify(changed.body))
    assert.equal(await claimOn(b), 'green')
    assert.equal(await claimOn(c), 'green')

    assert.equal((await a.api('PATCH', `/api/v2/hooks/${hookId}`, { enabled: false })).status, 200)
    assert.equal(await claimOn(b), undefined)
    assert.equal((await a.api('PATCH', `/api/v2/hooks/${hookId}`, { enabled: true })).status, 200)
    assert.equal(await claimOn(b), 'green')
    assert.equal((await a.api('DELETE', `/api/v2/hooks/${hookId}`)).status, 204)
    assert.equal(await claimOn(b), undefined)
    assert.equal(await claimOn(c), undefined)
  })

  it('(7) a log stream on A shows the exchanges done on B and C, in order, none missing', async () => {
    const hookId = await createHook(a, {
      name: 'streamed-hook',
      script: scriptSetting("'streamed'"),
      enabled: true,
    })
    const stream = await openStream(a, hookId, 'log', () => feedDiagnostics(cluster.nodes))
    try {
      assert.equal(await claimOn(c), 'streamed')
      const first = await stream.next()
      assert.equal(first.data.type, 'seccft')
      assert.equal(first.data.hook_id, hookId)

      // Twelve more, at once, from both other nodes.
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => claimOn(i % 2 === 0 ? b : c)),
      )
      assert.deepStrictEqual(new Set(results), new Set(['streamed']))
      const seen = [first]
      for (let i = 0; i < 12; i++) seen.push(await stream.next())
      const ids = seen.map((e) => e.id)
      assert.deepStrictEqual(
        ids,
        [...ids].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)),
        'ids increase',
      )
      assert.equal(new Set(ids).size, 13)
      // Exactly the hook's events the database holds.
      const listed = await a.api('GET', `/api/v2/logs?per_page=100`)
      // The audit events of the hook's creation (`sapi`) were written before the stream opened.
      const stored = (listed.body as { log_id: string; hook_id?: string; type: string }[])
        .filter((log) => log.hook_id === hookId && log.type !== 'sapi' && log.type !== 'fapi')
        .map((log) => log.log_id)
      assert.deepStrictEqual(new Set(seen.map((e) => e.data.log_id)), new Set(stored))
    } finally {
      stream.close()
      await a.api('DELETE', `/api/v2/hooks/${hookId}`)
    }
  })

  it('a stream answers only once it is live: an event logged after its head reaches it', async () => {
    await b.token() // minted before the hook below, which would add its claim to it
    const hookId = await createHook(a, {
      name: 'head-hook',
      script: scriptSetting("'live'"),
      enabled: true,
    })
    // While the tenant log is locked, B cannot read where the log stands, so it cannot be live.
    const db = new pg.Client({ connectionString: cluster.database.url })
    await db.connect()
    try {
      await db.query('begin')
      await db.query('lock table tenant_logs in access exclusive mode')
      const opening = openStream(b, hookId, 'log')
      const early = await Promise.race([
        opening.then(() => 'answered'),
        delay(HEAD_HOLD_MS).then(() => 'waiting'),
      ])
      assert.equal(early, 'waiting', 'the head came before the stream knew where the log stood')
      await db.query('commit')
      const stream = await opening
      try {
        // The exchange starts only once the head is in: its event must reach the stream.
        assert.equal(await claimOn(c), 'live')
        const first = await stream.next()
        assert.equal(first.data.type, 'seccft')
        assert.equal(first.data.hook_id, hookId)
      } finally {
        stream.close()
      }
    } finally {
      await db.query('rollback').catch(() => undefined)
      await db.end()
      await a.api('DELETE', `/api/v2/hooks/${hookId}`)
    }
  })

  it("a hook's live log on A shows the execution on C, with its console output", async () => {
    const hookId = await createHook(a, {
      name: 'live-log-hook',
      script: `module.exports = function (client, scope, audience, context, cb) {
        console.log('ran on a node with secret ' + context.webtask.secrets.TOKEN)
        cb(null, { '${CLAIM}': 'live' })
      }`,
      enabled: true,
    })
    const secrets = await a.api('POST', `/api/v2/hooks/${hookId}/secrets`, {
      TOKEN: 's3cr3t-value',
    })
    assert.equal(secrets.status, 201, JSON.stringify(secrets.body))
    const stream = await openStream(a, hookId, 'execution')
    try {
      assert.equal(await claimOn(c), 'live')
      const { data } = await stream.next()
      assert.equal(data.hook_id, hookId)
      assert.equal(data.hook_name, 'live-log-hook')
      assert.equal(data.trigger_id, 'credentials-exchange')
      assert.equal(data.outcome, 'succeeded')
      assert.equal(typeof data.duration_ms, 'number')
      // The console line, with the secret's value removed as on one node.
      const logs = data.logs as { level: string; message: string }[]
      assert.equal(logs.length, 1, JSON.stringify(logs))
      const [line] = logs as [{ level: string; message: string }]
      assert.equal(line.level, 'log')
      assert.match(line.message, /^ran on a node with secret /)
      assert.doesNotMatch(JSON.stringify(data), /s3cr3t-value/)
      // And one from B after it: each execution once.
      assert.equal(await claimOn(b), 'live')
      const second = await stream.next()
      assert.notEqual(second.data.execution_id, data.execution_id)
    } finally {
      stream.close()
      await a.api('DELETE', `/api/v2/hooks/${hookId}`)
    }
  })

  it("runs a hook's npm dependencies on a node that never saw the save, without the registry", async () => {
    const hookId = await createHook(a, {
      name: 'dependent-hook',
      script: scriptSetting("require('shared-dep').v"),
      enabled: true,
      dependencies: { 'shared-dep': '^1.0.0' },
    })
    const asked = registry.requests.length
    assert.ok(asked > 0, 'A resolved the range against the registry')
    try {
      // B and C only know a registry address where nothing listens.
      assert.equal(await claimOn(b), '1.2.0')
      assert.equal(await claimOn(c), '1.2.0')
      assert.equal(registry.requests.length, asked)
    } finally {
      await a.api('DELETE', `/api/v2/hooks/${hookId}`)
    }
  })
})
