/**
 * The supervision of the pool's workers: spawning one and reading its frames, its messages, its exit
 * and replacement (with a growing delay for a worker that dies before it is ready), killing one,
 * the host deadlines of calls and the probe of a worker that missed one.
 */
import { fork } from 'node:child_process'
import type { Socket } from 'node:net'
import { setPriority } from 'node:os'
import {
  FrameDecoder,
  FrameWriter,
  MAX_WORKER_FRAME_BYTES,
  parseWorkerMessage,
} from '../protocol.js'
import type { WorkerMessage } from '../protocol.js'
import type { RunOutcome, WorkerStats } from '../runner.js'
import { drainAll, sendRun, settle, write } from './calls.js'
import { crash, timeoutOutcome, toRunOutcome } from './outcomes.js'
import type { PoolState, WorkerHandle } from './state.js'

/** How long the parent waits past a call's `timeoutMs` before it answers the call itself. */
export const HOST_DEADLINE_MARGIN_MS = 1_000

/** isolated-vm gives a runaway entry this long to stop before it reports a catastrophic error. */
const ISOLATE_TERMINATE_GRACE_MS = 5_000

/** Workers that die before they are ready are restarted with a growing delay, up to this. */
const MAX_RESTART_DELAY_MS = 5_000
const FIRST_RESTART_DELAY_MS = 100

/** Longest stderr line of a worker copied into the log. */
const MAX_STDERR_LINE_CHARS = 2_000

/**
 * The descriptor under a worker's channel, for `FrameWriter`'s synchronous path. Node does not
 * document it (`_handle.fd`); without it the writer uses the socket alone.
 */
function channelFd(channel: Socket): number | undefined {
  const fd = (channel as unknown as { _handle?: { fd?: unknown } })._handle?.fd
  return typeof fd === 'number' && Number.isSafeInteger(fd) && fd >= 0 ? fd : undefined
}

export function spawn(pool: PoolState, index: number): WorkerHandle {
  const child = fork(pool.entry.path, [], {
    execArgv: pool.entry.execArgv,
    // fd 3 carries the frames; fork needs an IPC channel too, which stays unused.
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'ipc'],
    env: pool.workerEnv,
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
        kill(pool, handle, `the sandbox worker sent an invalid frame: ${frame.error}`)
        return
      }
      const message = parseWorkerMessage(frame.value)
      if (message === undefined) {
        kill(pool, handle, 'the sandbox worker sent a message that fails validation')
        return
      }
      onMessage(pool, handle, message)
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
      pool.logger.warn(
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
    pool.logger.error(
      { event: 'worker.failed', worker: index, err: error },
      'sandbox worker failed',
    )
    onExit(pool, handle, null, null)
    resolveExit()
  })
  child.on('exit', (code, signal) => {
    onExit(pool, handle, code, signal)
    resolveExit()
  })
  pool.workers[index] = handle
  // Calls that waited in a lane's queue while this slot had no worker.
  if (pool.started) setImmediate(drainAll, pool)
  return handle
}

