/**
 * `npm run bench:token-profile -- [none|trivial|fetch] [seconds] [connections]`: one openhooks app
 * of the token-peer scenario (bench/scenarios/token-peer.ts) under its load, alone, for profiling
 * the hook's path (issue 23; docs/performance.md). With `BENCH_CPU_PROF=DIR` the server process
 * and its sandbox workers write V8 CPU profiles there (`--cpu-prof`) when they exit. Prints
 * requests per second, CPU per token (server and workers, from /proc) and the p50, as one JSON line.
 */
import { loadavg } from 'node:os'
import { loadSlice } from './lib/load.js'
import { TWO_CLAIMS_HOOK } from './lib/hooks.js'
import { totalCpuMs } from './lib/process-cpu.js'
import { startPostgresCluster } from '../test/helpers/postgres.js'
import { startAppServer, startFetchTargetServer, type AppServer } from './lib/processes.js'
import { BENCH_AUDIENCE, createHook, createMachineClient } from './lib/setup.js'
import { summarize } from './lib/stats.js'
import { fetchHook } from './scenarios/token-peer.js'

const VARIANTS = ['none', 'trivial', 'fetch'] as const
const variant = (process.argv[2] ?? 'trivial') as (typeof VARIANTS)[number]
if (!VARIANTS.includes(variant)) throw new Error(`the variant is one of ${VARIANTS.join(', ')}`)
const seconds = Number(process.argv[3] ?? 15)
const connections = Number(process.argv[4] ?? 10)
/** Seconds of load before the measured slice. */
const WARMUP_S = 2

const upstream = await startFetchTargetServer(JSON.stringify({ plan: 'full' }))
// BENCH_TOKEN_PEER_POSTGRES=1: the store on a throwaway PostgreSQL cluster, as in the scenario.
const postgres =
  process.env.BENCH_TOKEN_PEER_POSTGRES === '1' ? await startPostgresCluster() : undefined
try {
  const server = await startAppServer([
    {
      name: 'app',
      runner: variant === 'none' ? 'none' : 'sandbox',
      env: { OPENHOOKS_EGRESS_ALLOW: `127.0.0.1:${String(upstream.port)}` },
      ...(postgres !== undefined ? { postgresUrl: postgres.url } : undefined),
    },
  ])
  try {
    await measure(server)
  } finally {
    await server.close()
  }
} finally {
  await upstream.close()
  await postgres?.stop()
}

async function measure(server: AppServer): Promise<void> {
  const endpoint = server.apps.app
  if (endpoint === undefined) throw new Error('the bench server has no app')
  const client = await createMachineClient(endpoint)
  if (variant === 'trivial') await createHook(endpoint, 'credentials-exchange', TWO_CLAIMS_HOOK)
  if (variant === 'fetch') {
    await createHook(endpoint, 'credentials-exchange', fetchHook(upstream.url))
  }
  const request = {
    url: endpoint.url,
    method: 'POST' as const,
    path: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: client.client_id,
      client_secret: client.client_secret,
      audience: BENCH_AUDIENCE,
    }).toString(),
    connections,
    expectStatus: 200,
  }
  await loadSlice({ ...request, durationS: WARMUP_S })
  const workersBefore = (await server.stats('app')).workers
  const pids = [server.pid, ...workersBefore.map((w) => w.pid)]
  const statementsBefore = await server.dbStatements()
  const cpuBefore = totalCpuMs(pids)
  const slice = await loadSlice({ ...request, durationS: seconds })
  const cpuMs = totalCpuMs(pids) - cpuBefore
  const statementsAfter = await server.dbStatements()
  // The worker's idle poll over the slice (src/sandbox/worker/channel.ts).
  const workersAfter = (await server.stats('app')).workers
  const poll = (key: 'idlePollFrames' | 'idlePollPauses' | 'idlePollBackoffs'): number =>
    workersAfter.reduce((sum, w) => sum + w[key], 0) -
    workersBefore.reduce((sum, w) => sum + w[key], 0)
  const statements =
    statementsAfter.sqlite -
    statementsBefore.sqlite +
    (statementsAfter.postgres - statementsBefore.postgres)
  console.log(
    JSON.stringify({
      variant,
      connections,
      perSecond: slice.samples.length / slice.seconds,
      errors: slice.errors,
      cpuPerTokenMs: cpuMs / Math.max(1, slice.samples.length),
      statementsPerToken: statements / Math.max(1, slice.samples.length),
      p50Ms: summarize(slice.samples).p50,
      idlePoll: {
        frames: poll('idlePollFrames'),
        pauses: poll('idlePollPauses'),
        backoffs: poll('idlePollBackoffs'),
      },
      loadAverage: loadavg()[0],
    }),
  )
}
