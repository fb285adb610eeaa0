// Size: over 700 lines because it holds the parent side of the sandbox: the worker pool, its
// supervision and replacement, the per-point lanes and the call bookkeeping. The lanes and the
// supervisor are the seams to split next, around one pool state (issue 19).
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
 */
import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import type { Socket } from 'node:net'
import { availableParallelism, setPriority } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { Logger } from 'pino'
import { compileEgressPolicy, NO_EGRESS } from './egress.js'
import type { EgressPolicy } from './egress.js'
import { checkLaneLimits, DEFAULT_LANE_LIMITS, Lane } from './lanes.js'
import type { LaneLimits } from './lanes.js'
import { validateInjectedClasses } from './prelude.js'
import {
  FrameDecoder,
  FrameWriter,
  isolateKey,
  MAX_WORKER_FRAME_BYTES,
  parseWorkerMessage,
} from './protocol.js'
import type {
  HookCode,
  ParentMessage,
  RunMessage,
  WorkerMessage,
  WorkerOutcome,
} from './protocol.js'
import {
  COMPILE_ERROR_MESSAGE,
  DEFAULT_RUN_LIMITS,
  MAX_IDLE_POLL_US,
  MIN_MEMORY_LIMIT_MB,
  MIN_WORKER_RSS_MB,
  resolveLimits,
} from './runner.js'
import type {
  HookErrorBody,
  HookRunner,
  InjectedErrorClass,
  LateLogs,
  RunLimits,
  RunnerStats,
  RunOutcome,
  RunRequest,
  WorkerStats,
} from './runner.js'

/** How long the parent waits past a call's `timeoutMs` before it answers the call itself. */
export const HOST_DEADLINE_MARGIN_MS = 1_000

/** How often, at most, the host deadlines of pending calls are checked (they have 1 s of margin). */
const HOST_DEADLINE_SWEEP_MS = 50

/** isolated-vm gives a runaway entry this long to stop before it reports a catastrophic error. */
const ISOLATE_TERMINATE_GRACE_MS = 5_000

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

/** Workers that die before they are ready are restarted with a growing delay, up to this. */
const MAX_RESTART_DELAY_MS = 5_000
const FIRST_RESTART_DELAY_MS = 100

/**
 * Niceness of the shared workers when dedicated ones exist: a CPU-bound hook of another point then
 * yields its core to the token endpoint's worker (and to the server) when they want it.
 */
export const DEFAULT_SHARED_WORKER_NICE = 10

/** Workers of one dedicated lane, at most. */
const MAX_DEDICATED_WORKERS = 64

/** Bound on the parent's memory of which isolates a worker was sent the code for. */
const MAX_SENT_CODE_ENTRIES = 10_000

/** Longest stderr line of a worker copied into the log. */
const MAX_STDERR_LINE_CHARS = 2_000

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
}

interface PendingCall {
  readonly id: number
  readonly hookId: string
  readonly startedAt: number
  readonly limits: RunLimits
  /** Set when the call is handed to a worker; a call waiting in its lane's queue has none. */
  worker: WorkerHandle | undefined
  readonly lane: Lane<PendingCall>
  settled: boolean
  readonly resolve: (outcome: RunOutcome) => void
  /** `performance.now()` value after which the parent answers the call itself. */
  readonly hostDeadlineAt: number
  /** The run message without its code, kept to resend it with the code on `need-code`. */
  readonly message: RunMessage
  /** The code, taken from the request when the call starts, sent when the worker needs it. */
  readonly code: HookCode
  readonly isolateKey: string
}

