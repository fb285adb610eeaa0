/**
 * How fast a hook change made on one node is used by another (issue 20: within 100 ms at p99).
 * `npm run bench:propagation [-- rounds]` starts a throwaway PostgreSQL server (or uses
 * OPENHOOKS_TEST_DATABASE_URL) and two real `openhooks serve` nodes whose enabled-hook cache lives
 * ten minutes, so only the change bus can carry a change. It measures:
 *
 * - bus: from `publish` on one `PostgresChangeBus` to the listener of another (two connections);
 * - end to end: from the 2xx of `PATCH /api/v2/hooks/{id}` (a new script) on node A to the first
 *   token response of node B carrying the new script's claim, with B exchanging tokens back to
 *   back; this includes one exchange on B and the first run (compilation) of the new version;
 * - exchange: a warm token exchange on B alone, for comparison.
 */
import { loadavg } from 'node:os'
import { PostgresChangeBus } from '../src/storage/sql/postgres-changes.js'
import { startCluster, type ClusterNode } from '../test/helpers/cluster.js'
import { createTestDatabase } from '../test/helpers/postgres.js'

const ROUNDS = Number(process.argv[2] ?? 200)
const BUS_ROUNDS = 1_000
/** Pause between two rounds, in milliseconds, so that one round's work does not overlap the next. */
const ROUND_PAUSE_MS = 50
/** Longest one round may take before the benchmark gives up, in milliseconds. */
const ROUND_DEADLINE_MS = 30_000
const CLAIM = 'https://example.test/version'

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
}

function summary(name: string, samples: number[]): Record<string, number | string> {
  const sorted = [...samples].sort((a, b) => a - b)
  const round = (x: number) => Math.round(x * 100) / 100
  return {
    name,
    n: sorted.length,
    p50_ms: round(percentile(sorted, 50)),
    p99_ms: round(percentile(sorted, 99)),
    max_ms: round(sorted[sorted.length - 1] ?? Number.NaN),
  }
}

function script(version: number): string {
  return `module.exports = function (client, scope, audience, context, cb) { cb(null, { '${CLAIM}': ${version} }) }`
}

async function claimOn(node: ClusterNode): Promise<unknown> {
  const { status, body } = await node.exchange()
  if (status !== 200) throw new Error(`exchange: ${status} ${JSON.stringify(body)}`)
  const payload = String(body.access_token).split('.')[1] ?? ''
  return (
    JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
  )[CLAIM]
}

async function busLatency(): Promise<number[]> {
  const database = await createTestDatabase()
  const a = new PostgresChangeBus({ connectionString: database.url })
  const b = new PostgresChangeBus({ connectionString: database.url })
  await a.start()
  await b.start()
  const samples: number[] = []
  try {
    for (let i = 0; i < BUS_ROUNDS; i++) {
      const arrived = new Promise<number>((resolve) => {
        const stop = b.subscribe('bench', () => {
          stop()
          resolve(performance.now())
        })
      })
      const start = performance.now()
      a.publish({ kind: 'bench', id: String(i) })
      samples.push((await arrived) - start)
    }
  } finally {
    await a.close()
    await b.close()
    await database.drop()
  }
  return samples
}

async function endToEnd(): Promise<{ propagation: number[]; exchange: number[] }> {
  const cluster = await startCluster({
    nodes: 2,
    env: { OPENHOOKS_HOOK_CACHE_TTL_MS: '600000', OPENHOOKS_RATE_LIMIT_ENABLED: 'false' },
  })
  const [a, b] = cluster.nodes as [ClusterNode, ClusterNode]
  const propagation: number[] = []
  const exchange: number[] = []
  try {
    const created = await a.api('POST', '/api/v2/hooks', {
      name: 'propagation',
      script: script(0),
      triggerId: 'credentials-exchange',
      enabled: true,
    })
    if (created.status !== 201) throw new Error(`create: ${created.status}`)
    const hookId = (created.body as { id: string }).id
    while ((await claimOn(b)) !== 0) await new Promise((r) => setTimeout(r, ROUND_PAUSE_MS))
    for (let i = 0; i < 50; i++) {
      const start = performance.now()
      await claimOn(b)
      exchange.push(performance.now() - start)
    }
    for (let version = 1; version <= ROUNDS; version++) {
      const saved = await a.api('PATCH', `/api/v2/hooks/${hookId}`, { script: script(version) })
      const savedAt = performance.now()
      if (saved.status !== 200) throw new Error(`patch: ${saved.status}`)
      for (;;) {
        const seen = await claimOn(b)
        if (seen === version) break
        if (performance.now() - savedAt > ROUND_DEADLINE_MS) throw new Error('change never seen')
      }
      propagation.push(performance.now() - savedAt)
      await new Promise((r) => setTimeout(r, ROUND_PAUSE_MS))
    }
  } finally {
    await cluster.stop()
  }
  return { propagation, exchange }
}

const loadStart = loadavg()[0] ?? 0
const bus = await busLatency()
const { propagation, exchange } = await endToEnd()
const results = [
  summary('bus: publish on one connection → listener on another', bus),
  summary('end to end: PATCH 2xx on node A → token on node B with the new script', propagation),
  summary('warm token exchange on node B (for comparison)', exchange),
]
for (const row of results) console.log(JSON.stringify(row))
console.log(JSON.stringify({ load_average_start: loadStart, load_average_end: loadavg()[0] ?? 0 }))
process.exit(0)
