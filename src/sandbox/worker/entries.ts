/**
 * Entries into a worker's isolates and the end of calls: one synchronous, time-bounded entry on
 * behalf of a call, what a failed entry means for the call and its slot, the call's timers and
 * deadline, and `settle`, which sends the outcomes recorded during an entry and ends the calls that
 * are over once it is done.
 */
import type ivm from 'isolated-vm-types'
import type { WorkerOutcome } from '../protocol.js'
import { addLog, answer } from './calls.js'
import { disposeIsolate, enforceBounds, retireSlot, sampleHeap } from './isolates.js'
import {
  HEAP_SAMPLE_EVERY_CALLS,
  INTERNAL_ENTRY_TIMEOUT_MS,
  messageOf,
  send,
  state,
} from './state.js'
import type { Call, Slot, Timer } from './state.js'

export type EntryFailure =
  | { readonly kind: 'timeout' }
  | { readonly kind: 'memory' }
  | { readonly kind: 'disposed'; readonly message: string }
  | { readonly kind: 'error'; readonly message: string; readonly errorJson: string }

type EntryResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly failure: EntryFailure }

export function entryTimeout(call: Call): number {
  const remaining = call.deadlineAt - Date.now()
  return Math.max(1, Math.min(call.limits.entryTimeoutMs, remaining))
}

/** One synchronous entry into the isolate on behalf of `call`. */
export function enter(call: Call, args: unknown[], timeoutMs: number): EntryResult {
  const slot = call.slot
  const isolate = slot.isolate
  const dispatch = slot.dispatch
  if (isolate === undefined || dispatch === undefined) {
    return { ok: false, failure: { kind: 'disposed', message: 'the isolate is gone' } }
  }
  const before = isolate.cpuTime
  let result: EntryResult
  try {
    result = {
      ok: true,
      value: dispatch.applySync(undefined, args as [string], { timeout: timeoutMs }),
    }
  } catch (error) {
    result = { ok: false, failure: classify(error, isolate) }
  }
  if (!isolate.isDisposed) call.cpuNs += isolate.cpuTime - before
  return result
}

function classify(error: unknown, isolate: ivm.Isolate): EntryFailure {
  const message = messageOf(error)
  // isolated-vm has no error codes, only these fixed messages (src/isolate/run_with_timeout.h).
  if (message === 'Isolate was disposed during execution due to memory limit')
    return { kind: 'memory' }
  if (message.startsWith('Script execution timed out')) return { kind: 'timeout' }
  if (isolate.isDisposed) return { kind: 'disposed', message }
  // Anything else escaped the runtime's own try/catch: in practice an unhandled promise
  // rejection, which isolated-vm rethrows from the entry as a copy of the rejection value.
  return { kind: 'error', message, errorJson: serializeHostError(error) }
}

/** compat §3.5 applied to a value isolated-vm copied out of the isolate. */
function serializeHostError(value: unknown): string {
  if (value instanceof Error) {
    const body: Record<string, unknown> = {}
    for (const key of Object.getOwnPropertyNames(value)) {
      body[key] = (value as unknown as Record<string, unknown>)[key]
    }
    try {
      return JSON.stringify(body)
    } catch (error) {
      return JSON.stringify({ message: `Error serializing error: ${messageOf(error)}` })
    }
  }
  // Auth0's adapter: new Error(value.message || String(value) || 'Unknown error')
  const fromMessage =
    typeof value === 'object' && value !== null && 'message' in value ? value.message : undefined
  const message = fromMessage ? stringOf(fromMessage) : value == null ? '' : stringOf(value)
  return JSON.stringify({ message: message || 'Unknown error' })
}

function stringOf(value: unknown): string {
  switch (typeof value) {
    case 'object':
      return value === null ? 'null' : Object.prototype.toString.call(value)
    case 'function':
      return '[function]'
    case 'string':
      return value
    case 'bigint':
    case 'boolean':
    case 'number':
    case 'symbol':
    case 'undefined':
      return String(value)
  }
}

/** Handles a failed entry of `call`, then whatever the failure means for the slot. */
export function entryFailed(call: Call, failure: EntryFailure, timeoutMs: number): void {
  const slot = call.slot
  switch (failure.kind) {
    case 'memory':
      // The isolate is gone with every call on it.
      for (const other of slot.calls.values()) {
        if (other.outcome === undefined) {
          answer(other, { kind: 'memory', limitMb: slot.memoryMb, logs: [], cpuMs: 0 })
        }
      }
      killSlot(slot)
      return
    case 'disposed':
      for (const other of slot.calls.values()) {
        if (other.outcome === undefined) {
          answer(other, {
            kind: 'crash',
            reason: `the hook's isolate was disposed: ${failure.message}`,
            logs: [],
            cpuMs: 0,
          })
        }
      }
      killSlot(slot)
      return
    case 'timeout': {
      const byDeadline = timeoutMs < call.limits.entryTimeoutMs
      if (call.outcome === undefined) {
        answer(call, {
          kind: 'timeout',
          limit: byDeadline ? 'timeoutMs' : 'entryTimeoutMs',
          limitMs: byDeadline ? call.limits.timeoutMs : call.limits.entryTimeoutMs,
          logs: [],
          cpuMs: 0,
        })
      } else {
        addLog(
          call,
          'warn',
          `[openhooks] background work stopped: it ran longer than ${timeoutMs} ms at once`,
        )
      }
      state.pendingEnds.add(call)
      // The script was stopped midway: its module state is suspect, start afresh next time.
      retireSlot(slot)
      return
    }
    case 'error':
      if (call.outcome === undefined) {
        answer(call, { kind: 'hook-error', errorJson: failure.errorJson, logs: [], cpuMs: 0 })
      } else {
        addLog(call, 'warn', `[openhooks] background work stopped: ${failure.message}`)
      }
      state.pendingEnds.add(call)
      return
  }
}

