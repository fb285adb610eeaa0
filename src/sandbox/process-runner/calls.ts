/**
 * The calls of the pool: settling one, handing queued calls of a lane to workers, sending a run
 * (with the hook's code when the worker has not had it), and routing a hook to its worker.
 */
import { Lane } from '../lanes.js'
import type { ParentMessage } from '../protocol.js'
import type { RunOutcome } from '../runner.js'
import type { PendingCall, PoolState, WorkerHandle } from './state.js'

/** Bound on the parent's memory of which isolates a worker was sent the code for. */
const MAX_SENT_CODE_ENTRIES = 10_000

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

export function settle(pool: PoolState, call: PendingCall, outcome: RunOutcome): void {
  if (call.settled) return
  call.settled = true
  pool.pending--
  call.lane.pending--
  const worker = call.worker
  if (worker !== undefined) {
    worker.calls.delete(call.id)
    call.lane.running--
  }
  call.resolve(outcome)
  if (worker !== undefined) drain(pool, call.lane)
}

/** Hands queued calls of a lane to workers while the lane has room. */
export function drain(pool: PoolState, lane: Lane<PendingCall>): void {
  while (lane.canRun) {
    const next = lane.peek()
    if (next === undefined) return
    if (next.settled) {
      lane.shift()
      continue
    }
    const worker = route(pool, next.hookId, lane.name)
    if (worker === undefined || worker.exited) return // the replacement drains it
    lane.shift()
    dispatch(next, worker)
  }
}

export function drainAll(pool: PoolState): void {
  for (const lane of pool.lanes.values()) drain(pool, lane)
}

export function dispatch(call: PendingCall, worker: WorkerHandle): void {
  call.worker = worker
  call.onWorker?.(worker.index)
  call.lane.running++
  worker.calls.set(call.id, call)
  sendRun(call, !worker.sentCode.has(call.isolateKey))
}

export function write(handle: WorkerHandle, message: ParentMessage): void {
  if (!handle.exited) handle.writer.write(message)
}

export function sendRun(call: PendingCall, withCode: boolean): void {
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

export function route(pool: PoolState, hookId: string, lane: string): WorkerHandle | undefined {
  const group = pool.groups.get(lane) ?? pool.sharedGroup
  return pool.workers[group.start + workerSlotOf(hookId, group.size)]
}

export function laneOf(pool: PoolState, name: string | undefined): Lane<PendingCall> {
  if (name === undefined) return pool.noLane
  let lane = pool.lanes.get(name)
  if (lane === undefined) {
    lane = new Lane(name, pool.laneLimits)
    pool.lanes.set(name, lane)
  }
  return lane
}
