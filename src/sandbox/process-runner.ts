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
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { Logger } from 'pino'
import { compileEgressPolicy, NO_EGRESS } from './egress.js'
import type { EgressPolicy } from './egress.js'
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
  readonly worker: WorkerHandle
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
): RunOutcome {
  const what = {
    maxTimers: `The hook created more than ${value} timers in one call (maxTimers)`,
    maxResultBytes: `The hook's result or error is larger than ${value} bytes (maxResultBytes)`,
    maxPendingCalls: `The sandbox already has ${value} calls pending (maxPendingCalls)`,
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
  }

  const workers: (WorkerHandle | undefined)[] = new Array<WorkerHandle | undefined>(poolSize).fill(
    undefined,
  )
  const earlyDeaths: number[] = new Array<number>(poolSize).fill(0)
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
    return handle
  }

  function onMessage(handle: WorkerHandle, message: WorkerMessage): void {
    switch (message.t) {
      case 'ready':
        handle.ready = true
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
    if (call.worker.calls.delete(call.id)) {
      pending--
      call.resolve(outcome)
    }
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
    if (withCode) {
      if (worker.sentCode.size >= MAX_SENT_CODE_ENTRIES) worker.sentCode.clear()
      worker.sentCode.add(call.isolateKey)
      write(worker, { ...call.message, code: call.code })
    } else {
      write(worker, call.message)
    }
  }

  function route(hookId: string): WorkerHandle | undefined {
    return workers[workerSlotOf(hookId, poolSize)]
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
    if (pending >= maxPendingCalls) {
      return Promise.resolve(
        limitOutcome('maxPendingCalls', maxPendingCalls, { logs: [], durationMs: 0, cpuMs: 0 }),
      )
    }
    const worker = route(request.hookId)
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
        worker,
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
      worker.calls.set(id, call)
      pending++
      sweeper ??= setInterval(sweepHostDeadlines, HOST_DEADLINE_SWEEP_MS)
      sendRun(call, !worker.sentCode.has(call.isolateKey))
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
  const started = Array.from({ length: poolSize }, (_, index) => spawn(index))
  let startTimer: NodeJS.Timeout | undefined
  const allReady = Promise.all(
    started.map(
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
  if (result === 'late' || started.some((handle) => !handle.ready)) {
    await runner.close()
    throw new Error(`the sandbox workers did not start within ${startTimeoutMs} ms`)
  }
  return runner
}
