/**
 * `npm run bench:cluster-cost -- [seconds] [rounds] [connections]`: where the CPU of a token
 * exchange with a hook goes, one node on SQLite against one node on PostgreSQL (issue 20; the
 * cluster scenario's request and hook), in alternating slices after a warm-up. For each variant it
 * prints the requests per second (median of the rounds) and the CPU time per exchange of the node's
 * process, its sandbox workers, the PostgreSQL server's processes and the load generator, from
 * /proc; on PostgreSQL also the statements per exchange with their execution time, from
 * `pg_stat_statements` (the throwaway server loads it). With `BENCH_BASELINE_CLI=PATH` (the
 * `src/cli/main.ts` of another copy of the sources, e.g. an older commit checked out with
 * `git worktree add`) a third variant runs that copy on the same PostgreSQL server, side by side.
 * `BENCH_CPU_PROF=DIR` profiles the nodes (bench/lib/serve-node.ts).
 */
import { readFileSync, readdirSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { startPostgresCluster } from '../test/helpers/postgres.js'
import { TWO_CLAIMS_HOOK } from './lib/hooks.js'
import { tokenSlice } from './lib/load.js'
import { processCpuMs } from './lib/process-cpu.js'
import { clusterAdminToken, clusterNodeEnv } from './lib/cluster-node-env.js'
import { startServeNode, type ServeNode } from './lib/serve-node.js'
import { createHook, createMachineClient, tokenRequestBody } from './lib/setup.js'

const seconds = Number(process.argv[2] ?? 3)
const rounds = Number(process.argv[3] ?? 3)
const connections = Number(process.argv[4] ?? 8)
/** Statements shown per variant, the most frequent first. */
const TOP_STATEMENTS = 12

/** `pid` and every process under it. */
function descendants(pid: number): number[] {
  const out = [pid]
  let tasks: string[] = []
  try {
    tasks = readdirSync(`/proc/${String(pid)}/task`)
  } catch {
    return out
  }
  for (const task of tasks) {
    let children = ''
    try {
      children = readFileSync(`/proc/${String(pid)}/task/${task}/children`, 'utf8')
    } catch {
      continue
    }
    for (const child of children.trim().split(/\s+/).filter(Boolean)) {
      out.push(...descendants(Number(child)))
    }
  }
  return out
}

const cpuOf = (pids: readonly number[]): number =>
  pids.reduce((sum, pid) => sum + (Number.isNaN(processCpuMs(pid)) ? 0 : processCpuMs(pid)), 0)

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? Number.NaN
}

interface Variant {
  readonly name: string
  readonly node: ServeNode
  readonly postgres: boolean
  body: string
}