interface WorkerHandle {
  readonly index: number
  readonly child: ChildProcess
  readonly channel: Socket
  readonly writer: FrameWriter
  readonly calls: Map<number, PendingCall>
  /**
   * Isolates this worker was sent the code for. Runs for them go without the code (a script is
   * most of a run message); a worker that lost one answers `need-code`.
   */
  readonly sentCode: Set<string>
  readonly statsWaiters: Map<number, (stats: WorkerStats | undefined) => void>
  ready: boolean
  exited: boolean
  killReason: string | undefined
  probing: boolean
  readonly exitPromise: Promise<void>
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

/**
 * The descriptor under a worker's channel, for `FrameWriter`'s synchronous path. Node does not
 * document it (`_handle.fd`); without it the writer uses the socket alone.
 */
function channelFd(channel: Socket): number | undefined {
  const fd = (channel as unknown as { _handle?: { fd?: unknown } })._handle?.fd
  return typeof fd === 'number' && Number.isSafeInteger(fd) && fd >= 0 ? fd : undefined
}

/** The pool slot that runs a hook: the same for a hook id as long as the pool size holds. */
export function workerSlotOf(hookId: string, poolSize: number): number {
  return hashOf(hookId) % poolSize
}

/** FNV-1a. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
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
 * Removes every own key named `__proto__`, walking the value with an explicit stack: a reviver
 * would recurse, and a hook could send a result deep enough to overflow the server's stack.
 */
function dropProtoKeys(root: unknown): void {
  const stack: unknown[] = [root]
  while (stack.length > 0) {
    const item = stack.pop()
    if (typeof item !== 'object' || item === null) continue
    if (Object.hasOwn(item, '__proto__')) Reflect.deleteProperty(item, '__proto__')
    for (const child of Object.values(item)) {
      if (typeof child === 'object' && child !== null) stack.push(child)
    }
  }
}

/**
 * Parses JSON from a worker. Keys named `__proto__` are dropped, so that no caller can turn a hook
 * result into a prototype change by merging it with `Object.assign` or a spread of a spread.
 * (V8's `JSON.parse` itself is iterative: deep nesting does not exhaust the stack.)
 */
function parseJsonCopy(text: string): unknown {
  const value: unknown = JSON.parse(text)
  if (text.includes('__proto__') || text.includes('\\u')) dropProtoKeys(value)
  return value
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function toRunOutcome(outcome: WorkerOutcome, durationMs: number): RunOutcome {
  const common = { logs: outcome.logs, durationMs, cpuMs: outcome.cpuMs }
  switch (outcome.kind) {
    case 'ok':
      return outcome.valueJson === undefined
        ? { kind: 'ok', ...common }
        : { kind: 'ok', value: parseJsonCopy(outcome.valueJson), ...common }
    case 'hook-error': {
      const parsed = parseJsonCopy(outcome.errorJson)
      const error: HookErrorBody = isPlainObject(parsed) ? parsed : { message: String(parsed) }
      return { kind: 'hook-error', error, ...common }
    }
    case 'compile-error':
      return {
        kind: 'compile-error',
        message: COMPILE_ERROR_MESSAGE,
        description: outcome.description,
        ...common,
      }
    case 'timeout':
      return timeoutOutcome(outcome.limit, outcome.limitMs, common)
    case 'memory':
      return {
        kind: 'memory',
        limitMb: outcome.limitMb,
        message: `The hook exceeded its memory limit of ${outcome.limitMb} MB (memoryMb); its isolate was discarded`,
        ...common,
      }
    case 'limit':
      return limitOutcome(outcome.limit, outcome.value, common)
    case 'crash':
      return { kind: 'crash', reason: outcome.reason, ...common }
  }
}

type Common = { logs: RunOutcome['logs']; durationMs: number; cpuMs: number }

function timeoutOutcome(limit: 'timeoutMs' | 'entryTimeoutMs', limitMs: number, common: Common) {
  return {
    kind: 'timeout' as const,
    limit,
    limitMs,
    message:
      limit === 'timeoutMs'
        ? `The hook did not complete within its time limit of ${limitMs} ms (timeoutMs)`
        : `The hook ran for more than ${limitMs} ms without yielding (entryTimeoutMs)`,
    ...common,
  }
}

function limitOutcome(
  limit: 'maxTimers' | 'maxResultBytes' | 'maxPendingCalls',
  value: number,
  common: Common,
  lane?: string,
): RunOutcome {
  const what = {
    maxTimers: `The hook created more than ${value} timers in one call (maxTimers)`,
    maxResultBytes: `The hook's result or error is larger than ${value} bytes (maxResultBytes)`,
    maxPendingCalls:
      lane === undefined
        ? `The sandbox already has ${value} calls pending (maxPendingCalls)`
        : `The sandbox already has ${value} calls pending for ${lane} (maxPendingCalls)`,
  }[limit]
  return { kind: 'limit', limit, value, message: what, ...common }
}

function crash(reason: string, startedAt: number): RunOutcome {
  return { kind: 'crash', reason, logs: [], durationMs: performance.now() - startedAt, cpuMs: 0 }
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
  const entry = workerEntry()
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
  let nextId = 1
  let pending = 0
  let restarts = 0
  let closed = false

  function spawn(index: number): WorkerHandle {
    const child = fork(entry.path, [], {
      execArgv: entry.execArgv,
      // fd 3 carries the frames; fork needs an IPC channel too, which stays unused.
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'ipc'],
      env: workerEnv,
      serialization: 'json',
    })
    const channel = child.stdio[3] as Socket
    let resolveExit: () => void = () => undefined
    const handle: WorkerHandle = {
      index,
      child,
      channel,
      writer: new FrameWriter(channel, () => channelFd(channel)),
      calls: new Map(),
      sentCode: new Set(),
      statsWaiters: new Map(),
      ready: false,
      exited: false,
      killReason: undefined,
      probing: false,
      exitPromise: new Promise<void>((resolve) => {
        resolveExit = resolve
      }),
    }
    const decoder = new FrameDecoder(MAX_WORKER_FRAME_BYTES)
    channel.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        if (!frame.ok) {
          kill(handle, `the sandbox worker sent an invalid frame: ${frame.error}`)
          return
        }
        const message = parseWorkerMessage(frame.value)
        if (message === undefined) {
          kill(handle, 'the sandbox worker sent a message that fails validation')
          return
        }
        onMessage(handle, message)
      }
    })
    channel.on('error', () => undefined)
    let stderrTail = ''
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (text: string) => {
      const lines = (stderrTail + text).split('\n')
      stderrTail = (lines.pop() ?? '').slice(0, MAX_STDERR_LINE_CHARS)
      for (const line of lines) {
        if (line.trim() === '') continue
        logger.warn(
          {
            event: 'worker.stderr',
            worker: index,
            pid: child.pid,
            line: line.slice(0, MAX_STDERR_LINE_CHARS),
          },
          'sandbox worker wrote to stderr',
        )
      }
    })
    child.on('error', (error) => {
      logger.error({ event: 'worker.failed', worker: index, err: error }, 'sandbox worker failed')
      onExit(handle, null, null)
      resolveExit()
    })
    child.on('exit', (code, signal) => {
      onExit(handle, code, signal)
      resolveExit()
    })
    workers[index] = handle
    // Calls that waited in a lane's queue while this slot had no worker.
    if (started) setImmediate(drainAll)
    return handle
  }

  function onMessage(handle: WorkerHandle, message: WorkerMessage): void {
    switch (message.t) {
      case 'ready':
        handle.ready = true
        // Once started: a niced worker would start slowly on a busy machine.
        if (handle.index < poolSize && sharedNice > 0 && handle.child.pid !== undefined) {
          try {
            setPriority(handle.child.pid, sharedNice)
          } catch (error) {
            logger.warn(
              { event: 'worker.priority_failed', worker: handle.index, err: error },
              'sandbox worker priority not set',
            )
          }
        }

        earlyDeaths[handle.index] = 0
        logger.info(
          { event: 'worker.started', worker: handle.index, pid: message.pid },
          'sandbox worker started',
        )
        readyWaiters.get(handle)?.()
        readyWaiters.delete(handle)
        return
      case 'result': {
        const call = handle.calls.get(message.id)
        if (call === undefined) return // answered by the host deadline already
        let outcome: RunOutcome
        try {
          outcome = toRunOutcome(message.outcome, performance.now() - call.startedAt)
        } catch {
          kill(handle, 'the sandbox worker sent a result that is not valid JSON')
          return
        }
        settle(call, outcome)
        return
      }
      case 'need-code': {
        const call = handle.calls.get(message.id)
        if (call !== undefined) sendRun(call, true)
        return
      }
      case 'late-logs':
        if (message.logs.length === 0) return
        try {
          onLateLogs({ hookId: message.hookId, logs: message.logs })
        } catch (error) {
          logger.error({ event: 'hook.late_logs_failed', err: error }, 'onLateLogs threw')
        }
        return
      case 'stats': {
        const waiter = handle.statsWaiters.get(message.id)
        handle.statsWaiters.delete(message.id)
        waiter?.(message.stats)
        return
      }
      case 'note':
        if (message.event === 'worker.memory_ceiling') {
          // The worker exits next; its calls in flight end with this reason.
          handle.killReason ??=
            'the sandbox worker passed its resident-memory ceiling and was replaced'
        }
        logger[message.level](
          {
            event: message.event,
            worker: handle.index,
            ...(message.hookId !== undefined ? { hookId: message.hookId } : undefined),
            ...(message.detail !== undefined ? { detail: message.detail } : undefined),
          },
          'sandbox worker event',
        )
        return
    }
  }

  function settle(call: PendingCall, outcome: RunOutcome): void {
    if (call.settled) return
    call.settled = true
    pending--
    call.lane.pending--
    const worker = call.worker
    if (worker !== undefined) {
      worker.calls.delete(call.id)
      call.lane.running--
    }
    call.resolve(outcome)
    if (worker !== undefined) drain(call.lane)
  }

  /** Hands queued calls of a lane to workers while the lane has room. */
  function drain(lane: Lane<PendingCall>): void {
    while (lane.canRun) {
      const next = lane.peek()
      if (next === undefined) return
      if (next.settled) {
        lane.shift()
        continue
      }
      const worker = route(next.hookId, lane.name)
      if (worker === undefined || worker.exited) return // the replacement drains it
      lane.shift()
      dispatch(next, worker)
    }
  }

  function drainAll(): void {
    for (const lane of lanes.values()) drain(lane)
  }

  function dispatch(call: PendingCall, worker: WorkerHandle): void {
    call.worker = worker
    call.lane.running++
    worker.calls.set(call.id, call)
    sendRun(call, !worker.sentCode.has(call.isolateKey))
  }

  function onExit(handle: WorkerHandle, code: number | null, signal: NodeJS.Signals | null): void {
    if (handle.exited) return
    handle.exited = true
    const reason =
      handle.killReason ??
      `the sandbox worker exited (${signal !== null ? `signal ${signal}` : `code ${code}`}) while the call ran`
    const inFlight = [...handle.calls.values()]
    for (const call of inFlight) settle(call, crash(reason, call.startedAt))
    for (const waiter of handle.statsWaiters.values()) waiter(undefined)
    handle.statsWaiters.clear()
    readyWaiters.get(handle)?.()
    readyWaiters.delete(handle)
    if (closed) return
    logger.error(
      {
        event: 'worker.exited',
        worker: handle.index,
        pid: handle.child.pid,
        code,
        signal,
        inFlight: inFlight.length,
        reason,
      },
      'sandbox worker exited; starting a replacement',
    )
    if (workers[handle.index] !== handle) return
    if (!handle.ready) earlyDeaths[handle.index] = (earlyDeaths[handle.index] ?? 0) + 1
    const deaths = earlyDeaths[handle.index] ?? 0
    restarts++
    if (deaths === 0) {
      spawn(handle.index)
    } else {
      // A worker that cannot even start would otherwise be respawned in a tight loop.
      const delay = Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** (deaths - 1))
      workers[handle.index] = undefined
      setTimeout(() => {
        if (!closed && workers[handle.index] === undefined) spawn(handle.index)
      }, delay).unref()
    }
  }

  function kill(handle: WorkerHandle, reason: string): void {
    if (handle.exited) return
    handle.killReason ??= reason
    logger.error(
      { event: 'worker.killed', worker: handle.index, pid: handle.child.pid, reason },
      'sandbox worker killed',
    )
    handle.child.kill('SIGKILL')
  }

  /**
   * Host deadlines are checked by one interval timer while calls are pending, rather than a timer
   * per call: a call's host deadline has a margin of a second, and a timer per call costs the
   * server a few µs of every call.
   */
  let sweeper: NodeJS.Timeout | undefined

  function sweepHostDeadlines(): void {
    const now = performance.now()
    let live = 0
    for (const worker of workers) {
      if (worker === undefined) continue
      for (const call of worker.calls.values()) {
        if (now < call.hostDeadlineAt) {
          live++
          continue
        }
        settle(
          call,
          timeoutOutcome('timeoutMs', call.limits.timeoutMs, {
            logs: [],
            durationMs: now - call.startedAt,
            cpuMs: 0,
          }),
        )
        probe(worker, call.limits.entryTimeoutMs)
      }
    }
    for (const lane of lanes.values()) {
      if (lane.queued === 0) continue
      lane.sweep((call) => {
        if (call.settled) return false
        if (now < call.hostDeadlineAt) {
          live++
          return true
        }
        // It waited in its lane's queue for its whole time: answered like a deadline missed.
        settle(
          call,
          timeoutOutcome('timeoutMs', call.limits.timeoutMs, {
            logs: [],
            durationMs: now - call.startedAt,
            cpuMs: 0,
          }),
        )
        return false
      })
    }
    if (live === 0) {
      clearInterval(sweeper)
      sweeper = undefined
    }
  }

  /** A call missed its host deadline: check that its worker still answers at all. */
  function probe(handle: WorkerHandle, entryTimeoutMs: number): void {
    if (handle.probing || handle.exited) return
    handle.probing = true
    const waitMs = entryTimeoutMs + ISOLATE_TERMINATE_GRACE_MS + HOST_DEADLINE_MARGIN_MS
    void requestStats(handle, waitMs).then((stats) => {
      handle.probing = false
      if (stats === undefined && !handle.exited) {
        kill(handle, `the sandbox worker stopped responding for more than ${waitMs} ms`)
      }
    })
  }

  function requestStats(handle: WorkerHandle, waitMs: number): Promise<WorkerStats | undefined> {
    if (handle.exited) return Promise.resolve(undefined)
    const id = nextId++
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        handle.statsWaiters.delete(id)
        resolve(undefined)
      }, waitMs)
      handle.statsWaiters.set(id, (stats) => {
        clearTimeout(timer)
        resolve(stats)
      })
      write(handle, { t: 'stats', id })
    })
  }

  function write(handle: WorkerHandle, message: ParentMessage): void {
    if (!handle.exited) handle.writer.write(message)
  }

  function sendRun(call: PendingCall, withCode: boolean): void {
    const worker = call.worker
    if (worker === undefined) return
    if (withCode) {
      if (worker.sentCode.size >= MAX_SENT_CODE_ENTRIES) worker.sentCode.clear()
      worker.sentCode.add(call.isolateKey)
      write(worker, { ...call.message, code: call.code })
    } else {
      write(worker, call.message)
    }
  }

  function route(hookId: string, lane: string): WorkerHandle | undefined {
    const group = groups.get(lane) ?? sharedGroup
    return workers[group.start + workerSlotOf(hookId, group.size)]
  }

  function laneOf(name: string | undefined): Lane<PendingCall> {
    if (name === undefined) return noLane
    let lane = lanes.get(name)
    if (lane === undefined) {
      lane = new Lane(name, laneLimits)
      lanes.set(name, lane)
    }
    return lane
  }

  /**
   * Not an async function: a warm call is a few tens of µs of work in this process, and each extra
   * promise layer adds microtask turns to it. A synchronous throw still becomes a rejection.
   */
  function startRun(request: RunRequest): Promise<RunOutcome> {
    const startedAt = performance.now()
    const overrides = request.limits
    const limits =
      overrides === undefined || Object.keys(overrides).length === 0
        ? defaults
        : resolveLimits(overrides, defaults)
    if (limits !== defaults) checkLimits(limits)
    // Trigger definitions pass the same array every time: check each list once.
    if (!checkedClassLists.has(request.injectedClasses)) {
      validateInjectedClasses(request.injectedClasses)
      checkedClassLists.add(request.injectedClasses)
    }
    const args = JSON.stringify(request.args)
    if (closed) return Promise.resolve(crash('the sandbox is closed', startedAt))
    const lane = laneOf(request.lane)
    if (lane.full) {
      return Promise.resolve(
        limitOutcome(
          'maxPendingCalls',
          lane.limits?.maxPendingCalls ?? maxPendingCalls,
          { logs: [], durationMs: 0, cpuMs: 0 },
          lane.name,
        ),
      )
    }
    if (pending >= maxPendingCalls) {
      return Promise.resolve(
        limitOutcome('maxPendingCalls', maxPendingCalls, { logs: [], durationMs: 0, cpuMs: 0 }),
      )
    }
    const worker = route(request.hookId, lane.name)
    if (worker === undefined || worker.exited) {
      return Promise.resolve(crash('the sandbox worker for this hook is restarting', startedAt))
    }
    const id = nextId++
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
        },
        code: {
          script: request.script,
          classes: request.injectedClasses,
          ...(request.modules !== undefined ? { modules: request.modules } : undefined),
        },
        isolateKey: isolateKey(request.hookId, request.versionKey, limits.memoryMb),
      }
      pending++
      lane.pending++
      sweeper ??= setInterval(sweepHostDeadlines, HOST_DEADLINE_SWEEP_MS)
      if (lane.canRun && lane.queued === 0) dispatch(call, worker)
      else lane.enqueue(call)
    })
  }

  const runner: HookRunner = {
    run(request: RunRequest): Promise<RunOutcome> {
      try {
        return startRun(request)
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)))
      }
    },

    retire(hookId: string): void {
      for (const worker of workers) if (worker !== undefined) write(worker, { t: 'retire', hookId })
    },

    async stats(): Promise<RunnerStats> {
      const all = await Promise.all(
        workers.map((worker) =>
          worker === undefined
            ? Promise.resolve(undefined)
            : requestStats(worker, STATS_TIMEOUT_MS),
        ),
      )
      return {
        workers: all.filter((stats): stats is WorkerStats => stats !== undefined),
        workerRestarts: restarts,
        pendingCalls: pending,
      }
    },

    async close(): Promise<void> {
      if (closed) return
      closed = true
      clearInterval(sweeper)
      sweeper = undefined
      const live = workers.filter((worker): worker is WorkerHandle => worker !== undefined)
      for (const lane of lanes.values()) {
        lane.sweep((call) => {
          settle(call, crash('the sandbox was closed', call.startedAt))
          return false
        })
      }
      for (const worker of live) {
        for (const call of [...worker.calls.values()])
          settle(call, crash('the sandbox was closed', call.startedAt))
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
  let started = false
  const starting = Array.from({ length: totalWorkers }, (_, index) => spawn(index))
  started = true
  let startTimer: NodeJS.Timeout | undefined
  const allReady = Promise.all(
    starting.map(
      (handle) =>
        new Promise<void>((resolve) => {
          if (handle.ready || handle.exited) resolve()
          else readyWaiters.set(handle, resolve)
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
