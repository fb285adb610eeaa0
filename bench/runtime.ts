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
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { availableParallelism, cpus, loadavg } from 'node:os'
import { runInContext, createContext } from 'node:vm'
import { pino } from 'pino'
import { startProcessRunner } from '../src/sandbox/process-runner.js'
import type { HookRunner, InjectedErrorClass, RunRequest } from '../src/sandbox/runner.js'

const WARMUP_CALLS = 2_000
const ROUNDS = 10
const CALLS_PER_ROUND = 1_000
const COLD_CALLS = 40
const WARM_ISOLATES_FOR_MEMORY = 100
const PIPELINE_DEPTH = 64
const PIPELINE_CALLS = 20_000
const IPC_FLOOR_SAMPLES = 5_000

/** A credentials-exchange hook of about 30 lines: scopes, claims, a little string work. */
const HOOK_SOURCE = `module.exports = function (client, scope, audience, context, cb) {
  const plan = (client.metadata && client.metadata.plan) || 'free'
  const granted = Array.isArray(scope) ? scope.slice() : []
  const extra = {
    free: ['read:profile'],
    full: ['read:profile', 'write:profile', 'read:reports'],
  }[plan] || []
  for (const item of extra) {
    if (granted.indexOf(item) === -1) granted.push(item)
  }
  if (audience.indexOf('/api/v2/') !== -1 && plan !== 'full') {
    return cb(new InvalidScopeError('the Management API needs the full plan'))
  }
  const region = context.webtask.secrets.REGION || 'eu'
  const tenant = String(client.tenant || '').toLowerCase()
  const claims = {
    scope: granted,
    'https://example.com/plan': plan,
    'https://example.com/region': region,
    'https://example.com/tenant': tenant,
    'https://example.com/client': client.name + ' (' + client.id.slice(0, 8) + ')',
  }
  let checksum = 0
  for (let i = 0; i < tenant.length; i++) checksum = (checksum * 31 + tenant.charCodeAt(i)) | 0
  claims['https://example.com/checksum'] = checksum
  if (granted.length > 10) {
    console.log('many scopes for', client.id)
  }
  cb(null, claims)
}`

const CLASSES: readonly InjectedErrorClass[] = [
  { name: 'ExtensibilityUserError', extends: 'Error', friendlyMessage: false },
  { name: 'InvalidRequestError', extends: 'ExtensibilityUserError', friendlyMessage: false },
  { name: 'InvalidScopeError', extends: 'ExtensibilityUserError', friendlyMessage: false },
  { name: 'ServerError', extends: 'ExtensibilityUserError', friendlyMessage: false },
]

const PAYLOAD = {
  audience: 'https://api.example.com/',
  client: {
    id: 'abcdefghijklmnopqrstuvwxyz012345',
    name: 'bench',
    tenant: 'My-Tenant',
    metadata: { plan: 'full' },
  },
  scope: ['read:connections'],
}
const ARGS = [
  PAYLOAD.client,
  PAYLOAD.scope,
  PAYLOAD.audience,
  { webtask: { secrets: { REGION: 'us' }, meta: {}, body: PAYLOAD, headers: {}, query: {} } },
]

type HookFn = (...args: unknown[]) => void

/** The hook as a plain in-process function, with the classes in its scope as in the sandbox. */
function compileDirect(): HookFn {
  const classes = CLASSES.map(
    (c) =>
      `class ${c.name} extends ${c.extends} { constructor(m) { super(m); this.name = this.constructor.name } }`,
  ).join('\n')
  const module = { exports: {} as unknown }
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the benchmark's baseline
  const factory = new Function('module', 'exports', 'console', `${classes}\n${HOOK_SOURCE}`) as (
    module: { exports: unknown },
    exports: unknown,
    console: { log(): void },
  ) => void
  factory(module, module.exports, { log() {} })
  return module.exports as HookFn
}

/** The hook in one reused node:vm context (not a security boundary, STYLE §9.7: a baseline). */
function compileVm(): HookFn {
  const context = createContext({ console: { log() {} } })
  const classes = CLASSES.map(
    (c) =>
      `class ${c.name} extends ${c.extends} { constructor(m) { super(m); this.name = this.constructor.name } }`,
  ).join('\n')
  return runInContext(
    `(function () { const module = { exports: {} }; ${classes}\n${HOOK_SOURCE}\n; return module.exports })()`,
    context,
  ) as HookFn
}

/** Like the sandbox: JSON in, call, JSON out. */
function callSync(fn: HookFn, copyArgs: boolean): unknown {
  let result: unknown
  const args = copyArgs ? (JSON.parse(JSON.stringify(ARGS)) as unknown[]) : ARGS
  fn(...args, (error: unknown, data: unknown) => {
    result = error ?? JSON.parse(JSON.stringify(data))
  })
  return result
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN
}

interface Series {
  readonly name: string
  readonly samples: number[]
}

