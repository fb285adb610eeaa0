/**
 * The parent's messages to a worker: `run` (find or build the slot, load the module on its first
 * call, run the hook), `retire` and `stats`.
 */
import { isolateKey, parseParentMessage } from '../protocol.js'
import type { RunMessage } from '../protocol.js'
import type { WorkerStats } from '../runner.js'
import { answer } from './calls.js'
import { onDone } from './callbacks.js'
import {
  dropTimer,
  enter,
  entryFailed,
  entryTimeout,
  finishCall,
  onDeadline,
  settle,
} from './entries.js'
import type { EntryFailure } from './entries.js'
import { disposeIsolate, enforceBounds, retireSlot, sampleHeap } from './isolates.js'
import { buildSlot } from './slots.js'
import { INTERNAL_ENTRY_TIMEOUT_MS, messageOf, note, send, state } from './state.js'
import type { Call } from './state.js'

function handleRun(message: RunMessage): void {
  const now = Date.now()
  const emptyCall = { logs: [], cpuMs: 0 }
  if (now >= message.deadlineAt) {
    send({
      t: 'result',
      id: message.id,
      outcome: {
        kind: 'timeout',
        limit: 'timeoutMs',
        limitMs: message.limits.timeoutMs,
        ...emptyCall,
      },
    })
    return
  }
  const key = isolateKey(message.hookId, message.versionKey, message.limits.memoryMb)
  let slot = state.warm.get(key)
  if (slot === undefined) {
    if (message.code === undefined) {
      // Evicted or retired since the parent last sent the code (or a fresh worker).
      send({ t: 'need-code', id: message.id })
      return
    }
    try {
      slot = buildSlot(message, message.code, key)
    } catch (error) {
      send({
        t: 'result',
        id: message.id,
        outcome: {
          kind: 'crash',
          reason: `could not start an isolate: ${messageOf(error)}`,
          ...emptyCall,
        },
      })
      return
    }
    state.warm.set(key, slot)
    enforceBounds(slot)
  } else {
    state.warm.delete(key)
    state.warm.set(key, slot)
  }
  if (slot.compileError !== undefined) {
    send({
      t: 'result',
      id: message.id,
      outcome: { kind: 'compile-error', description: slot.compileError, ...emptyCall },
    })
    return
  }
  const call: Call = {
    id: message.id,
    slot,
    limits: message.limits,
    deadlineAt: message.deadlineAt,
    traceparent: message.traceparent,
    deadline: undefined,
    logs: [],
    lateLogs: [],
    logBytes: 0,
    logsFull: false,
    cpuNs: 0n,
    timersCreated: 0,
    timers: new Set(),
    requests: new Map(),
    requestsStarted: 0,
    completedInIsolate: false,
    outcome: undefined,
    sent: false,
    ended: false,
  }
  slot.calls.set(call.id, call)
  state.liveCalls++

  // The first entry is bounded by the deadline itself (entryTimeout); most calls end within it,
  // so the deadline's timer is only armed for a call that is still live afterwards.
  if (slot.loaded) {
    const timeoutMs = entryTimeout(call)
    const result = enter(
      call,
      ['run', call.id, message.args, message.limits.maxLogBytes],
      timeoutMs,
    )
    if (!result.ok) runFailed(call, result.failure, timeoutMs)
    else runAnswered(call, result.value)
  } else {
    load(call, message)
  }
  settle()
  if (!call.ended) {
    call.deadline = setTimeout(onDeadline, Math.max(0, call.deadlineAt - Date.now()), call)
  }
}