export function onMessage(pool: PoolState, handle: WorkerHandle, message: WorkerMessage): void {
  switch (message.t) {
    case 'ready':
      handle.ready = true
      // Once started: a niced worker would start slowly on a busy machine.
      if (handle.index < pool.poolSize && pool.sharedNice > 0 && handle.child.pid !== undefined) {
        try {
          setPriority(handle.child.pid, pool.sharedNice)
        } catch (error) {
          pool.logger.warn(
            { event: 'worker.priority_failed', worker: handle.index, err: error },
            'sandbox worker priority not set',
          )
        }
      }

      pool.earlyDeaths[handle.index] = 0
      pool.logger.info(
        { event: 'worker.started', worker: handle.index, pid: message.pid },
        'sandbox worker started',
      )
      pool.readyWaiters.get(handle)?.()
      pool.readyWaiters.delete(handle)
      return
    case 'result': {
      const call = handle.calls.get(message.id)
      if (call === undefined) return // answered by the host deadline already
      let outcome: RunOutcome
      try {
        outcome = toRunOutcome(message.outcome, performance.now() - call.startedAt)
      } catch {
        kill(pool, handle, 'the sandbox worker sent a result that is not valid JSON')
        return
      }
      settle(pool, call, outcome)
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
        pool.onLateLogs({ hookId: message.hookId, logs: message.logs })
      } catch (error) {
        pool.logger.error({ event: 'hook.late_logs_failed', err: error }, 'onLateLogs threw')
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
      pool.logger[message.level](
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

export function onExit(
  pool: PoolState,
  handle: WorkerHandle,
  code: number | null,
  signal: NodeJS.Signals | null,
): void {
  if (handle.exited) return
  handle.exited = true
  const reason =
    handle.killReason ??
    `the sandbox worker exited (${signal !== null ? `signal ${signal}` : `code ${code}`}) while the call ran`
  const inFlight = [...handle.calls.values()]
  for (const call of inFlight) settle(pool, call, crash(reason, call.startedAt))
  for (const waiter of handle.statsWaiters.values()) waiter(undefined)
  handle.statsWaiters.clear()
  pool.readyWaiters.get(handle)?.()
  pool.readyWaiters.delete(handle)
  if (pool.closed) return
  pool.logger.error(
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
  if (pool.workers[handle.index] !== handle) return
  if (!handle.ready) pool.earlyDeaths[handle.index] = (pool.earlyDeaths[handle.index] ?? 0) + 1
  const deaths = pool.earlyDeaths[handle.index] ?? 0
  pool.restarts++
  if (deaths === 0) {
    spawn(pool, handle.index)
  } else {
    // A worker that cannot even start would otherwise be respawned in a tight loop.
    const delay = Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** (deaths - 1))
    pool.workers[handle.index] = undefined
    setTimeout(() => {
      if (!pool.closed && pool.workers[handle.index] === undefined) spawn(pool, handle.index)
    }, delay).unref()
  }
}

export function kill(pool: PoolState, handle: WorkerHandle, reason: string): void {
  if (handle.exited) return
  handle.killReason ??= reason
  pool.logger.error(
    { event: 'worker.killed', worker: handle.index, pid: handle.child.pid, reason },
    'sandbox worker killed',
  )
  handle.child.kill('SIGKILL')
}

/**
 * Host deadlines are checked by one interval timer while calls are pending (`PoolState.sweeper`),
 * rather than a timer per call: a call's host deadline has a margin of a second, and a timer per
 * call costs the server a few µs of every call.
 */
export function sweepHostDeadlines(pool: PoolState): void {
  const now = performance.now()
  let live = 0
  for (const worker of pool.workers) {
    if (worker === undefined) continue
    for (const call of worker.calls.values()) {
      if (now < call.hostDeadlineAt) {
        live++
        continue
      }
      settle(
        pool,
        call,
        timeoutOutcome('timeoutMs', call.limits.timeoutMs, {
          logs: [],
          durationMs: now - call.startedAt,
          cpuMs: 0,
        }),
      )
      probe(pool, worker, call.limits.entryTimeoutMs)
    }
  }
  for (const lane of pool.lanes.values()) {
    if (lane.queued === 0) continue
    lane.sweep((call) => {
      if (call.settled) return false
      if (now < call.hostDeadlineAt) {
        live++
        return true
      }
      // It waited in its lane's queue for its whole time: answered like a deadline missed.
      settle(
        pool,
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
    clearInterval(pool.sweeper)
    pool.sweeper = undefined
  }
}

/** A call missed its host deadline: check that its worker still answers at all. */
export function probe(pool: PoolState, handle: WorkerHandle, entryTimeoutMs: number): void {
  if (handle.probing || handle.exited) return
  handle.probing = true
  const waitMs = entryTimeoutMs + ISOLATE_TERMINATE_GRACE_MS + HOST_DEADLINE_MARGIN_MS
  void requestStats(pool, handle, waitMs).then((stats) => {
    handle.probing = false
    if (stats === undefined && !handle.exited) {
      kill(pool, handle, `the sandbox worker stopped responding for more than ${waitMs} ms`)
    }
  })
}

export function requestStats(
  pool: PoolState,
  handle: WorkerHandle,
  waitMs: number,
): Promise<WorkerStats | undefined> {
  if (handle.exited) return Promise.resolve(undefined)
  const id = pool.nextId++
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