function summary(series: Series): { p50: number; p99: number; mean: number; perSecond: number } {
  const sorted = [...series.samples].sort((a, b) => a - b)
  const mean = sorted.reduce((sum, x) => sum + x, 0) / sorted.length
  return {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    mean,
    perSecond: 1e6 / mean,
  }
}

function us(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} ms` : `${value.toFixed(1)} µs`
}

function request(versionKey: string, hookId = 'bench-hook'): RunRequest {
  return { hookId, versionKey, script: HOOK_SOURCE, injectedClasses: CLASSES, args: ARGS }
}

async function timeWorker(runner: HookRunner, samples: number[], calls: number): Promise<void> {
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint()
    const outcome = await runner.run(request('warm'))
    samples.push(Number(process.hrtime.bigint() - start) / 1000)
    if (outcome.kind !== 'ok') throw new Error(`bench hook failed: ${JSON.stringify(outcome)}`)
  }
}

function timeSync(fn: HookFn, samples: number[], calls: number): void {
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint()
    callSync(fn, true)
    samples.push(Number(process.hrtime.bigint() - start) / 1000)
  }
}

async function pipelined(runner: HookRunner): Promise<number> {
  let next = 0
  const started = performance.now()
  async function lane(): Promise<void> {
    while (next < PIPELINE_CALLS) {
      next++
      const outcome = await runner.run(request('warm'))
      if (outcome.kind !== 'ok') throw new Error(outcome.kind)
    }
  }
  await Promise.all(Array.from({ length: PIPELINE_DEPTH }, lane))
  return PIPELINE_CALLS / ((performance.now() - started) / 1000)
}

/**
 * The floor under the worker path on this machine: a small frame echoed by a bare Node process
 * over the same kind of pipe, one at a time. No JSON, no isolate.
 */
async function ipcFloor(samples: number): Promise<number[]> {
  const echo =
    "const s = new (require('node:net').Socket)({ fd: 3, readable: true, writable: true }); s.on('data', (d) => s.write(d))"
  const child = spawn(process.execPath, ['-e', echo], {
    stdio: ['ignore', 'ignore', 'inherit', 'pipe'],
  })
  const socket = child.stdio[3] as Socket
  const frame = Buffer.alloc(200, 'x')
  const latencies: number[] = []
  await new Promise<void>((resolve) => {
    let start = process.hrtime.bigint()
    socket.on('data', () => {
      latencies.push(Number(process.hrtime.bigint() - start) / 1000)
      if (latencies.length >= samples) {
        resolve()
        return
      }
      start = process.hrtime.bigint()
      socket.write(frame)
    })
    socket.write(frame)
  })
  child.kill()
  return latencies
}

async function main(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc
  const logger = pino({ level: 'warn' })
  const runner = await startProcessRunner({ logger, poolSize: 1 })
  const direct = compileDirect()
  const inVm = compileVm()

  console.log(`# openhooks sandbox benchmark`)
  const [load1] = loadavg()
  console.log(
    `node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, pool size 1, load average ${load1?.toFixed(2)} at start, ${process.env.BENCH_PINNING ?? 'no core pinning'}`,
  )

  // Warm-up: JIT of all three paths and the warm isolate.
  await timeWorker(runner, [], WARMUP_CALLS)
  timeSync(direct, [], WARMUP_CALLS)
  timeSync(inVm, [], WARMUP_CALLS)

  const worker: Series = { name: 'worker (host → worker → isolate)', samples: [] }
  const directSeries: Series = { name: 'direct call, in-process', samples: [] }
  const vmSeries: Series = { name: 'reused node:vm context', samples: [] }
  for (let round = 0; round < ROUNDS; round++) {
    await timeWorker(runner, worker.samples, CALLS_PER_ROUND)
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
  const results = [worker, directSeries, vmSeries].map((series) => ({
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

  const throughput = await pipelined(runner)
  const floor = summary({ name: 'floor', samples: await ipcFloor(IPC_FLOOR_SAMPLES) })
  console.log(
    `IPC floor on this machine (200-byte echo through a pipe to a bare node process): p50 ${us(floor.p50)}, p99 ${us(floor.p99)}`,
  )

  console.log(`\n## warm, ${PIPELINE_DEPTH} calls in flight on one worker`)
  console.log(`${Math.round(throughput)} calls/s`)

  const cold: number[] = []
  for (let i = 0; i < COLD_CALLS; i++) {
    const start = process.hrtime.bigint()
    const outcome = await runner.run(request(`cold-${i}`))
    cold.push(Number(process.hrtime.bigint() - start) / 1000)
    if (outcome.kind !== 'ok') throw new Error(outcome.kind)
    runner.retire('bench-hook')
  }
  const coldStats = summary({ name: 'cold', samples: cold })
  console.log(`\n## cold: first call after a change (new version key), ${COLD_CALLS} calls`)
  console.log(`p50 ${us(coldStats.p50)}, p99 ${us(coldStats.p99)}`)
  await runner.close()

  // Memory: a fresh worker, then many distinct hooks kept warm.
  gc?.()
  const memoryRunner = await startProcessRunner({ logger, poolSize: 1 })
  await memoryRunner.run(request('m', 'memory-warmup'))
  const before = (await memoryRunner.stats()).workers[0]
  for (let i = 0; i < WARM_ISOLATES_FOR_MEMORY; i++) {
    const outcome = await memoryRunner.run(request('m', `memory-hook-${i}`))
    if (outcome.kind !== 'ok') throw new Error(outcome.kind)
  }
  const afterStats = (await memoryRunner.stats()).workers[0]
  await memoryRunner.close()
  if (before !== undefined && afterStats !== undefined) {
    const isolates = afterStats.warmIsolates - before.warmIsolates
    const rssPerIsolate = (afterStats.rssBytes - before.rssBytes) / isolates
    const heapPerIsolate = afterStats.isolateHeapBytes / afterStats.warmIsolates
    console.log(`\n## memory: ${isolates} more warm isolates in one worker`)
    console.log(
      `worker RSS ${(before.rssBytes / 2 ** 20).toFixed(1)} → ${(afterStats.rssBytes / 2 ** 20).toFixed(1)} MB: ${(rssPerIsolate / 2 ** 20).toFixed(2)} MB RSS per warm isolate; V8 heap ${(heapPerIsolate / 2 ** 20).toFixed(2)} MB per isolate`,
    )
  }
}

const FETCH_WARMUP_CALLS = 200
const FETCH_ROUNDS = 5
const FETCH_CALLS_PER_ROUND = 200

/**
 * Issue 9: a hook that makes one `fetch` to a local server, against the same request made by the
 * host with its own `fetch`. Target: worker path p50 ≤ 1.5 × host p50. `BENCH_ONLY=fetch` runs
 * only this case.
 */
async function fetchCase(): Promise<void> {
  const body = JSON.stringify({ ok: true, items: [1, 2, 3] })
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(body)
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const url = `http://127.0.0.1:${port}/data`
  const runner = await startProcessRunner({
    logger: pino({ level: 'warn' }),
    poolSize: 1,
    egress: { mode: 'allowlist', allow: [`127.0.0.1:${port}`], maxRequestsPerCall: 1 },
  })
  const fetchRequest: RunRequest = {
    hookId: 'bench-fetch',
    versionKey: 'v1',
    script: `module.exports = async function (user, context, cb) { const r = await fetch('${url}'); cb(null, (await r.json()).items.length) }`,
    injectedClasses: [],
    args: [{}, {}],
  }
  const viaHook = async (samples: number[], calls: number) => {
    for (let i = 0; i < calls; i++) {
      const start = process.hrtime.bigint()
      const outcome = await runner.run(fetchRequest)
      samples.push(Number(process.hrtime.bigint() - start) / 1000)
      if (outcome.kind !== 'ok' || outcome.value !== 3) throw new Error(JSON.stringify(outcome))
    }
  }
  const viaHost = async (samples: number[], calls: number) => {
    for (let i = 0; i < calls; i++) {
      const start = process.hrtime.bigint()
      const response = await fetch(url)
      const value = ((await response.json()) as { items: number[] }).items.length
      samples.push(Number(process.hrtime.bigint() - start) / 1000)
      if (value !== 3) throw new Error('bad answer')
    }
  }
  await viaHook([], FETCH_WARMUP_CALLS)
  await viaHost([], FETCH_WARMUP_CALLS)
  const hook: Series = { name: 'hook: one fetch through the worker', samples: [] }
  const host: Series = { name: 'host: the same fetch from the server process', samples: [] }
  for (let round = 0; round < FETCH_ROUNDS; round++) {
    await viaHook(hook.samples, FETCH_CALLS_PER_ROUND)
    await viaHost(host.samples, FETCH_CALLS_PER_ROUND)
  }
  await runner.close()
  server.closeAllConnections()
  server.close()
  const h = summary(hook)
  const d = summary(host)
  console.log(
    `\n## one fetch to a local server (${FETCH_ROUNDS} alternating rounds of ${FETCH_CALLS_PER_ROUND} calls)`,
  )
  console.log('path | p50 | p99 | calls/s')
  console.log('--- | --- | --- | ---')
  for (const [series, stats] of [
    [hook, h],
    [host, d],
  ] as const) {
    console.log(
      `${series.name} | ${us(stats.p50)} | ${us(stats.p99)} | ${Math.round(stats.perSecond)}`,
    )
  }
  console.log(`ratio p50 hook/host ${(h.p50 / d.p50).toFixed(2)}× (target ≤ 1.5×)`)
}

if (process.env.BENCH_ONLY !== 'fetch') await main()
await fetchCase()
console.log(`\nload average ${loadavg()[0]?.toFixed(2)} at the end`)