/** The isolate died: every call on the slot ends now. */
export function killSlot(slot: Slot): void {
  if (state.warm.get(slot.key) === slot) state.warm.delete(slot.key)
  for (const call of [...slot.calls.values()]) {
    for (const timer of [...call.timers]) dropTimer(timer)
    call.completedInIsolate = true
    finishCall(call)
  }
  disposeIsolate(slot)
  state.retiredSlots.delete(slot)
}

/** Sends the outcomes recorded during the last entry, then ends the calls that are over. */
export function settle(): void {
  while (state.outbox.length > 0) {
    const call = state.outbox.shift()
    if (call === undefined || call.sent || call.outcome === undefined) continue
    call.sent = true
    const outcome: WorkerOutcome = {
      ...call.outcome,
      logs: call.logs,
      cpuMs: Number(call.cpuNs) / 1e6,
    }
    send({ t: 'result', id: call.id, outcome })
  }
  for (const call of [...state.pendingEnds]) {
    state.pendingEnds.delete(call)
    endCall(call)
  }
  for (const call of [...state.touched]) {
    state.touched.delete(call)
    maybeFinish(call)
  }
}

/** A call answered by the isolate with no timers left is over; nothing to tell the isolate. */
function maybeFinish(call: Call): void {
  if (
    !call.ended &&
    call.outcome !== undefined &&
    call.completedInIsolate &&
    call.timers.size === 0 &&
    call.requests.size === 0
  ) {
    finishCall(call)
  }
}

/** Ends a call early or at its deadline: drops its timers and its state inside the isolate. */
function endCall(call: Call): void {
  if (call.ended) return
  // The isolate forgets a call by itself once it completed and has no timers left.
  const isolateKnows = !call.completedInIsolate || call.timers.size > 0 || call.requests.size > 0
  for (const timer of [...call.timers]) dropTimer(timer)
  abortRequests(call)
  const slot = call.slot
  if (isolateKnows && slot.dispatch !== undefined) {
    const result = enter(call, ['end', call.id], INTERNAL_ENTRY_TIMEOUT_MS)
    if (!result.ok && (result.failure.kind === 'memory' || result.failure.kind === 'disposed')) {
      killSlot(slot)
    }
  }
  call.completedInIsolate = true
  finishCall(call)
}

function abortRequests(call: Call): void {
  for (const request of call.requests.values()) request.abort()
  call.requests.clear()
}

export function finishCall(call: Call): void {
  if (call.ended) return
  abortRequests(call)
  call.ended = true
  if (call.deadline !== undefined) clearTimeout(call.deadline)
  const slot = call.slot
  slot.calls.delete(call.id)
  state.liveCalls--
  state.touched.delete(call)
  if (call.outcome !== undefined && !call.sent) {
    // ended before settle() ran (an isolate that died, a compile error): send now
    call.sent = true
    send({
      t: 'result',
      id: call.id,
      outcome: { ...call.outcome, logs: call.logs, cpuMs: Number(call.cpuNs) / 1e6 },
    })
  }
  if (call.lateLogs.length > 0)
    send({ t: 'late-logs', id: call.id, hookId: slot.hookId, logs: call.lateLogs })
  slot.finishedCalls++
  if (slot.calls.size === 0) {
    if (slot.retired) {
      disposeIsolate(slot)
      state.retiredSlots.delete(slot)
    } else if (slot.finishedCalls === 1 || slot.finishedCalls % HEAP_SAMPLE_EVERY_CALLS === 0) {
      // The first call runs the module body, which is where a hook keeps what it keeps.
      slot.heapBytes = sampleHeap(slot)
      enforceBounds(slot)
    }
  }
}

export function onDeadline(call: Call): void {
  call.deadline = undefined
  if (call.ended) return
  if (call.outcome === undefined) {
    answer(call, {
      kind: 'timeout',
      limit: 'timeoutMs',
      limitMs: call.limits.timeoutMs,
      logs: [],
      cpuMs: 0,
    })
    // isolated-vm's timeout does not cover awaited promises (#518): whatever the call left pending
    // stays in the isolate, so it is rebuilt once its other calls are over.
    retireSlot(call.slot)
  }
  state.pendingEnds.add(call)
  settle()
}

function fireTimer(timer: Timer): void {
  timer.handle = undefined
  const call = timer.call
  const slot = call.slot
  if (call.ended || slot.timers.get(timer.id) !== timer) return
  if (!timer.repeat) dropTimer(timer)
  const timeoutMs = entryTimeout(call)
  const result = enter(call, ['fire', timer.id], timeoutMs)
  if (!result.ok) entryFailed(call, result.failure, timeoutMs)
  // An entry never ends calls itself (settle does), so the timer is still ours unless cleared.
  else if (timer.repeat && slot.timers.get(timer.id) === timer) arm(timer, false)
  settle()
}

export function arm(timer: Timer, immediate: boolean): void {
  timer.handle = immediate
    ? setImmediate(fireTimer, timer)
    : setTimeout(fireTimer, timer.delayMs, timer)
}

export function dropTimer(timer: Timer): void {
  if (timer.handle !== undefined) {
    clearTimeout(timer.handle as NodeJS.Timeout)
    clearImmediate(timer.handle as NodeJS.Immediate)
  }
  timer.handle = undefined
  timer.call.slot.timers.delete(timer.id)
  timer.call.timers.delete(timer)
  state.touched.add(timer.call)
}
