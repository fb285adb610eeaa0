/**
 * The parent side of the sandbox: a pool of supervised worker processes (`worker.ts`), each hosting
 * isolated-vm isolates. The server process never evaluates hook code (STYLE §1.5, §9).
 *
 * - A hook id always goes to the same worker, so its warm isolate is reused.
 * - A worker that exits is replaced at once; the calls it had in flight end as `crash`.
 * - Every call has a host deadline (its `timeoutMs` plus a margin) on top of the worker's own
 *   deadline and isolated-vm's per-entry timeout. A worker that misses it is probed, and killed
 *   when the probe goes unanswered.
 * - Every frame from a worker is size-checked and validated; a bad one kills the worker.
 *
 * This file validates the options and builds the pool's state (process-runner/state.ts); the calls
 * (process-runner/calls.ts), the supervision of the workers (process-runner/supervisor.ts) and the
 * outcomes (process-runner/outcomes.ts) are in process-runner/.
 */
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { Logger } from 'pino'
import { compileEgressPolicy, NO_EGRESS } from './egress.js'
import type { EgressPolicy } from './egress.js'
import { checkLaneLimits, DEFAULT_LANE_LIMITS, Lane } from './lanes.js'
import type { LaneLimits } from './lanes.js'
import { validateInjectedClasses } from './prelude.js'
import { isolateKey, TRACEPARENT } from './protocol.js'
import {
  DEFAULT_RUN_LIMITS,
  MAX_IDLE_POLL_US,
  MIN_MEMORY_LIMIT_MB,
  MIN_WORKER_RSS_MB,
  resolveLimits,
} from './runner.js'
import type {
  HookRunner,
  InjectedErrorClass,
  LateLogs,
  RunLimits,
  RunnerStats,
  RunOutcome,
  RunRequest,
  WorkerStats,
} from './runner.js'
import { dispatch, laneOf, route, settle, write } from './process-runner/calls.js'
import { crash, limitOutcome } from './process-runner/outcomes.js'
import {
  HOST_DEADLINE_MARGIN_MS,
  requestStats,
  spawn,
  sweepHostDeadlines,
} from './process-runner/supervisor.js'
import type { PendingCall, PoolState, WorkerHandle } from './process-runner/state.js'

export { workerSlotOf } from './process-runner/calls.js'
export { HOST_DEADLINE_MARGIN_MS } from './process-runner/supervisor.js'

/** How often, at most, the host deadlines of pending calls are checked (they have 1 s of margin). */
const HOST_DEADLINE_SWEEP_MS = 50

/**
 * Startup of all workers (tsx compiles `worker.ts` on the fly in tests): a deadline for a start
 * that is broken, with room for a busy machine (two cores at a load average of 20 take 15 s).
 */
export const DEFAULT_WORKER_START_TIMEOUT_MS = 60_000

/** `close()` waits this long for workers to exit before it kills them. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 5_000

/** Calls waiting for an outcome, across all workers, before new calls are refused. */
export const DEFAULT_MAX_PENDING_CALLS = 1_000

/** `stats()` waits this long for each worker. */
const STATS_TIMEOUT_MS = 2_000

/**
 * Niceness of the shared workers when dedicated ones exist: a CPU-bound hook of another point then
 * yields its core to the token endpoint's worker (and to the server) when they want it.
 */
export const DEFAULT_SHARED_WORKER_NICE = 10

/** Workers of one dedicated lane, at most. */
const MAX_DEDICATED_WORKERS = 64

/** Upper bounds for per-call limits, so that frames stay below the protocol ceiling. */
const MAX_RESULT_BYTES_CEILING = 1024 * 1024
const MAX_LOG_BYTES_CEILING = 1024 * 1024
const MAX_TIMEOUT_MS_CEILING = 10 * 60 * 1000
const MAX_MEMORY_MB_CEILING = 4096

