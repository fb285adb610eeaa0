/**
 * The token endpoint against its peer (issue 23): panva's `oidc-provider` (no hooks at all) and
 * openhooks with no hook, with a trivial `credentials-exchange` hook, and with a hook that awaits
 * one loopback `fetch`. Client credentials, RS256 JWT access tokens, one form-encoded request
 * body per server. Each round runs every variant at 10 connections, then every variant at one
 * connection, in turn; the figures are medians over the rounds: requests per second, CPU per
 * token (the server's process and its sandbox workers, from /proc), SQL statements per token
 * (bench/lib/statement-counter.ts) and p50 at one connection.
 *
 * `BENCH_TOKEN_PEER_POSTGRES=1` adds the three openhooks variants again with their store on
 * PostgreSQL (a throwaway local cluster, as the PostgreSQL tests start one), in the same rounds:
 * there every statement is a round trip.
 */
import pg from 'pg'
import { loadSlice, REQUEST_TIMEOUT_MS, type LoadSlice } from '../lib/load.js'
import { totalCpuMs } from '../lib/process-cpu.js'
import { TWO_CLAIMS_HOOK } from '../lib/hooks.js'
import {
  startAppServer,
  startFetchTargetServer,
  startOidcProviderServer,
  type AppServer,
  type AppSpec,
} from '../lib/processes.js'
import { startPostgresCluster, type PostgresCluster } from '../../test/helpers/postgres.js'
import { byProfile, type Scenario } from '../lib/scenario.js'
import { BENCH_AUDIENCE, createHook, createMachineClient, tokenRequestForm } from '../lib/setup.js'
import { summarize, target, type VariantResult } from '../lib/stats.js'

/** Concurrent connections of the throughput slices (the setting). */
export const PEER_CONNECTIONS = 10

const SETTINGS = {
  smoke: { warmup: { amount: 10 }, slice: { amount: 20 }, single: { amount: 10 }, rounds: 1 },
  quick: {
    warmup: { durationS: 1 },
    slice: { durationS: 2 },
    single: { durationS: 1 },
    rounds: 3,
  },
  full: {
    warmup: { durationS: 3 },
    slice: { durationS: 5 },
    single: { durationS: 3 },
    rounds: 3,
  },
} as const

export const PEER_VARIANTS = [
  'oidc-provider',
  'openhooks, no hook',
  'openhooks, trivial hook',
  'openhooks, fetch hook',
] as const
/** The openhooks variants again, their store on PostgreSQL (`BENCH_TOKEN_PEER_POSTGRES=1`). */
export const POSTGRES_VARIANTS = [
  'openhooks on PostgreSQL, no hook',
  'openhooks on PostgreSQL, trivial hook',
  'openhooks on PostgreSQL, fetch hook',
] as const
type Variant = (typeof PEER_VARIANTS)[number] | (typeof POSTGRES_VARIANTS)[number]

/** What the fetch hook's upstream answers. */
const FETCH_BODY = JSON.stringify({ plan: 'full' })

/** A credentials-exchange hook that awaits one fetch and adds a claim from its answer. */
export function fetchHook(url: string): string {
  return `module.exports = async function (client, scope, audience, context, cb) {
  const answer = await fetch('${url}')
  const body = await answer.json()
  cb(null, { scope: scope, 'https://example.com/plan': body.plan })
}`
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

interface Figures {
  readonly perSecond: number
  readonly cpuPerTokenMs: number
  readonly statementsPerToken: number
  readonly p50At1: number
}

/** The name of an app's database on the bench's PostgreSQL cluster. */
function databaseName(app: string): string {
  return `openhooks_bench_${app.replace(/[^a-z0-9]+/g, '_')}`
}

function databaseUrl(clusterUrl: string, app: string): string {
  const url = new URL(clusterUrl)
  url.pathname = `/${databaseName(app)}`
  return url.href
}

async function createDatabase(clusterUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: clusterUrl })
  await client.connect()
  try {
    await client.query(`create database ${name}`)
  } finally {
    await client.end()
  }
}

interface Target {
  readonly url: string
  readonly path: string
  readonly body: string
  /** The processes whose CPU a token costs: the server and its sandbox workers. */
  readonly pids: () => Promise<number[]>
  /** The openhooks server process of the variant (none for oidc-provider). */
  readonly server?: AppServer
}

