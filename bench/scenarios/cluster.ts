/**
 * The cluster scenario (issue 20, "Measure it"): the token endpoint (client credentials) with an
 * enabled `credentials-exchange` hook on one node over SQLite, one node over PostgreSQL, and two
 * nodes over the same PostgreSQL behind a round-robin client, alternating; the database round trips
 * of each warm exchange, from the nodes' own `openhooks_database_round_trips_total`; then the
 * Management API's list of 10,000 hooks, page by page, on both databases.
 *
 * Every node is a real `openhooks serve` process (bench/lib/serve-node.ts). PostgreSQL is a
 * throwaway server of Debian's `postgresql` (test/helpers/postgres.ts) started with its durable
 * defaults (`fsync`, `synchronous_commit` on), as SQLite runs with `synchronous=FULL`.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import pg from 'pg'
import { openPostgresStore } from '../../src/storage/sql/postgres.js'
import { DATABASE_FILE, openSqliteStore } from '../../src/storage/sql/sqlite.js'
import type { Store } from '../../src/storage/store.js'
import { postgresUnavailable, startPostgresCluster } from '../../test/helpers/postgres.js'
import { parsePrometheusText, sampleValue } from '../../test/helpers/prometheus-text.js'
import { TWO_CLAIMS_HOOK, numberedHook } from '../lib/hooks.js'
import { alternate, http, httpOk, mergeSlices, tokenSlice, type LoadSlice } from '../lib/load.js'
import type { AppEndpoint } from '../lib/processes.js'
import { byProfile, type Scenario } from '../lib/scenario.js'
import { clusterAdminToken, clusterNodeEnv } from '../lib/cluster-node-env.js'
import { startServeNode, type ServeNode } from '../lib/serve-node.js'
import { createHook, createMachineClient, tokenRequestBody } from '../lib/setup.js'
import { summarize, target, type VariantResult } from '../lib/stats.js'

const SETTINGS = {
  smoke: {
    connections: 2,
    warmup: { amount: 10 },
    slice: { amount: 20 },
    rounds: 1,
    hooks: 300,
    listPasses: 1,
  },
  quick: {
    connections: 8,
    warmup: { durationS: 1 },
    slice: { durationS: 2 },
    rounds: 3,
    hooks: 10_000,
    listPasses: 1,
  },
  full: {
    connections: 8,
    warmup: { durationS: 3 },
    slice: { durationS: 5 },
    rounds: 6,
    hooks: 10_000,
    listPasses: 2,
  },
} as const

/** Page size of the list (Auth0's default `per_page`). */
export const LIST_PAGE_SIZE = 50
/** Hooks created at once on PostgreSQL while seeding (below the pool size). */
const SEED_CONCURRENCY = 8
/**
 * Pause after a slice before reading the nodes' counters, in milliseconds: the tenant log's last
 * batch (written at most 20 ms after its first event) and its change-bus notice are sent by then.
 */
const SETTLE_MS = 250
const ROUND_TRIPS = 'openhooks_database_round_trips_total'

const SQLITE = 'one node, SQLite'
const POSTGRES = 'one node, PostgreSQL'
const TWO_NODES = 'two nodes, PostgreSQL, round-robin'
const VARIANTS = [SQLITE, POSTGRES, TWO_NODES] as const
type Variant = (typeof VARIANTS)[number]

interface Node extends AppEndpoint {
  readonly backend: 'sqlite' | 'postgresql'
}

/** The node's round-trip counter, from its `/metrics`. */
async function roundTrips(node: Node): Promise<number> {
  const answer = await http(node.url, 'GET', '/metrics', { token: node.token })
  if (answer.status !== 200) throw new Error(`/metrics answered ${String(answer.status)}`)
  return sampleValue(parsePrometheusText(String(answer.body)), ROUND_TRIPS, {
    backend: node.backend,
  })
}

/**
 * Bytes the PostgreSQL server sent and received so far on its open connections, from the kernel's
 * TCP counters (`ss -ti`); undefined where `ss` is missing. Connections closed meanwhile drop out
 * of the sum, so only differences over a slice in which the pools stay open mean anything.
 */