export interface ProcessRunnerOptions {
  readonly logger: Logger
  /** Worker processes; default `os.availableParallelism()`. */
  readonly poolSize?: number
  /** Limits for calls that do not set their own. */
  readonly defaultLimits?: Partial<RunLimits>
  readonly maxPendingCalls?: number
  /** Warm isolates kept per worker; default `DEFAULT_MAX_WARM_ISOLATES` (runner.ts). */
  readonly maxWarmIsolatesPerWorker?: number
  /** Heap, in MB, of the warm isolates of one worker; default `DEFAULT_MAX_WARM_HEAP_MB`. */
  readonly maxWarmHeapMbPerWorker?: number
  /**
   * Resident memory, in MB, of one worker process past which it drops its idle isolates and, if
   * that is not enough, is replaced; default `DEFAULT_MAX_WORKER_RSS_MB` (runner.ts).
   */
  readonly maxWorkerRssMb?: number
  /**
   * How long, in µs, an idle worker reads its channel without blocking after its last answer
   * before it sleeps; default `DEFAULT_IDLE_POLL_US` (runner.ts). 0 turns it off.
   */
  readonly idlePollUs?: number
  readonly workerStartTimeoutMs?: number
  readonly closeTimeoutMs?: number
  /**
   * Console output written by a call after its outcome was returned (background work, compat
   * Q11). Default: logged at debug level as `hook.late_logs`.
   */
  readonly onLateLogs?: (late: LateLogs) => void
  /**
   * The share of each lane (`RunRequest.lane`; the server names one per extensibility point):
   * pending calls and calls handed to workers at once. Default `DEFAULT_LANE_LIMITS` (lanes.ts).
   */
  readonly laneLimits?: LaneLimits
  /**
   * Lanes with workers of their own, and how many: their hooks run there and nowhere else, and no
   * other lane's hook runs there. The other lanes share the `poolSize` workers.
   */
  readonly dedicatedWorkers?: Readonly<Record<string, number>>
  /**
   * Niceness (0–19) of the shared workers while some lane has workers of its own: the kernel then
   * gives the dedicated workers (the token endpoint's) the CPU first when both want it. Default
   * `DEFAULT_SHARED_WORKER_NICE`.
   */
  readonly sharedWorkerNice?: number
  /**
   * Where hook code may send requests (`fetch`, `http`, `request`; docs/egress.md). Default
   * {@link NO_EGRESS}: nothing is reachable. The server passes `OPENHOOKS_EGRESS` and
   * `OPENHOOKS_EGRESS_ALLOW` here.
   */
  readonly egress?: EgressPolicy
  /**
   * Node flags added to the workers' own (the bench passes `--cpu-prof` to profile them,
   * docs/performance.md). Only the embedding code sets them; hooks never do.
   */
  readonly workerExecArgv?: readonly string[]
}

function isTypeScriptModule(): boolean {
  return import.meta.url.endsWith('.ts')
}

function workerEntry(): { path: string; execArgv: string[] } {
  // Under tsx (tests, `npm run dev`) this file is .ts and so is the worker; from dist/ both are .js.
  if (isTypeScriptModule()) {
    return {
      path: fileURLToPath(new URL('./worker.ts', import.meta.url)),
      execArgv: ['--no-node-snapshot', '--import', import.meta.resolve('tsx')],
    }
  }
  return {
    path: fileURLToPath(new URL('./worker.js', import.meta.url)),
    execArgv: ['--no-node-snapshot'],
  }
}

function checkLimits(limits: RunLimits): void {
  const check = (name: keyof RunLimits, min: number, max: number) => {
    const value = limits[name]
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new TypeError(
        `sandbox limit ${name} must be an integer from ${min} to ${max}, got ${value}`,
      )
    }
  }
  check('timeoutMs', 1, MAX_TIMEOUT_MS_CEILING)
  check('entryTimeoutMs', 1, MAX_TIMEOUT_MS_CEILING)
  check('memoryMb', MIN_MEMORY_LIMIT_MB, MAX_MEMORY_MB_CEILING)
  check('maxLogBytes', 0, MAX_LOG_BYTES_CEILING)
  check('maxResultBytes', 1, MAX_RESULT_BYTES_CEILING)
  check('maxTimers', 0, Number.MAX_SAFE_INTEGER)
}

