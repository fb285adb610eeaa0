/**
 * `npm run bench:token-profile -- [none|trivial|fetch|peer] [seconds] [connections]`: one openhooks app
 * of the token-peer scenario (bench/scenarios/token-peer.ts) under its load, alone, for profiling
 * the hook's path (issue 23; docs/performance.md), or (`peer`) oidc-provider alone under the same
 * load, to compare the two servers' profiles. With `BENCH_CPU_PROF=DIR` the server process
 * and its sandbox workers write V8 CPU profiles there (`--cpu-prof`) when they exit. Prints
 * requests per second, CPU per token (server and workers, from /proc), the same split by process
 * (`cpuPerTokenByProcess`: the server, its sandbox workers together, and the fetch hook's upstream,
 * which the total leaves out), the p50 and the sandbox workers' idle poll counts over the slice
 * (src/sandbox/worker/channel.ts), as one JSON line.
 * `OPENHOOKS_SANDBOX_IDLE_POLL_US` in its environment sets the workers' idle poll window.
 */
import { loadavg } from 'node:os'
import { loadSlice } from './lib/load.js'
import { TWO_CLAIMS_HOOK } from './lib/hooks.js'
import { processCpuMs, totalCpuMs } from './lib/process-cpu.js'
import { startPostgresCluster } from '../test/helpers/postgres.js'
import {
  startAppServer,
  startFetchTargetServer,
  startOidcProviderServer,
  type AppServer,
} from './lib/processes.js'
import { createHook, createMachineClient, tokenRequestForm } from './lib/setup.js'
import { summarize } from './lib/stats.js'
import { fetchHook } from './scenarios/token-peer.js'

const VARIANTS = ['none', 'trivial', 'fetch', 'peer'] as const
const variant = (process.argv[2] ?? 'trivial') as (typeof VARIANTS)[number]
if (!VARIANTS.includes(variant)) throw new Error(`the variant is one of ${VARIANTS.join(', ')}`)
const seconds = Number(process.argv[3] ?? 15)
const connections = Number(process.argv[4] ?? 10)
/** Seconds of load before the measured slice. */
const WARMUP_S = 2

/** The sandbox workers' idle poll counts (`RunnerStats`), summed over the workers. */
interface PollCounts {
  readonly frames: number
  readonly pauses: number
  readonly backoffs: number
}
const NO_POLL: PollCounts = { frames: 0, pauses: 0, backoffs: 0 }

/** The processes whose CPU time is read: the total counts the server and its workers only. */
interface ProcessIds {
  readonly server: number
  readonly workers: readonly number[]
  /** The fetch hook's upstream (a third process); not part of the server's CPU per token. */
  readonly upstream?: number
}

/** CPU time of each process group, in ms. */
function cpuByProcess(ids: ProcessIds): { server: number; workers: number; upstream: number } {
  return {
    server: processCpuMs(ids.server),
    workers: totalCpuMs(ids.workers),
    upstream: ids.upstream === undefined ? 0 : processCpuMs(ids.upstream),
  }
}

if (variant === 'peer') {
  const peer = await startOidcProviderServer()
  try {
    await measureLoad(
      { url: peer.url, path: '/token', body: peer.body },
      async () => ({ server: peer.pid, workers: [] }),
      async () => 0,
      async () => NO_POLL,
    )
  } finally {
    await peer.close()
  }
  process.exit(0)
}

const upstream = await startFetchTargetServer(JSON.stringify({ plan: 'full' }))
// BENCH_TOKEN_PEER_POSTGRES=1: the store on a throwaway PostgreSQL cluster, as in the scenario.
const postgres =
  process.env.BENCH_TOKEN_PEER_POSTGRES === '1' ? await startPostgresCluster() : undefined
try {
  const server = await startAppServer([
    {
      name: 'app',
      runner: variant === 'none' ? 'none' : 'sandbox',
      env: {
        OPENHOOKS_EGRESS_ALLOW: `127.0.0.1:${String(upstream.port)}`,
        // The worker's idle poll window, for comparing windows (the server reads no other variable).
        ...(process.env.OPENHOOKS_SANDBOX_IDLE_POLL_US !== undefined
          ? { OPENHOOKS_SANDBOX_IDLE_POLL_US: process.env.OPENHOOKS_SANDBOX_IDLE_POLL_US }
          : undefined),
      },
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
  await measureLoad(
    {
      url: endpoint.url,
      path: '/oauth/token',
      body: tokenRequestForm(client),
    },
    async () => ({
      server: server.pid,
      workers: (await server.stats('app')).workers.map((w) => w.pid),
      upstream: upstream.pid,
    }),
    async () => {
      const counts = await server.dbStatements()
      return counts.sqlite + counts.postgres
    },
    async () => {
      const workers = (await server.stats('app')).workers
      return {
        frames: workers.reduce((sum, w) => sum + w.idlePollFrames, 0),
        pauses: workers.reduce((sum, w) => sum + w.idlePollPauses, 0),
        backoffs: workers.reduce((sum, w) => sum + w.idlePollBackoffs, 0),
      }
    },
  )
}

/** The warm-up, then the measured slice; prints its figures as one JSON line. */
async function measureLoad(
  target: { url: string; path: string; body: string },
  processIds: () => Promise<ProcessIds>,
  statementCount: () => Promise<number>,
  pollCounts: () => Promise<PollCounts>,
): Promise<void> {
  const request = {
    url: target.url,
    method: 'POST' as const,
    path: target.path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: target.body,
    connections,
    expectStatus: 200,
  }
  await loadSlice({ ...request, durationS: WARMUP_S })
  const ids = await processIds()
  const statementsBefore = await statementCount()
  const pollBefore = await pollCounts()
  const cpuBefore = cpuByProcess(ids)
  const slice = await loadSlice({ ...request, durationS: seconds })
  const cpuAfter = cpuByProcess(ids)
  const tokens = Math.max(1, slice.samples.length)
  const perToken = (key: keyof typeof cpuAfter) => (cpuAfter[key] - cpuBefore[key]) / tokens
  const cpuMs = cpuAfter.server - cpuBefore.server + (cpuAfter.workers - cpuBefore.workers)
  const statements = (await statementCount()) - statementsBefore
  const pollAfter = await pollCounts()
  console.log(
    JSON.stringify({
      variant,
      connections,
      perSecond: slice.samples.length / slice.seconds,
      errors: slice.errors,
      cpuPerTokenMs: cpuMs / tokens,
      cpuPerTokenByProcess: {
        server: perToken('server'),
        workers: perToken('workers'),
        upstream: perToken('upstream'),
      },
      statementsPerToken: statements / Math.max(1, slice.samples.length),
      p50Ms: summarize(slice.samples).p50,
      idlePoll: {
        frames: pollAfter.frames - pollBefore.frames,
        pauses: pollAfter.pauses - pollBefore.pauses,
        backoffs: pollAfter.backoffs - pollBefore.backoffs,
      },
      loadAverage: loadavg()[0],
    }),
  )
}
