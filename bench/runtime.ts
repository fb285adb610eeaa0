/**
 * `npm run bench:runtime`: the cost of running a hook through the sandbox, against calling the
 * same function directly and in a reused `node:vm` context, in one process and one run.
 *
 * Prints p50/p99 latency and calls per second for each path (sequential calls, one at a time),
 * the worker path's throughput with many calls in flight, the cold first call after a change (a
 * new version key), and resident memory per warm isolate. Not a test: the figures depend on the
 * machine, so each run prints the machine it ran on. Targets (issue 3): worker path warm p50
 * ≤ 150 µs, p99 ≤ 1 ms, ≥ 8,000 calls/s per worker; cold p50 ≤ 15 ms; ≤ 3 MB RSS per isolate.
 */
import { readFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg } from 'node:os'
import { pino } from 'pino'
import { startProcessRunner } from '../src/sandbox/process-runner.js'
import { DEFAULT_IDLE_POLL_US } from '../src/sandbox/runner.js'
import type { HookRunner, RunRequest } from '../src/sandbox/runner.js'
import { dependenciesCase } from './dependencies-case.js'
import { startFetchTargetServer } from './lib/processes.js'
import {
  CALLS_PER_ROUND,
  COLD_CALLS,
  IPC_FLOOR_SAMPLES,
  PIPELINE_DEPTH,
  ROUNDS,
  WARM_ISOLATES_FOR_MEMORY,
  WARMUP_CALLS,
  coldCalls,
  compileDirect,
  cpuNs,
  fetchHookRequest,
  startFetchTarget,
  compileVm,
  ipcFloor,
  memoryPerIsolate,
  pipelined,
  summary,
  timeSync,
  timeWorker,
  us,
  type Series,
} from './runtime-cases.js'

/**
 * The idle poll of the second worker row, against the default of the first (`BENCH_IDLE_POLL_US`;
 * by default the poll off when the default has it on, and 300 µs when it is off: the A/B of the
 * poll off and on).
 */
const DEFAULT_POLL_US: number = DEFAULT_IDLE_POLL_US
const BENCH_IDLE_POLL_US = Number(
  process.env.BENCH_IDLE_POLL_US ?? (DEFAULT_POLL_US === 0 ? 300 : 0),
)
const pollLabel = (us: number): string =>
  us === 0 ? 'the idle poll off' : `idle poll ${String(us)} µs`