/**
 * Starts the worker pool and resolves once every worker is ready.
 *
 * @example
 * const runner = await startProcessRunner({ logger: logger.child({ component: 'sandbox' }) })
 * const outcome = await runner.run({ hookId, versionKey, script, injectedClasses: [], args: [1] })
 */
export async function startProcessRunner(options: ProcessRunnerOptions): Promise<HookRunner> {
  const logger = options.logger
  const poolSize = options.poolSize ?? availableParallelism()
  if (!Number.isSafeInteger(poolSize) || poolSize < 1) {
    throw new TypeError(`sandbox poolSize must be a positive integer, got ${poolSize}`)
  }
  const idlePollUs = options.idlePollUs
  if (
    idlePollUs !== undefined &&
    (!Number.isSafeInteger(idlePollUs) || idlePollUs < 0 || idlePollUs > MAX_IDLE_POLL_US)
  ) {
    throw new TypeError(
      `sandbox idlePollUs must be an integer from 0 to ${MAX_IDLE_POLL_US}, got ${idlePollUs}`,
    )
  }
  const maxWorkerRssMb = options.maxWorkerRssMb
  if (
    maxWorkerRssMb !== undefined &&
    (!Number.isSafeInteger(maxWorkerRssMb) || maxWorkerRssMb < MIN_WORKER_RSS_MB)
  ) {
    throw new TypeError(
      `sandbox maxWorkerRssMb must be an integer of at least ${MIN_WORKER_RSS_MB}, got ${maxWorkerRssMb}`,
    )
  }
  const laneLimits = options.laneLimits ?? DEFAULT_LANE_LIMITS
  checkLaneLimits(laneLimits)
  // Workers [0, poolSize) are shared; each dedicated lane has the range after them.
  const groups = new Map<string, { start: number; size: number }>()
  let totalWorkers = poolSize
  for (const [lane, size] of Object.entries(options.dedicatedWorkers ?? {})) {
    if (!Number.isSafeInteger(size) || size < 0 || size > MAX_DEDICATED_WORKERS) {
      throw new TypeError(
        `sandbox dedicatedWorkers.${lane} must be an integer from 0 to ${MAX_DEDICATED_WORKERS}, got ${size}`,
      )
    }
    if (size === 0) continue
    groups.set(lane, { start: totalWorkers, size })
    totalWorkers += size
  }
  const sharedGroup = { start: 0, size: poolSize }
  const sharedNice = groups.size > 0 ? (options.sharedWorkerNice ?? DEFAULT_SHARED_WORKER_NICE) : 0
  if (!Number.isSafeInteger(sharedNice) || sharedNice < 0 || sharedNice > 19) {
    throw new TypeError(
      `sandbox sharedWorkerNice must be an integer from 0 to 19, got ${sharedNice}`,
    )
  }
  const lanes = new Map<string, Lane<PendingCall>>()
  const noLane = new Lane<PendingCall>('', undefined)
  const defaults = resolveLimits(options.defaultLimits, DEFAULT_RUN_LIMITS)
  checkLimits(defaults)
  const maxPendingCalls = options.maxPendingCalls ?? DEFAULT_MAX_PENDING_CALLS
  const startTimeoutMs = options.workerStartTimeoutMs ?? DEFAULT_WORKER_START_TIMEOUT_MS
  const closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS
  const onLateLogs =
    options.onLateLogs ??
    ((late: LateLogs) => {
      // Only the count: the text may hold secrets or a caller's data, and it is not redacted here.
      logger.debug(
        { event: 'hook.late_logs', hookId: late.hookId, lines: late.logs.length },
        'console output after the outcome',
      )
    })
  const egress = options.egress ?? NO_EGRESS
  compileEgressPolicy(egress) // throws on a bad policy, before any worker starts
  const base = workerEntry()
  const entry = { ...base, execArgv: [...base.execArgv, ...(options.workerExecArgv ?? [])] }
  const workerEnv: NodeJS.ProcessEnv = {
    OPENHOOKS_SANDBOX_EGRESS: JSON.stringify(egress),
    ...(options.maxWarmIsolatesPerWorker !== undefined
      ? { OPENHOOKS_SANDBOX_MAX_WARM_ISOLATES: String(options.maxWarmIsolatesPerWorker) }
      : undefined),
    ...(options.maxWarmHeapMbPerWorker !== undefined
      ? { OPENHOOKS_SANDBOX_MAX_WARM_HEAP_MB: String(options.maxWarmHeapMbPerWorker) }
      : undefined),
    ...(idlePollUs !== undefined
      ? { OPENHOOKS_SANDBOX_IDLE_POLL_US: String(idlePollUs) }
      : undefined),
    ...(options.maxWorkerRssMb !== undefined
      ? { OPENHOOKS_SANDBOX_MAX_RSS_MB: String(options.maxWorkerRssMb) }
      : undefined),
  }

  const workers: (WorkerHandle | undefined)[] = new Array<WorkerHandle | undefined>(
    totalWorkers,
  ).fill(undefined)
  const earlyDeaths: number[] = new Array<number>(totalWorkers).fill(0)
  const readyWaiters = new Map<WorkerHandle, () => void>()
  const checkedClassLists = new WeakSet<readonly InjectedErrorClass[]>()
  const pool: PoolState = {
    logger,
    poolSize,
    groups,
    sharedGroup,
    sharedNice,
    laneLimits,
    lanes,
    noLane,
    defaults,
    maxPendingCalls,
    onLateLogs,
    entry,
    workerEnv,
    workers,
    earlyDeaths,
    readyWaiters,
    checkedClassLists,
    nextId: 1,
    pending: 0,
    restarts: 0,
    closed: false,
    started: false,
    sweeper: undefined,
  }

  const runner: HookRunner = {
    run(request: RunRequest): Promise<RunOutcome> {
      try {
        return startRun(pool, request)
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)))
      }
    },

    retire(hookId: string): void {
      for (const worker of pool.workers)
        if (worker !== undefined) write(worker, { t: 'retire', hookId })
    },

    async stats(): Promise<RunnerStats> {
      const all = await Promise.all(
        pool.workers.map((worker) =>
          worker === undefined
            ? Promise.resolve(undefined)
            : requestStats(pool, worker, STATS_TIMEOUT_MS),
        ),
      )
      return {
        workers: all.filter((stats): stats is WorkerStats => stats !== undefined),
        workerRestarts: pool.restarts,
        pendingCalls: pool.pending,
      }
    },

    async close(): Promise<void> {
      if (pool.closed) return
      pool.closed = true
      clearInterval(pool.sweeper)
      pool.sweeper = undefined
      const live = pool.workers.filter((worker): worker is WorkerHandle => worker !== undefined)
      for (const lane of pool.lanes.values()) {
        lane.sweep((call) => {
          settle(pool, call, crash('the sandbox was closed', call.startedAt))
          return false
        })
      }
      for (const worker of live) {
        for (const call of [...worker.calls.values()])
          settle(pool, call, crash('the sandbox was closed', call.startedAt))
        worker.channel.end()
        if (worker.child.connected) worker.child.disconnect()
      }
      let timer: NodeJS.Timeout | undefined
      const deadline = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => {
          resolve('late')
        }, closeTimeoutMs)
      })
      const result = await Promise.race([Promise.all(live.map((w) => w.exitPromise)), deadline])
      clearTimeout(timer)
      if (result === 'late') {
        for (const worker of live) if (!worker.exited) worker.child.kill('SIGKILL')
        await Promise.all(live.map((w) => w.exitPromise))
      }
    },
  }

  // Start every worker and wait for all of them, within a deadline.
  const starting = Array.from({ length: totalWorkers }, (_, index) => spawn(pool, index))
  pool.started = true
  let startTimer: NodeJS.Timeout | undefined
  const allReady = Promise.all(
    starting.map(
      (handle) =>
        new Promise<void>((resolve) => {
          if (handle.ready || handle.exited) resolve()
          else pool.readyWaiters.set(handle, resolve)
        }),
    ),
  )
  const timedOut = new Promise<'late'>((resolve) => {
    startTimer = setTimeout(() => {
      resolve('late')
    }, startTimeoutMs)
  })
  const result = await Promise.race([allReady, timedOut])
  clearTimeout(startTimer)
  if (result === 'late' || starting.some((handle) => !handle.ready)) {
    await runner.close()
    throw new Error(`the sandbox workers did not start within ${startTimeoutMs} ms`)
  }
  return runner
}

