import { describe, serializeError, toError } from './errors.js'
import { hostDone, sendCompletion } from './host.js'
import {
  ErrorCtor,
  JSONStringify,
  MapCtor,
  MapDelete,
  MapForEach,
  MapGet,
  MapSet,
  ReflectApply,
} from './primordials.js'

/** What the runtime knows of one call of the hook function. */
export interface Call {
  done: boolean
  extra: boolean
  logsFull: boolean
  readonly maxLogBytes: number
  timers: number
}

export const calls = new MapCtor<number, Call>()

/** The call whose code runs now: set by each entry that runs hook code (run, fire, http). */
export let currentCallId = 0

export function setCurrentCallId(callId: number): void {
  currentCallId = callId
}

export function getCall(callId: number): Call | undefined {
  return ReflectApply(MapGet, calls, [callId])
}

/** Starts a call (the 'run' entry). */
export function addCall(callId: number, maxLogBytes: number): void {
  const call: Call = { done: false, extra: false, logsFull: false, maxLogBytes, timers: 0 }
  ReflectApply(MapSet, calls, [callId, call])
}

export function deleteCall(callId: number): void {
  ReflectApply(MapDelete, calls, [callId])
}

// A completed call without timers is forgotten at the start of the next entry, not at once: the
// rest of the current entry (code after cb, microtasks) may still log or start timers for it.
// Only a count is kept: the next entry walks the few live calls (an array of ids would need
// Object.defineProperty per id, since a script may put setters on Array.prototype).
export let idleCalls = 0
export function finishIfIdle(_callId, call) {
  if (call.done && call.timers === 0) idleCalls++
}
/** At the start of an entry: forgets the calls that were completed and left no timers. */
export function sweepIdle() {
  if (idleCalls === 0) return
  idleCalls = 0
  ReflectApply(MapForEach, calls, [sweepOne])
}
export function sweepOne(call, callId) {
  if (call.done && call.timers === 0) ReflectApply(MapDelete, calls, [callId])
}

// ---- completion (compat §3.4) ----------------------------------------------------------------

export function complete(callId, error, data) {
  const call = getCall(callId)
  if (call === undefined) return
  if (call.done) {
    if (!call.extra) {
      call.extra = true
      hostDone(callId, 'extra', undefined)
    }
    return
  }
  let kind = 'ok'
  let payload
  if (error) {
    kind = 'error'
    payload = serializeError(error)
  } else {
    try {
      payload = JSONStringify(data)
    } catch (e) {
      kind = 'error'
      payload = serializeError(
        new ErrorCtor('Error when JSON serializing the result of the extension point'),
      )
    }
  }
  // The call counts as done only once the host has the outcome, so that a completion cut short
  // (the stack ran out inside this function) can be retried. A completion inside the synchronous
  // part of run() travels back as run()'s return value instead of through a host callback.
  sendCompletion(callId, kind, payload)

  call.done = true
  finishIfIdle(callId, call)
}

// A completion that could not run where cb was called, typically because the script called cb at
// the edge of a stack overflow and the runtime itself ran out of stack. Recording it calls
// nothing; it is finished from the bottom of the stack when the entry's code returns.
export let deferred

export function flushDeferred() {
  if (deferred === undefined) return
  const pending = deferred
  deferred = undefined
  const call = getCall(pending.callId)
  if (call !== undefined && !call.done) complete(pending.callId, pending.error, pending.data)
}

export function makeCallback(callId) {
  return function cb(error, data) {
    try {
      complete(callId, error, data)
    } catch (e) {
      if (deferred === undefined) deferred = { callId, error, data }
    }
  }
}

export function fail(callId, reason) {
  const call = getCall(callId)
  if (call === undefined) return
  if (call.done) {
    hostDone(callId, 'late-error', describe(reason))
    return
  }
  complete(callId, toError(reason), undefined)
}