function postgresBytes(port: number): { sent: number; received: number } | undefined {
  let text: string
  try {
    text = execFileSync('ss', ['-tinH', 'state', 'established', `( sport = :${String(port)} )`], {
      encoding: 'utf8',
    })
  } catch {
    return undefined
  }
  const sum = (field: string): number =>
    [...text.matchAll(new RegExp(`\\b${field}:(\\d+)`, 'g'))].reduce(
      (total, match) => total + Number(match[1]),
      0,
    )
  return { sent: sum('bytes_sent'), received: sum('bytes_received') }
}

/** One slice spread over the nodes: each gets an equal share of the connections. */
async function sliceOver(
  nodes: readonly Node[],
  body: string,
  connections: number,
  load: { durationS?: number; amount?: number },
): Promise<LoadSlice> {
  const share = Math.max(1, Math.floor(connections / nodes.length))
  const slices = await Promise.all(
    nodes.map((node) =>
      tokenSlice({
        url: node.url,
        body,
        connections: share,
        ...(load.amount !== undefined ? { amount: Math.ceil(load.amount / nodes.length) } : load),
      }),
    ),
  )
  const unexpected: Record<string, number> = {}
  for (const slice of slices) {
    for (const [key, n] of Object.entries(slice.unexpected))
      unexpected[key] = (unexpected[key] ?? 0) + n
  }
  return {
    samples: slices.flatMap((s) => s.samples),
    errors: slices.reduce((sum, s) => sum + s.errors, 0),
    seconds: Math.max(...slices.map((s) => s.seconds)),
    unexpected,
  }
}

/** Creates `count` disabled hooks straight through a store. */
async function seedHooks(store: Store, count: number, concurrency: number): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      const result = await store.createHook({
        name: `listed-${String(i)}`,
        script: numberedHook(i),
        triggerId: 'credentials-exchange',
        enabled: false,
        dependencies: {},
      })
      if (!result.ok) throw new Error(`seeding hook ${String(i)}: ${result.reason}`)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}

/** Every page of the list, one at a time, `passes` times; the latency of each page. */
async function listPages(node: Node, hooks: number, passes: number): Promise<number[]> {
  const pages = Math.ceil(hooks / LIST_PAGE_SIZE)
  const page = async (n: number) => {
    const answer = await httpOk(
      node.url,
      'GET',
      `/api/v2/hooks?per_page=${String(LIST_PAGE_SIZE)}&page=${String(n)}&include_totals=true`,
      { token: node.token },
    )
    const body = answer.body as { hooks: unknown[]; total: number }
    if (
      body.total !== hooks ||
      body.hooks.length !== Math.min(LIST_PAGE_SIZE, hooks - n * LIST_PAGE_SIZE)
    ) {
      throw new Error(
        `page ${String(n)}: ${String(body.hooks.length)} hooks of ${String(body.total)}`,
      )
    }
    return answer.ms
  }
  // Warm-up over a tenth of the pages.
  for (let n = 0; n < Math.max(1, pages / 10); n++) await page(n)
  const samples: number[] = []
  for (let p = 0; p < passes; p++) {
    for (let n = 0; n < pages; n++) samples.push(await page(n))
  }
  return samples
}

