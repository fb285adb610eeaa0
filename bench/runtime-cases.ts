/**
 * The cases of the sandbox runtime benchmark, importable: `bench/runtime.ts`
 * (`npm run bench:runtime`) prints them as before, and the `runtime` scenario of `npm run bench`
 * (bench/scenarios/runtime.ts) adds the process-per-call ceiling. Latencies here are in µs.
 */
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Socket } from 'node:net'
import { runInContext, createContext } from 'node:vm'
import type { HookRunner, InjectedErrorClass, RunRequest } from '../src/sandbox/runner.js'

export const WARMUP_CALLS = 2_000
export const ROUNDS = 10
export const CALLS_PER_ROUND = 1_000
export const COLD_CALLS = 40
export const WARM_ISOLATES_FOR_MEMORY = 100
export const PIPELINE_DEPTH = 64
export const PIPELINE_CALLS = 20_000
export const IPC_FLOOR_SAMPLES = 5_000

/** A credentials-exchange hook of about 30 lines: scopes, claims, a little string work. */
export const HOOK_SOURCE = `module.exports = function (client, scope, audience, context, cb) {
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

export const CLASSES: readonly InjectedErrorClass[] = [
  { name: 'ExtensibilityUserError', extends: 'Error', friendlyMessage: false },
  { name: 'InvalidRequestError', extends: 'ExtensibilityUserError', friendlyMessage: false },
  { name: 'InvalidScopeError', extends: 'ExtensibilityUserError', friendlyMessage: false },
  { name: 'ServerError', extends: 'ExtensibilityUserError', friendlyMessage: false },
]

export const PAYLOAD = {
  audience: 'https://api.example.com/',
  client: {
    id: 'abcdefghijklmnopqrstuvwxyz012345',
    name: 'bench',
    tenant: 'My-Tenant',
    metadata: { plan: 'full' },
  },
  scope: ['read:connections'],
}
export const ARGS = [
  PAYLOAD.client,
  PAYLOAD.scope,
  PAYLOAD.audience,
  { webtask: { secrets: { REGION: 'us' }, meta: {}, body: PAYLOAD, headers: {}, query: {} } },
]

export type HookFn = (...args: unknown[]) => void

/** The hook as a plain in-process function, with the classes in its scope as in the sandbox. */
export function compileDirect(): HookFn {
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
export function compileVm(): HookFn {
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
export function callSync(fn: HookFn, copyArgs: boolean): unknown {
  let result: unknown
  const args = copyArgs ? (JSON.parse(JSON.stringify(ARGS)) as unknown[]) : ARGS
  fn(...args, (error: unknown, data: unknown) => {
    result = error ?? JSON.parse(JSON.stringify(data))
  })
  return result
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN
}

export interface Series {
  readonly name: string
  readonly samples: number[]
}

export function summary(series: Series): {
  p50: number
  p99: number
  mean: number
  perSecond: number
} {
  const sorted = [...series.samples].sort((a, b) => a - b)
  const mean = sorted.reduce((sum, x) => sum + x, 0) / sorted.length
  return {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    mean,
    perSecond: 1e6 / mean,
  }
}

export function us(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} ms` : `${value.toFixed(1)} µs`
}

export function request(versionKey: string, hookId = 'bench-hook'): RunRequest {
  return { hookId, versionKey, script: HOOK_SOURCE, injectedClasses: CLASSES, args: ARGS }
}

export async function timeWorker(
  runner: HookRunner,
  samples: number[],
  calls: number,
  run: RunRequest = request('warm'),
): Promise<void> {
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint()
    const outcome = await runner.run(run)
    samples.push(Number(process.hrtime.bigint() - start) / 1000)
    if (outcome.kind !== 'ok') throw new Error(`bench hook failed: ${JSON.stringify(outcome)}`)
  }
}

export function timeSync(fn: HookFn, samples: number[], calls: number): void {
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint()
    callSync(fn, true)
    samples.push(Number(process.hrtime.bigint() - start) / 1000)
  }
}

export async function pipelined(
  runner: HookRunner,
  calls = PIPELINE_CALLS,
  depth = PIPELINE_DEPTH,
): Promise<number> {
  let next = 0
  const started = performance.now()
  async function lane(): Promise<void> {
    while (next < calls) {
      next++
      const outcome = await runner.run(request('warm'))
      if (outcome.kind !== 'ok') throw new Error(outcome.kind)
    }
  }
  await Promise.all(Array.from({ length: depth }, lane))
  return calls / ((performance.now() - started) / 1000)
}

/**
 * The floor under the worker path on this machine: a small frame echoed by a bare Node process
 * over the same kind of pipe, one at a time. No JSON, no isolate.
 */