/**
 * Not an async function: a warm call is a few tens of µs of work in this process, and each extra
 * promise layer adds microtask turns to it. A synchronous throw still becomes a rejection.
 */
function startRun(pool: PoolState, request: RunRequest): Promise<RunOutcome> {
  const startedAt = performance.now()
  const overrides = request.limits
  const limits =
    overrides === undefined || Object.keys(overrides).length === 0
      ? pool.defaults
      : resolveLimits(overrides, pool.defaults)
  if (limits !== pool.defaults) checkLimits(limits)
  // Trigger definitions pass the same array every time: check each list once.
  if (!pool.checkedClassLists.has(request.injectedClasses)) {
    validateInjectedClasses(request.injectedClasses)
    pool.checkedClassLists.add(request.injectedClasses)
  }
  const args = JSON.stringify(request.args)
  if (pool.closed) return Promise.resolve(crash('the sandbox is closed', startedAt))
  const lane = laneOf(pool, request.lane)
  if (lane.full) {
    return Promise.resolve(
      limitOutcome(
        'maxPendingCalls',
        lane.limits?.maxPendingCalls ?? pool.maxPendingCalls,
        { logs: [], durationMs: 0, cpuMs: 0 },
        lane.name,
      ),
    )
  }
  if (pool.pending >= pool.maxPendingCalls) {
    return Promise.resolve(
      limitOutcome('maxPendingCalls', pool.maxPendingCalls, { logs: [], durationMs: 0, cpuMs: 0 }),
    )
  }
  const worker = route(pool, request.hookId, lane.name)
  if (worker === undefined || worker.exited) {
    return Promise.resolve(crash('the sandbox worker for this hook is restarting', startedAt))
  }
  const id = pool.nextId++
  return new Promise<RunOutcome>((resolve) => {
    const call: PendingCall = {
      id,
      hookId: request.hookId,
      startedAt,
      limits,
      worker: undefined,
      lane,
      settled: false,
      resolve,
      hostDeadlineAt: startedAt + limits.timeoutMs + HOST_DEADLINE_MARGIN_MS,
      message: {
        t: 'run',
        id,
        hookId: request.hookId,
        versionKey: request.versionKey,
        args,
        limits,
        deadlineAt: Date.now() + limits.timeoutMs,
        ...(request.traceparent !== undefined && TRACEPARENT.test(request.traceparent)
          ? { traceparent: request.traceparent }
          : undefined),
      },
      code: {
        script: request.script,
        classes: request.injectedClasses,
        ...(request.modules !== undefined ? { modules: request.modules } : undefined),
      },
      isolateKey: isolateKey(request.hookId, request.versionKey, limits.memoryMb),
    }
    pool.pending++
    lane.pending++
    pool.sweeper ??= setInterval(sweepHostDeadlines, HOST_DEADLINE_SWEEP_MS, pool)
    if (lane.canRun && lane.queued === 0) dispatch(call, worker)
    else lane.enqueue(call)
  })
}