export const clusterScenario: Scenario = {
  id: 'cluster',
  title: 'Cluster: token + hook on SQLite, on PostgreSQL, on two PostgreSQL nodes; round trips',
  async run({ profile, log }) {
    const unavailable = postgresUnavailable()
    if (unavailable !== undefined) throw new Error(unavailable)
    const s = byProfile(profile, SETTINGS)
    const postgres = await startPostgresCluster({ durable: true })
    const servers: ServeNode[] = []
    const stores: Store[] = []
    try {
      const admin = new pg.Client({ connectionString: postgres.url })
      await admin.connect()
      await admin.query('create database openhooks_bench')
      await admin.end()
      const databaseUrl = new URL(postgres.url)
      databaseUrl.pathname = '/openhooks_bench'
      const shared = clusterNodeEnv()
      const pgEnv = { ...shared, OPENHOOKS_DATABASE_URL: databaseUrl.href }
      log('cluster: starting PostgreSQL node A, then the SQLite node and node B')
      // A first: it migrates the empty database.
      servers.push(await startServeNode('pg-a', pgEnv))
      servers.push(
        ...(await Promise.all([startServeNode('sqlite', shared), startServeNode('pg-b', pgEnv)])),
      )
      const [pgA, sqliteServer, pgB] = servers as [ServeNode, ServeNode, ServeNode]
      const node = async (server: ServeNode, backend: Node['backend']): Promise<Node> => ({
        url: server.url,
        token: await clusterAdminToken(server.url),
        backend,
      })
      const sqlite = await node(sqliteServer, 'sqlite')
      const a = await node(pgA, 'postgresql')
      const b = await node(pgB, 'postgresql')
      const nodesOf: Record<Variant, Node[]> = {
        [SQLITE]: [sqlite],
        [POSTGRES]: [a],
        [TWO_NODES]: [a, b],
      }

      // Node B finds what A created in the shared database.
      const bodies = {} as Record<Variant, string>
      for (const setUp of [sqlite, a]) {
        const body = tokenRequestBody(await createMachineClient(setUp))
        await createHook(setUp, 'credentials-exchange', TWO_CLAIMS_HOOK)
        for (const variant of VARIANTS) if (nodesOf[variant][0] === setUp) bodies[variant] = body
      }

      log(`cluster: ${String(s.rounds)} rounds × ${String(VARIANTS.length)} variants`)
      const roundTripsOf: Record<Variant, number> = { [SQLITE]: 0, [POSTGRES]: 0, [TWO_NODES]: 0 }
      const exchangesOf: Record<Variant, number> = { [SQLITE]: 0, [POSTGRES]: 0, [TWO_NODES]: 0 }
      const postgresPort = Number(new URL(postgres.url).port)
      const bytesOf: Record<Variant, { sent: number; received: number }> = {
        [SQLITE]: { sent: 0, received: 0 },
        [POSTGRES]: { sent: 0, received: 0 },
        [TWO_NODES]: { sent: 0, received: 0 },
      }
      const slices = await alternate(VARIANTS, s.rounds, async (variant, warmup) => {
        const nodes = nodesOf[variant]
        const before = await Promise.all(nodes.map(roundTrips))
        const bytesBefore = postgresBytes(postgresPort)
        const slice = await sliceOver(
          nodes,
          bodies[variant],
          s.connections,
          warmup ? s.warmup : s.slice,
        )
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS))
        const after = await Promise.all(nodes.map(roundTrips))
        const bytesAfter = postgresBytes(postgresPort)
        if (!warmup) {
          if (bytesBefore !== undefined && bytesAfter !== undefined) {
            bytesOf[variant].sent += bytesAfter.sent - bytesBefore.sent
            bytesOf[variant].received += bytesAfter.received - bytesBefore.received
          }
          roundTripsOf[variant] += after.reduce((sum, n, i) => sum + n - (before[i] ?? 0), 0)
          exchangesOf[variant] += slice.samples.length + slice.errors
        }
        return slice
      })
      const perExchange = (variant: Variant) => roundTripsOf[variant] / exchangesOf[variant]
      const variants: VariantResult[] = VARIANTS.map((name) => ({
        name,
        ...mergeSlices(slices[name]),
      }))

      log(`cluster: seeding ${String(s.hooks)} hooks in each database`)
      const pgStore = await openPostgresStore({ connectionString: databaseUrl.href })
      stores.push(pgStore)
      // A connection of its own that does not wait for the disk: only the seeding is faster.
      const sqliteStore = await openSqliteStore({
        filename: join(sqliteServer.dataDir, DATABASE_FILE),
        synchronous: 'normal',
      })
      stores.push(sqliteStore)
      await seedHooks(pgStore, s.hooks, SEED_CONCURRENCY)
      await seedHooks(sqliteStore, s.hooks, 1)
      // Plus the one hook of the token variants.
      const listed = s.hooks + 1
      log('cluster: listing')
      const listPg = await listPages(a, listed, s.listPasses)
      const listSqlite = await listPages(sqlite, listed, s.listPasses)
      const pageLabel = `list, page of ${String(LIST_PAGE_SIZE)} of ${listed.toLocaleString('en-US')} hooks`
      variants.push(
        { name: `${pageLabel}, PostgreSQL`, samples: listPg, errors: 0 },
        { name: `${pageLabel}, SQLite`, samples: listSqlite, errors: 0 },
      )

      const rate = (variant: Variant) =>
        variants.find((v) => v.name === variant)?.perSecond ?? Number.NaN
      const p50 = (variant: Variant) =>
        summarize(variants.find((v) => v.name === variant)?.samples ?? []).p50
      return {
        id: 'cluster',
        title: this.title,
        unit: 'one token request over HTTP (the last two rows: one page of the hook list)',
        variants,
        ratios: [
          { label: 'req/s, one node: PostgreSQL / SQLite', value: rate(POSTGRES) / rate(SQLITE) },
          { label: 'req/s, two PostgreSQL nodes / one', value: rate(TWO_NODES) / rate(POSTGRES) },
          { label: 'p50, one node: PostgreSQL / SQLite', value: p50(POSTGRES) / p50(SQLITE) },
        ],
        targets: [
          target(
            'token + hook, one node: PostgreSQL ≥ 0.8× SQLite (req/s)',
            rate(POSTGRES) / rate(SQLITE),
            '>=',
            0.8,
            '×',
          ),
          target(
            'database round trips per warm exchange on PostgreSQL, tenant log included, ≤ 3',
            perExchange(POSTGRES),
            '<=',
            3,
            '',
          ),
          target(
            `list of ${listed.toLocaleString('en-US')} hooks on PostgreSQL, p50 per page of ${String(LIST_PAGE_SIZE)} ≤ 10 ms`,
            summarize(listPg).p50,
            '<=',
            10,
            'ms',
          ),
        ],
        notes: [
          `Bytes per exchange on PostgreSQL's connections (kernel TCP counters of the server's sockets, \`ss -ti\`, over the measured slices; the scrapes of /metrics are over HTTP, not counted): ${([POSTGRES, TWO_NODES] as const).map((v) => `${v}: ${(bytesOf[v].received / exchangesOf[v]).toFixed(0)} B to the server, ${(bytesOf[v].sent / exchangesOf[v]).toFixed(0)} B from it`).join('; ')}.`,
          `Database round trips per exchange (statements sent / exchanges answered): ${VARIANTS.map((v) => `${v} ${perExchange(v).toFixed(2)} (${String(roundTripsOf[v])} / ${String(exchangesOf[v])})`).join('; ')}.`,
          `${String(s.connections)} connections (two nodes: half on each); ${String(s.rounds)} alternating rounds after a warm-up; every node a real \`openhooks serve\` (from source, one sandbox worker for the token hook and one for the rest, metrics on, rate limit off).`,
          'PostgreSQL runs on the same machine with its durable defaults (fsync and synchronous_commit on); SQLite with synchronous=FULL (the default).',
          "Round trips per exchange: the increase of openhooks_database_round_trips_total on the nodes of the variant over each measured slice (read 250 ms after it, so that the slice's last tenant-log batch is in), divided by the exchanges answered in it. The tenant log is written by group commit: each batch is one INSERT on PostgreSQL (a transaction of three statements on SQLite) and one NOTIFY of the change bus, shared by the exchanges of the batch; the bus's probe (one every 10 s per node) is included.",
          `List: every page in order, one request at a time, ${String(s.listPasses)} pass(es) after a warm-up over a tenth of the pages; the hooks were created straight through the store.`,
        ],
      }
    } finally {
      for (const store of stores) await store.close()
      await Promise.all(servers.map((server) => server.stop()))
      await postgres.stop()
    }
  },
}