/** First call of a slot: evaluates the module (compat Q10: body, then bare function), then runs. */
function load(call: Call, message: RunMessage): void {
  const slot = call.slot
  while (slot.candidates.length > 0) {
    const candidate = slot.candidates.shift()
    if (candidate === undefined) break
    const timeoutMs = entryTimeout(call)
    const result = enter(
      call,
      ['run', call.id, message.args, message.limits.maxLogBytes, candidate.derefInto()],
      timeoutMs,
    )
    candidate.release()
    if (!result.ok) {
      runFailed(call, result.failure, timeoutMs)
      return
    }
    if (runAnswered(call, result.value)) {
      slot.loaded = true
      for (const rest of slot.candidates) rest.release()
      slot.candidates = []
      return
    }
    if (typeof result.value === 'string' && result.value.startsWith('threw:')) {
      compileFailed(call, result.value.slice('threw:'.length))
      return
    }
    // 'no-function': try the next candidate
  }
  compileFailed(call, 'The script must export a function: module.exports = function (…) { … }')
}

/**
 * Takes the answer of a `run` entry: the hook started, and maybe completed already (isolate/runtime.ts
 * `runAnswer`: a synchronous completion comes back as the entry's value rather than through the
 * `done` callback, one crossing less). False for any other answer (a module that failed to load).
 */
function runAnswered(call: Call, value: unknown): boolean {
  if (value === 'started') return true
  if (typeof value !== 'string') return false
  if (value === 'ok') {
    onDone(call.slot, call.id, 'ok', undefined)
    return true
  }
  if (value.startsWith('ok:')) {
    onDone(call.slot, call.id, 'ok', value.slice(3))
    return true
  }
  if (value.startsWith('error:')) {
    onDone(call.slot, call.id, 'error', value.slice(6))
    return true
  }
  return false
}

/**
 * A `run` entry failed. If the hook had called back before (and the isolate still lives), its
 * completion is taken first, so the first `cb` still wins and the failure counts as background
 * work. An isolate that ran out of memory is gone with what it held: that call ends as `memory`.
 */
function runFailed(call: Call, failure: EntryFailure, timeoutMs: number): void {
  if (failure.kind === 'timeout' || failure.kind === 'error') {
    const taken = enter(call, ['take'], INTERNAL_ENTRY_TIMEOUT_MS)
    if (taken.ok) runAnswered(call, taken.value)
  }
  entryFailed(call, failure, timeoutMs)
}

function compileFailed(call: Call, description: string): void {
  const slot = call.slot
  call.completedInIsolate = true
  answer(call, { kind: 'compile-error', description, logs: [], cpuMs: 0 })
  for (const timer of [...call.timers]) dropTimer(timer)
  // Keep the verdict for this version; the isolate itself is no longer needed.
  slot.compileError = description
  finishCall(call)
  if (slot.calls.size === 0) disposeIsolate(slot)
  else retireSlot(slot)
}

function handleRetire(hookId: string): void {
  for (const slot of [...state.warm.values()]) {
    if (slot.hookId === hookId) retireSlot(slot)
  }
}

function stats(): WorkerStats {
  let heap = 0
  let inFlight = 0
  for (const slot of state.warm.values()) {
    slot.heapBytes = sampleHeap(slot)
    heap += slot.heapBytes
    inFlight += slot.calls.size
  }
  for (const slot of state.retiredSlots) inFlight += slot.calls.size
  let liveIsolates = 0
  for (const slot of state.warm.values()) if (slot.isolate !== undefined) liveIsolates++
  return {
    pid: process.pid,
    warmIsolates: liveIsolates,
    isolateHeapBytes: heap,
    rssBytes: process.memoryUsage.rss(),
    inFlightCalls: inFlight,
    idlePollFrames: state.poll.frames,
    idlePollPauses: state.poll.pauses,
    idlePollBackoffs: state.poll.backoffs,
    isolatesCreated: state.isolatesCreated,
    egress: { ...state.egress },
  }
}

export function onFrame(value: unknown): void {
  const message = parseParentMessage(value)
  if (message === undefined) {
    note('error', 'worker.protocol_error', undefined, 'invalid message from the parent')
    process.exit(1)
  }
  switch (message.t) {
    case 'run':
      handleRun(message)
      return
    case 'retire':
      handleRetire(message.hookId)
      return
    case 'stats':
      send({ t: 'stats', id: message.id, stats: stats() })
      return
  }
}