const postgres = await startPostgresCluster({
  durable: true,
  settings: ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track=all'],
})
const nodes: ServeNode[] = []
try {
  const admin = new pg.Client({ connectionString: postgres.url })
  await admin.connect()
  await admin.query('create database openhooks_bench')
  const databaseUrl = new URL(postgres.url)
  databaseUrl.pathname = '/openhooks_bench'
  const stats = new pg.Client({ connectionString: databaseUrl.href })
  await stats.connect()
  await stats.query('create extension if not exists pg_stat_statements')
  const shared = clusterNodeEnv()
  const pgEnv = { ...shared, OPENHOOKS_DATABASE_URL: databaseUrl.href }
  const variants: Variant[] = []
  const pgNode = await startServeNode('pg', pgEnv)
  nodes.push(pgNode)
  variants.push({ name: 'postgresql', node: pgNode, postgres: true, body: '' })
  const baseline = process.env.BENCH_BASELINE_CLI
  if (baseline !== undefined) {
    const baseNode = await startServeNode('pg-baseline', pgEnv, { cliEntry: baseline })
    nodes.push(baseNode)
    variants.push({ name: 'postgresql, baseline', node: baseNode, postgres: true, body: '' })
  }
  const sqliteNode = await startServeNode('sqlite', shared)
  nodes.push(sqliteNode)
  variants.unshift({ name: 'sqlite', node: sqliteNode, postgres: false, body: '' })

  for (const variant of variants) {
    const app = { url: variant.node.url, token: await clusterAdminToken(variant.node.url) }
    // One client and hook per database (the PostgreSQL nodes share theirs).
    if (!variant.postgres || variants.find((v) => v.postgres) === variant) {
      variant.body = tokenRequestBody(await createMachineClient(app))
      await createHook(app, 'credentials-exchange', TWO_CLAIMS_HOOK)
    } else variant.body = variants.find((v) => v.postgres)?.body ?? ''
  }
  const postmaster = Number(
    readFileSync(join(postgres.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0],
  )

  interface Cost {
    rate: number[]
    node: number
    workers: number
    postgres: number
    generator: number
    exchanges: number
    statements: Map<string, { calls: number; ms: number }>
  }
  const costs = new Map<string, Cost>(
    variants.map((v) => [
      v.name,
      {
        rate: [],
        node: 0,
        workers: 0,
        postgres: 0,
        generator: 0,
        exchanges: 0,
        statements: new Map(),
      },
    ]),
  )
  const slice = async (variant: Variant, measured: boolean): Promise<void> => {
    const workers = descendants(variant.node.pid).slice(1)
    const pgPids = descendants(postmaster)
    if (variant.postgres) await stats.query('select pg_stat_statements_reset()')
    const before = {
      node: processCpuMs(variant.node.pid),
      workers: cpuOf(workers),
      postgres: cpuOf(pgPids),
      generator: process.cpuUsage(),
    }
    const result = await tokenSlice({
      url: variant.node.url,
      body: variant.body,
      connections,
      durationS: measured ? seconds : 1,
    })
    // The slice's last tenant-log batch.
    await new Promise((resolve) => setTimeout(resolve, 100))
    const generator = process.cpuUsage(before.generator)
    if (!measured) return
    const cost = costs.get(variant.name)
    if (cost === undefined) return
    cost.rate.push(result.samples.length / result.seconds)
    cost.exchanges += result.samples.length
    cost.node += processCpuMs(variant.node.pid) - before.node
    cost.workers += cpuOf(workers) - before.workers
    cost.postgres += cpuOf(descendants(postmaster)) - before.postgres
    cost.generator += (generator.user + generator.system) / 1000
    if (variant.postgres) {
      const rows = await stats.query<{ query: string; calls: string; ms: number }>(
        "select query, calls, total_exec_time as ms from pg_stat_statements where query not like '%pg_stat_statements%'",
      )
      for (const row of rows.rows) {
        const entry = cost.statements.get(row.query) ?? { calls: 0, ms: 0 }
        entry.calls += Number(row.calls)
        entry.ms += row.ms
        cost.statements.set(row.query, entry)
      }
    }
  }
  const loadStart = loadavg()[0] ?? 0
  for (const variant of variants) await slice(variant, false)
  for (let round = 0; round < rounds; round++) {
    for (const variant of variants) await slice(variant, true)
  }
  const loadEnd = loadavg()[0] ?? 0
  const sqliteRate = median(costs.get('sqlite')?.rate ?? [])
  for (const [name, cost] of costs) {
    const per = (ms: number) => Number(((ms / cost.exchanges) * 1000).toFixed(0))
    console.log(
      JSON.stringify({
        variant: name,
        req_s: Math.round(median(cost.rate)),
        rounds: cost.rate.map(Math.round),
        vs_sqlite: Number((median(cost.rate) / sqliteRate).toFixed(2)),
        cpu_us_per_exchange: {
          node: per(cost.node),
          workers: per(cost.workers),
          postgres: per(cost.postgres),
          generator: per(cost.generator),
        },
      }),
    )
    const top = [...cost.statements.entries()].sort((a, b) => b[1].calls - a[1].calls)
    for (const [query, { calls, ms }] of top.slice(0, TOP_STATEMENTS)) {
      console.log(
        `   ${(calls / cost.exchanges).toFixed(3)}/exchange ${((ms / calls) * 1000).toFixed(0)} µs  ${query.replace(/\s+/g, ' ').slice(0, 150)}`,
      )
    }
  }
  console.log(JSON.stringify({ load_average_start: loadStart, load_average_end: loadEnd }))
  await stats.end()
  await admin.end()
} finally {
  await Promise.all(nodes.map((node) => node.stop()))
  await postgres.stop()
}