interface Measured extends LoadSlice {
  /** CPU of the server's processes during the slice, in ms. */
  readonly cpuMs: number
  /** SQL statements the openhooks server sent during the slice (0 for oidc-provider). */
  readonly statements: number
}

async function checkToken(variant: Variant, t: Target): Promise<void> {
  const res = await fetch(new URL(t.path, t.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: t.body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  })
  const body = (await res.json()) as { access_token?: string }
  const [header = '', payload = ''] = (body.access_token ?? '').split('.')
  const alg = (JSON.parse(Buffer.from(header, 'base64url').toString() || '{}') as { alg?: string })
    .alg
  const aud = (JSON.parse(Buffer.from(payload, 'base64url').toString() || '{}') as { aud?: string })
    .aud
  if (res.status !== 200 || alg !== 'RS256' || aud !== BENCH_AUDIENCE) {
    throw new Error(
      `${variant} did not answer an RS256 JWT for ${BENCH_AUDIENCE}: ${JSON.stringify(body)}`,
    )
  }
}

async function workerPids(server: AppServer, app: string): Promise<number[]> {
  const stats = await server.stats(app)
  return stats.workers.map((w) => w.pid)
}

export const tokenPeerScenario: Scenario = {
  id: 'token-peer',
  title: 'Token endpoint against oidc-provider: no hook, trivial hook, fetch hook',
  async run({ profile, log }) {
    const settings = byProfile(profile, SETTINGS)
    const withPostgres = process.env.BENCH_TOKEN_PEER_POSTGRES === '1'
    const variantsRun: readonly Variant[] = withPostgres
      ? [...PEER_VARIANTS, ...POSTGRES_VARIANTS]
      : PEER_VARIANTS
    const upstream = await startFetchTargetServer(FETCH_BODY)
    const peer = await startOidcProviderServer()
    const appSpecs = (prefix: string, postgresUrl?: string): AppSpec[] =>
      [
        { name: `${prefix}no hook`, runner: 'none' as const },
        { name: `${prefix}trivial hook`, runner: 'sandbox' as const },
        {
          name: `${prefix}fetch hook`,
          runner: 'sandbox' as const,
          env: { OPENHOOKS_EGRESS_ALLOW: `127.0.0.1:${String(upstream.port)}` },
        },
      ].map((spec) =>
        postgresUrl === undefined
          ? spec
          : { ...spec, postgresUrl: databaseUrl(postgresUrl, spec.name) },
      )
    let server: AppServer | undefined
    let postgres: PostgresCluster | undefined
    /** The PostgreSQL apps run in a server process of their own (and start in its own time). */
    let pgServer: AppServer | undefined
    try {
      server = await startAppServer(appSpecs(''))
      if (withPostgres) {
        postgres = await startPostgresCluster()
        for (const spec of appSpecs('pg ', postgres.url)) {
          await createDatabase(postgres.url, databaseName(spec.name))
        }
        pgServer = await startAppServer(appSpecs('pg ', postgres.url))
      }
      const targets = {} as Record<Variant, Target>
      targets['oidc-provider'] = {
        url: peer.url,
        path: '/token',
        body: peer.body,
        pids: () => Promise.resolve([peer.pid]),
      }
      const openhooksVariants: [Variant, string, string | undefined][] = [
        ['openhooks, no hook', 'no hook', undefined],
        ['openhooks, trivial hook', 'trivial hook', TWO_CLAIMS_HOOK],
        ['openhooks, fetch hook', 'fetch hook', fetchHook(upstream.url)],
      ]
      if (withPostgres) {
        openhooksVariants.push(
          ['openhooks on PostgreSQL, no hook', 'pg no hook', undefined],
          ['openhooks on PostgreSQL, trivial hook', 'pg trivial hook', TWO_CLAIMS_HOOK],
          ['openhooks on PostgreSQL, fetch hook', 'pg fetch hook', fetchHook(upstream.url)],
        )
      }
      for (const [variant, app, script] of openhooksVariants) {
        const owner = app.startsWith('pg ') ? pgServer : server
        if (owner === undefined) throw new Error(`no server for ${app}`)
        const endpoint = owner.apps[app]
        if (endpoint === undefined) throw new Error(`no app ${app}`)
        const client = await createMachineClient(endpoint)
        if (script !== undefined) await createHook(endpoint, 'credentials-exchange', script)
        targets[variant] = {
          url: endpoint.url,
          path: '/oauth/token',
          body: tokenRequestForm(client),
          server: owner,
          pids: async () => [owner.pid, ...(await workerPids(owner, app))],
        }
      }

      // Each server answers an RS256 JWT access token for the API before anything is measured.
      for (const variant of variantsRun) await checkToken(variant, targets[variant])

      const measure = async (
        variant: Variant,
        connections: number,
        amount: { durationS: number } | { amount: number },
      ): Promise<Measured> => {
        const t = targets[variant]
        const pids = await t.pids()
        const statementsBefore = await t.server?.dbStatements()
        const cpuBefore = totalCpuMs(pids)
        const slice = await loadSlice({
          url: t.url,
          method: 'POST',
          path: t.path,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: t.body,
          connections,
          expectStatus: 200,
          ...amount,
        })
        const cpuMs = totalCpuMs(pids) - cpuBefore
        const after = await t.server?.dbStatements()
        const statements =
          statementsBefore === undefined || after === undefined
            ? 0
            : after.sqlite - statementsBefore.sqlite + (after.postgres - statementsBefore.postgres)
        return { ...slice, cpuMs, statements }
      }

      log(
        `token-peer: ${String(settings.rounds)} rounds × ${String(variantsRun.length)} variants, at ${String(PEER_CONNECTIONS)} connections and at 1`,
      )
      const loaded = Object.fromEntries(variantsRun.map((v) => [v, []])) as unknown as Record<
        Variant,
        Measured[]
      >
      const single = Object.fromEntries(variantsRun.map((v) => [v, []])) as unknown as Record<
        Variant,
        LoadSlice[]
      >
      // One round: every variant at 10 connections, then every variant at one; warm-up first.
      for (const variant of variantsRun) await measure(variant, PEER_CONNECTIONS, settings.warmup)
      for (let round = 0; round < settings.rounds; round++) {
        for (const variant of variantsRun) {
          loaded[variant].push(await measure(variant, PEER_CONNECTIONS, settings.slice))
        }
        for (const variant of variantsRun) {
          single[variant].push(await measure(variant, 1, settings.single))
        }
      }

      const figures = Object.fromEntries(
        variantsRun.map((variant) => {
          const rounds = loaded[variant]
          const perToken = (s: Measured, of: number) => of / Math.max(1, s.samples.length)
          const perSecond = median(rounds.map((s) => s.samples.length / s.seconds))
          const cpuPerTokenMs = median(rounds.map((s) => perToken(s, s.cpuMs)))
          const statementsPerToken = median(rounds.map((s) => perToken(s, s.statements)))
          const p50At1 = median(single[variant].map((s) => summarize(s.samples).p50))
          return [variant, { perSecond, cpuPerTokenMs, statementsPerToken, p50At1 }]
        }),
      ) as Record<Variant, Figures>

      const variants: VariantResult[] = variantsRun.flatMap((variant) => {
        const f = figures[variant]
        const all = (slices: readonly LoadSlice[]) => ({
          samples: slices.flatMap((s) => s.samples),
          errors: slices.reduce((sum, s) => sum + s.errors, 0),
        })
        const unexpected = (slices: readonly LoadSlice[]) => {
          const out: Record<string, number> = {}
          for (const s of slices) for (const [k, n] of Object.entries(s.unexpected)) out[k] = n
          return out
        }
        return [
          {
            name: `${variant}, ${String(PEER_CONNECTIONS)} connections`,
            ...all(loaded[variant]),
            perSecond: f.perSecond,
            extra: {
              cpuPerTokenMs: f.cpuPerTokenMs,
              ...(variant !== 'oidc-provider'
                ? { statementsPerToken: f.statementsPerToken }
                : undefined),
              ...unexpected(loaded[variant]),
            },
          },
          {
            name: `${variant}, 1 connection`,
            ...all(single[variant]),
            extra: { medianP50Ms: f.p50At1, ...unexpected(single[variant]) },
          },
        ]
      })

      const peerF = figures['oidc-provider']
      const none = figures['openhooks, no hook']
      const trivial = figures['openhooks, trivial hook']
      const fetched = figures['openhooks, fetch hook']
      const addedP50 = trivial.p50At1 - none.p50At1
      const pgNone = withPostgres ? figures['openhooks on PostgreSQL, no hook'] : undefined
      const pgTrivial = withPostgres ? figures['openhooks on PostgreSQL, trivial hook'] : undefined
      const pgFetched = withPostgres ? figures['openhooks on PostgreSQL, fetch hook'] : undefined
      const postgresRatios =
        pgNone === undefined || pgTrivial === undefined || pgFetched === undefined
          ? []
          : [
              {
                label: 'req/s, openhooks on PostgreSQL no hook / on SQLite',
                value: pgNone.perSecond / none.perSecond,
              },
              {
                label: 'req/s, on PostgreSQL trivial hook / no hook',
                value: pgTrivial.perSecond / pgNone.perSecond,
              },
              {
                label: 'req/s, on PostgreSQL fetch hook / no hook',
                value: pgFetched.perSecond / pgNone.perSecond,
              },
            ]
      return {
        id: 'token-peer',
        title: this.title,
        unit: 'one token request over HTTP',
        variants,
        ratios: [
          {
            label: 'req/s, openhooks no hook / oidc-provider',
            value: none.perSecond / peerF.perSecond,
          },
          {
            label: 'CPU per token, openhooks no hook / oidc-provider',
            value: none.cpuPerTokenMs / peerF.cpuPerTokenMs,
          },
          { label: 'req/s, trivial hook / no hook', value: trivial.perSecond / none.perSecond },
          { label: 'req/s, fetch hook / no hook', value: fetched.perSecond / none.perSecond },
          {
            label: 'p50 at 1 connection, no hook / oidc-provider',
            value: none.p50At1 / peerF.p50At1,
          },
          ...postgresRatios,
        ],
        targets: [
          target(
            'openhooks no hook ≥ 1.0× oidc-provider req/s',
            none.perSecond / peerF.perSecond,
            '>=',
            1,
            '×',
          ),
          target(
            'openhooks no hook CPU per token ≤ oidc-provider',
            none.cpuPerTokenMs / peerF.cpuPerTokenMs,
            '<=',
            1,
            '×',
          ),
          target(
            'trivial hook ≥ 0.85× no hook req/s',
            trivial.perSecond / none.perSecond,
            '>=',
            0.85,
            '×',
          ),
          target('trivial hook adds ≤ 0.2 ms to p50 at 1 connection', addedP50, '<=', 0.2, 'ms'),
          target(
            'fetch hook ≥ 0.7× no hook req/s',
            fetched.perSecond / none.perSecond,
            '>=',
            0.7,
            '×',
          ),
        ],
        notes: [
          `Medians of ${String(settings.rounds)} rounds; each round runs every variant at ${String(PEER_CONNECTIONS)} connections, then every variant at 1, in turn, after a warm-up.`,
          ...variantsRun.map((v) => {
            const f = figures[v]
            const statements =
              v === 'oidc-provider'
                ? ''
                : `, ${f.statementsPerToken.toFixed(2)} SQL statements per token`
            return `${v}: ${f.perSecond.toFixed(0)} req/s, CPU per token ${f.cpuPerTokenMs.toFixed(3)} ms${statements}, p50 at 1 connection ${f.p50At1.toFixed(3)} ms.`
          }),
          `The trivial hook adds ${addedP50.toFixed(3)} ms to the p50 at one connection.`,
          "CPU per token: the server's process and its sandbox workers (from /proc, 10 ms ticks), not the fetch hook's upstream nor the load generator (nor, on PostgreSQL, the database server).",
          'SQL statements per token: every statement the server process sent during the 10-connection slices (the batched tenant log insert included), over the tokens; on PostgreSQL each is one round trip.',
        ],
      }
    } finally {
      await pgServer?.close()
      await server?.close()
      await peer.close()
      await upstream.close()
      await postgres?.stop()
    }
  },
}
