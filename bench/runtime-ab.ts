/**
 * `npm run bench:ab`: the warm sequential call of `npm run bench:runtime`, through the process
 * runners of two checkouts of this repository in one process, in alternating rounds, so that a
 * change is measured against its base on the same machine at the same moment (STYLE §8: ratios
 * side by side, never absolute figures from different runs).
 *
 *   BENCH_A=/path/to/base BENCH_B=. npm run bench:ab
 *   taskset -c 1 npm run bench:ab     (both processes on one vCPU: the CPU of a call, without
 *                                      the cost of waking another vCPU; docs/performance.md)
 *   BENCH_CASE=fetch npm run bench:ab (the hook of bench:runtime's fetch case instead: one
 *                                      `fetch` to a local server, 27 bytes of JSON)
 *
 * Each checkout needs its node_modules (or a link to one). Prints p50, p99 and the CPU time per
 * call of the server process (this one) and of each side's worker.
 */
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { pino } from 'pino'
import type { ProcessRunnerOptions } from '../src/sandbox/process-runner.js'
import type { HookRunner, RunRequest } from '../src/sandbox/runner.js'
import {
  cpuNs,
  fetchHookRequest,
  percentile,
  request,
  startFetchTarget,
  timeWorker,
} from './runtime-cases.js'

const FETCH = process.env.BENCH_CASE === 'fetch'
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10)
const CALLS_PER_ROUND = FETCH ? 200 : 1_000
const WARMUP_CALLS = FETCH ? 300 : 3_000

/** The fetch case's local server: 27 bytes of JSON, as in bench:runtime. */
const target = FETCH
  ? await startFetchTarget(JSON.stringify({ ok: true, items: [1, 2, 3] }))
  : undefined

const REQUEST: RunRequest = target !== undefined ? fetchHookRequest(target.url) : request('warm')

interface Side {
  readonly name: string
  readonly root: string
  readonly runner: HookRunner
  readonly pid: number
  readonly samples: number[]
  workerNs: number
  serverNs: number
}

type Start = (options: ProcessRunnerOptions) => Promise<HookRunner>

async function startSide(name: string, root: string): Promise<Side> {
  const url = pathToFileURL(resolve(root, 'src/sandbox/process-runner.ts')).href
  const module = (await import(url)) as { startProcessRunner: Start }
  const runner = await module.startProcessRunner({
    logger: pino({ level: 'warn' }),
    poolSize: 1,
    ...(target !== undefined
      ? { egress: { mode: 'allowlist', allow: [`127.0.0.1:${String(target.port)}`] } }
      : undefined),
  })
  const pid = (await runner.stats()).workers[0]?.pid
  if (pid === undefined) throw new Error(`${name}: the runner has no worker`)
  return { name, root, runner, pid, samples: [], workerNs: 0, serverNs: 0 }
}

async function main(): Promise<void> {
  const a = await startSide('A', process.env.BENCH_A ?? '.')
  const b = await startSide('B', process.env.BENCH_B ?? '.')
  const sides = [a, b]
  for (const side of sides) await timeWorker(side.runner, [], WARMUP_CALLS, REQUEST)
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of round % 2 === 0 ? sides : [b, a]) {
      const worker = cpuNs(side.pid)
      const server = cpuNs(process.pid)
      await timeWorker(side.runner, side.samples, CALLS_PER_ROUND, REQUEST)
      side.workerNs += cpuNs(side.pid) - worker
      side.serverNs += cpuNs(process.pid) - server
    }
  }
  console.log(
    `${FETCH ? 'fetch case: ' : ''}${String(ROUNDS)} alternating rounds of ${String(CALLS_PER_ROUND)} calls`,
  )
  for (const side of sides) {
    const sorted = [...side.samples].sort((x, y) => x - y)
    const n = sorted.length
    console.log(
      `${side.name} (${side.root}): p50 ${percentile(sorted, 0.5).toFixed(1)} µs, p99 ${percentile(sorted, 0.99).toFixed(1)} µs, CPU per call: server ${(side.serverNs / n / 1000).toFixed(1)} µs, worker ${(side.workerNs / n / 1000).toFixed(1)} µs`,
    )
    await side.runner.close()
  }
  target?.server.closeAllConnections()
  target?.server.close()
}

await main()
