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
import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { pino } from 'pino'
import type { ProcessRunnerOptions } from '../src/sandbox/process-runner.js'
import type { HookRunner, RunRequest } from '../src/sandbox/runner.js'
import { ARGS, CLASSES, HOOK_SOURCE, percentile } from './runtime-cases.js'

const FETCH = process.env.BENCH_CASE === 'fetch'
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10)
const CALLS_PER_ROUND = FETCH ? 200 : 1_000
const WARMUP_CALLS = FETCH ? 300 : 3_000

/** The local server of the fetch case: 27 bytes of JSON, on a keep-alive connection. */
const FETCH_BODY = JSON.stringify({ ok: true, items: [1, 2, 3] })
const fetchServer = FETCH
  ? createServer((_req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(FETCH_BODY)
    })
  : undefined
if (fetchServer !== undefined) {
  fetchServer.keepAliveTimeout = 60_000
  await new Promise<void>((done) => fetchServer.listen(0, '127.0.0.1', done))
}
const fetchPort = (fetchServer?.address() as AddressInfo | undefined)?.port ?? 0

const REQUEST: RunRequest = FETCH
  ? {
      hookId: 'bench-fetch',
      versionKey: 'v1',
      script: `module.exports = async function (user, context, cb) { const r = await fetch('http://127.0.0.1:${String(fetchPort)}/data'); cb(null, (await r.json()).items.length) }`,
      injectedClasses: [],
      args: [{}, {}],
    }
  : {
      hookId: 'bench-hook',
      versionKey: 'warm',
      script: HOOK_SOURCE,
      injectedClasses: CLASSES,
      args: ARGS,
    }

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
    ...(FETCH
      ? { egress: { mode: 'allowlist', allow: [`127.0.0.1:${String(fetchPort)}`] } }
      : undefined),
  })
  const pid = (await runner.stats()).workers[0]?.pid
  if (pid === undefined) throw new Error(`${name}: the runner has no worker`)
  return { name, root, runner, pid, samples: [], workerNs: 0, serverNs: 0 }
}

/** CPU time of all threads of a process, in ns (Linux /proc). */
function cpuNs(pid: number): number {
  let total = 0
  for (const task of readdirSync(`/proc/${String(pid)}/task`)) {
    total += Number(
      readFileSync(`/proc/${String(pid)}/task/${task}/schedstat`, 'utf8').split(' ')[0],
    )
  }
  return total
}

async function calls(side: Side, count: number, samples?: number[]): Promise<void> {
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint()
    const outcome = await side.runner.run(REQUEST)
    samples?.push(Number(process.hrtime.bigint() - start) / 1000)
    if (outcome.kind !== 'ok')
      throw new Error(`${side.name}: the bench hook failed: ${outcome.kind}`)
  }
}

async function main(): Promise<void> {
  const a = await startSide('A', process.env.BENCH_A ?? '.')
  const b = await startSide('B', process.env.BENCH_B ?? '.')
  const sides = [a, b]
  for (const side of sides) await calls(side, WARMUP_CALLS)
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of round % 2 === 0 ? sides : [b, a]) {
      const worker = cpuNs(side.pid)
      const server = cpuNs(process.pid)
      await calls(side, CALLS_PER_ROUND, side.samples)
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
  fetchServer?.closeAllConnections()
  fetchServer?.close()
}

await main()