async function main(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc
  const logger = pino({ level: 'warn' })
  const runner = await startProcessRunner({ logger, poolSize: 1 })
  const polling = await startProcessRunner({ logger, poolSize: 1, idlePollUs: BENCH_IDLE_POLL_US })
  const workerPid = await pidOf(runner)
  const pollingPid = await pidOf(polling)
  const direct = compileDirect()
  const inVm = compileVm()

  console.log(`# openhooks sandbox benchmark`)
  const [load1] = loadavg()
  console.log(
    `node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, pool size 1, load average ${load1?.toFixed(2)} at start, ${process.env.BENCH_PINNING ?? 'no core pinning'}`,
  )
  console.log(idlePolicy())
  console.log(
    'worker code: src/ through tsx (A/Bs on 2026-11-27 found the same per-call cost as compiled JS, as production runs it from dist/, for the warm call and for the fetch case)',
  )

  // Warm-up: JIT of all three paths and the warm isolate.
  await timeWorker(runner, [], WARMUP_CALLS)
  await timeWorker(polling, [], WARMUP_CALLS)
  timeSync(direct, [], WARMUP_CALLS)
  timeSync(inVm, [], WARMUP_CALLS)

  const worker: Series = { name: 'worker (host → worker → isolate)', samples: [] }
  const pollSeries: Series = {
    name: `same, ${pollLabel(BENCH_IDLE_POLL_US)} instead of ${pollLabel(DEFAULT_POLL_US)}`,
    samples: [],
  }
  const directSeries: Series = { name: 'direct call, in-process', samples: [] }
  const vmSeries: Series = { name: 'reused node:vm context', samples: [] }
  const cpu = { worker: 0, polling: 0, parentWorker: 0, parentPolling: 0 }
  for (let round = 0; round < ROUNDS; round++) {
    let before = [cpuNs(workerPid), cpuNs(process.pid)] as const
    await timeWorker(runner, worker.samples, CALLS_PER_ROUND)
    cpu.worker += cpuNs(workerPid) - before[0]
    cpu.parentWorker += cpuNs(process.pid) - before[1]
    before = [cpuNs(pollingPid), cpuNs(process.pid)] as const
    await timeWorker(polling, pollSeries.samples, CALLS_PER_ROUND)
    cpu.polling += cpuNs(pollingPid) - before[0]
    cpu.parentPolling += cpuNs(process.pid) - before[1]
    timeSync(direct, directSeries.samples, CALLS_PER_ROUND)
    timeSync(inVm, vmSeries.samples, CALLS_PER_ROUND)
  }

  console.log(
    `\n## warm, sequential (${ROUNDS} alternating rounds of ${CALLS_PER_ROUND} calls each)`,
  )
  console.log(
    '(the direct and node:vm paths copy arguments and result through JSON, as the sandbox does)',
  )
  console.log('path | p50 | p99 | calls/s')
  console.log('--- | --- | --- | ---')
  const results = [worker, directSeries, vmSeries, pollSeries].map((series) => ({
    series,
    stats: summary(series),
  }))
  for (const { series, stats } of results) {
    console.log(
      `${series.name} | ${us(stats.p50)} | ${us(stats.p99)} | ${Math.round(stats.perSecond)}`,
    )
  }
  const [w, d, v] = results.map((r) => r.stats)
  if (w !== undefined && d !== undefined && v !== undefined) {
    console.log(
      `ratio p50 worker/direct ${(w.p50 / d.p50).toFixed(1)}×, worker/vm ${(w.p50 / v.p50).toFixed(1)}×`,
    )
  }

  const calls = ROUNDS * CALLS_PER_ROUND
  console.log(
    `CPU per call (server process / worker process): ${us(cpu.parentWorker / 1000 / calls)} / ${us(cpu.worker / 1000 / calls)}; with ${pollLabel(BENCH_IDLE_POLL_US)} ${us(cpu.parentPolling / 1000 / calls)} / ${us(cpu.polling / 1000 / calls)}`,
  )

  const throughput = await pipelined(runner)
  const pollingThroughput = await pipelined(polling)
  await polling.close()
  const floor = summary({ name: 'floor', samples: await ipcFloor(IPC_FLOOR_SAMPLES) })
  console.log(
    `IPC floor on this machine (200-byte echo through a pipe to a bare node process): p50 ${us(floor.p50)}, p99 ${us(floor.p99)}`,
  )

  console.log(`\n## warm, ${PIPELINE_DEPTH} calls in flight on one worker`)
  console.log(
    `${Math.round(throughput)} calls/s; with ${pollLabel(BENCH_IDLE_POLL_US)} ${Math.round(pollingThroughput)} calls/s`,
  )

  const cold = await coldCalls(runner, COLD_CALLS)
  const coldStats = summary({ name: 'cold', samples: cold })
  console.log(`\n## cold: first call after a change (new version key), ${COLD_CALLS} calls`)
  console.log(`p50 ${us(coldStats.p50)}, p99 ${us(coldStats.p99)}`)
  await runner.close()

  // Memory: a fresh worker, then many distinct hooks kept warm.
  gc?.()
  const memoryRunner = await startProcessRunner({ logger, poolSize: 1 })
  const memory = await memoryPerIsolate(memoryRunner, WARM_ISOLATES_FOR_MEMORY)
  const heapPerIsolate = memory.heapPerIsolateBytes
  await memoryRunner.close()
  console.log(`\n## memory: ${memory.isolates} more warm isolates in one worker`)
  console.log(
    `worker RSS ${(memory.rssBeforeBytes / 2 ** 20).toFixed(1)} → ${(memory.rssAfterBytes / 2 ** 20).toFixed(1)} MB: ${(memory.rssPerIsolateBytes / 2 ** 20).toFixed(2)} MB RSS per warm isolate; V8 heap ${(heapPerIsolate / 2 ** 20).toFixed(2)} MB per isolate`,
  )
}

/**
 * The guest kernel's idle policy, which decides what a hand-over between the two processes costs
 * (docs/performance.md): how long an idle vCPU polls before it halts (cpuidle-haltpoll), if known.
 */
function idlePolicy(): string {
  const read = (path: string): string | undefined => {
    try {
      return readFileSync(path, 'utf8').trim()
    } catch {
      return undefined
    }
  }
  const driver = read('/sys/devices/system/cpu/cpuidle/current_driver') ?? 'unknown'
  const pollNs = read('/sys/module/haltpoll/parameters/guest_halt_poll_ns')
  return `cpuidle driver ${driver}${pollNs !== undefined ? `, guest_halt_poll_ns ${pollNs}${pollNs === '0' ? ' (an idle vCPU halts at once)' : ''}` : ''}`
}

async function pidOf(runner: HookRunner): Promise<number> {
  const pid = (await runner.stats()).workers[0]?.pid
  if (pid === undefined) throw new Error('the runner has no worker')
  return pid
}

const FETCH_WARMUP_CALLS = 200
const FETCH_ROUNDS = 5
const FETCH_CALLS_PER_ROUND = 200

/** Items in the small response of the fetch case (the target's case): 27 bytes of JSON. */
const FETCH_SMALL_ITEMS = 3
/** Items in the larger response of the fetch case: about 70 KB of JSON. */
const FETCH_LARGE_ITEMS = 1_500