export async function ipcFloor(samples: number): Promise<number[]> {
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

/** The first call after a change (a new version key, so a new isolate), `calls` times; in µs. */
export async function coldCalls(runner: HookRunner, calls: number): Promise<number[]> {
  const cold: number[] = []
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint()
    const outcome = await runner.run(request(`cold-${String(i)}`))
    cold.push(Number(process.hrtime.bigint() - start) / 1000)
    if (outcome.kind !== 'ok') throw new Error(outcome.kind)
    runner.retire('bench-hook')
  }
  return cold
}

export interface IsolateMemory {
  readonly isolates: number
  readonly rssBeforeBytes: number
  readonly rssAfterBytes: number
  readonly rssPerIsolateBytes: number
  readonly heapPerIsolateBytes: number
}

/**
 * Resident memory per warm isolate: a fresh runner's worker RSS before and after `isolates` more
 * distinct hooks are kept warm, divided by their number (from `runner.stats()`).
 */
export async function memoryPerIsolate(
  runner: HookRunner,
  isolates: number,
): Promise<IsolateMemory> {
  await runner.run(request('m', 'memory-warmup'))
  const before = (await runner.stats()).workers[0]
  for (let i = 0; i < isolates; i++) {
    const outcome = await runner.run(request('m', `memory-hook-${String(i)}`))
    if (outcome.kind !== 'ok') throw new Error(outcome.kind)
  }
  const after = (await runner.stats()).workers[0]
  if (before === undefined || after === undefined) throw new Error('the runner has no worker')
  const added = after.warmIsolates - before.warmIsolates
  return {
    isolates: added,
    rssBeforeBytes: before.rssBytes,
    rssAfterBytes: after.rssBytes,
    rssPerIsolateBytes: (after.rssBytes - before.rssBytes) / added,
    heapPerIsolateBytes: after.isolateHeapBytes / after.warmIsolates,
  }
}

/** How long one process-per-call invocation may take before the bench gives up on it. */
export const PROCESS_CALL_TIMEOUT_MS = 10_000

/**
 * The ceiling: a new `node` process per call, which compiles the same hook, runs it on the JSON
 * arguments from stdin and prints the JSON result (as a function platform without a warm instance
 * or a process-per-request CGI would). One call, in µs, from spawn to the parsed result.
 */
export async function processPerCall(): Promise<number> {
  const program = `
const classes = ${JSON.stringify(CLASSES)}
let prelude = ''
for (const c of classes) prelude += 'class ' + c.name + ' extends ' + c.extends + ' { constructor(m) { super(m); this.name = this.constructor.name } }\\n'
const module = { exports: {} }
new Function('module', 'exports', 'console', prelude + ${JSON.stringify(HOOK_SOURCE)})(module, module.exports, { log() {} })
let input = ''
process.stdin.on('data', (d) => (input += d))
process.stdin.on('end', () => {
  module.exports(...JSON.parse(input), (error, data) => {
    process.stdout.write(JSON.stringify(error ? { error: String(error) } : { data }))
  })
})`
  const start = process.hrtime.bigint()
  const child = spawn(process.execPath, ['-e', program], { stdio: ['pipe', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')))
  child.stdin.end(JSON.stringify(ARGS))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`process-per-call took over ${String(PROCESS_CALL_TIMEOUT_MS)} ms`))
    }, PROCESS_CALL_TIMEOUT_MS)
    child.on('exit', () => {
      clearTimeout(timer)
      resolve()
    })
  })
  const elapsed = Number(process.hrtime.bigint() - start) / 1000
  const parsed = JSON.parse(out) as { data?: unknown }
  if (parsed.data === undefined) throw new Error(`process-per-call failed: ${out}`)
  return elapsed
}

/** CPU time of all threads of a process, in ns (Linux /proc; 0 elsewhere). */
export function cpuNs(pid: number): number {
  let total = 0
  try {
    for (const task of readdirSync(`/proc/${String(pid)}/task`)) {
      const fields = readFileSync(`/proc/${String(pid)}/task/${task}/schedstat`, 'utf8').split(' ')
      total += Number(fields[0])
    }
  } catch {
    return 0
  }
  return total
}

/** The local server of the fetch cases: `body` as JSON, kept alive between requests. */
export async function startFetchTarget(
  body: string,
): Promise<{ readonly server: Server; readonly port: number; readonly url: string }> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(body)
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return { server, port, url: `http://127.0.0.1:${String(port)}/data` }
}

/**
 * A hook that makes one `fetch` to `url` and answers the length of the JSON's `items`. Each URL
 * needs its own `hookId`: the script differs and the version key does not.
 */
export function fetchHookRequest(url: string, hookId = 'bench-fetch'): RunRequest {
  return {
    hookId,
    versionKey: 'v1',
    script: `module.exports = async function (user, context, cb) { const r = await fetch('${url}'); cb(null, (await r.json()).items.length) }`,
    injectedClasses: [],
    args: [{}, {}],
  }
}