/**
 * Issue 9: a hook that makes one `fetch` to a local server, against the same request made by the
 * host with its own `fetch` (Node's undici; same server, both on keep-alive connections, both read
 * the body as JSON). Target: worker path p50 ≤ 1.5 × host p50, for the small body (a typical API
 * answer); the larger one shows what the body's size adds. `BENCH_ONLY=fetch` runs only this case.
 *
 * The server runs twice, in the same alternating rounds: in its own process, as every real
 * upstream is (the row the target is read on), and inside the bench's own process, as in the runs
 * before 2026-11-27. There the host's request never leaves one event loop: it needs no hand-over
 * between processes at all, a case no hook's upstream can be (docs/performance.md, fourth pass).
 */
async function fetchCase(items: number): Promise<void> {
  const body = JSON.stringify({
    ok: true,
    items: Array.from({ length: items }, (_, i) =>
      items === FETCH_SMALL_ITEMS ? i + 1 : { id: i, name: `item ${i}`, tags: ['a', 'b'] },
    ),
  })
  const own = await startFetchTargetServer(body)
  const inProcess = await startFetchTarget(body)
  const runner = await startProcessRunner({
    logger: pino({ level: 'warn' }),
    poolSize: 1,
    egress: {
      mode: 'allowlist',
      allow: [`127.0.0.1:${String(own.port)}`, `127.0.0.1:${String(inProcess.port)}`],
      maxRequestsPerCall: 1,
    },
  })
  const viaHook = (request: RunRequest) => async (samples: number[], calls: number) => {
    for (let i = 0; i < calls; i++) {
      const start = process.hrtime.bigint()
      const outcome = await runner.run(request)
      samples.push(Number(process.hrtime.bigint() - start) / 1000)
      if (outcome.kind !== 'ok' || outcome.value !== items) throw new Error(JSON.stringify(outcome))
    }
  }
  const viaHost = (url: string) => async (samples: number[], calls: number) => {
    for (let i = 0; i < calls; i++) {
      const start = process.hrtime.bigint()
      const response = await fetch(url)
      const value = ((await response.json()) as { items: number[] }).items.length
      samples.push(Number(process.hrtime.bigint() - start) / 1000)
      if (value !== items) throw new Error('bad answer')
    }
  }
  const paths = [
    {
      series: { name: 'hook: one fetch through the worker', samples: [] },
      run: viaHook(fetchHookRequest(own.url, 'bench-fetch-own')),
    },
    {
      series: { name: 'host: the same fetch from the server process', samples: [] },
      run: viaHost(own.url),
    },
    {
      series: { name: 'hook, upstream inside the bench process', samples: [] },
      run: viaHook(fetchHookRequest(inProcess.url, 'bench-fetch-in-process')),
    },
    {
      series: { name: 'host, upstream inside the bench process', samples: [] },
      run: viaHost(inProcess.url),
    },
  ] satisfies { series: Series; run: (samples: number[], calls: number) => Promise<void> }[]
  for (const path of paths) await path.run([], FETCH_WARMUP_CALLS)
  for (let round = 0; round < FETCH_ROUNDS; round++) {
    // Each round starts with another path, so that no path always follows the same one.
    for (let i = 0; i < paths.length; i++) {
      const path = paths[(round + i) % paths.length] as (typeof paths)[number]
      await path.run(path.series.samples, FETCH_CALLS_PER_ROUND)
    }
  }
  await runner.close()
  await own.close()
  inProcess.server.closeAllConnections()
  inProcess.server.close()
  const stats = paths.map((path) => summary(path.series))
  console.log(
    `\n## one fetch to a local server, ${Buffer.byteLength(body)}-byte JSON body (${FETCH_ROUNDS} alternating rounds of ${FETCH_CALLS_PER_ROUND} calls)`,
  )
  console.log('path | p50 | p99 | calls/s')
  console.log('--- | --- | --- | ---')
  paths.forEach((path, i) => {
    const s = stats[i] as ReturnType<typeof summary>
    console.log(`${path.series.name} | ${us(s.p50)} | ${us(s.p99)} | ${Math.round(s.perSecond)}`)
  })
  const [hook, host, hookIn, hostIn] = stats as [
    ReturnType<typeof summary>,
    ReturnType<typeof summary>,
    ReturnType<typeof summary>,
    ReturnType<typeof summary>,
  ]
  console.log(
    `ratio p50 hook/host ${(hook.p50 / host.p50).toFixed(2)}×${items === FETCH_SMALL_ITEMS ? ' (target ≤ 1.5×)' : ''}; upstream inside the bench process ${(hookIn.p50 / hostIn.p50).toFixed(2)}×`,
  )
}

if (process.env.BENCH_ONLY === 'deps') {
  // Needs the npm registry, so only on request (bench/dependencies-case.ts).
  await dependenciesCase()
} else {
  if (process.env.BENCH_ONLY !== 'fetch') await main()
  await fetchCase(FETCH_SMALL_ITEMS)
  await fetchCase(FETCH_LARGE_ITEMS)
}
console.log(`\nload average ${loadavg()[0]?.toFixed(2)} at the end`)
