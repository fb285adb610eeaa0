import {
  currentCallId,
  fail,
  finishIfIdle,
  flushDeferred,
  getCall,
  setCurrentCallId,
} from './calls.js'
import { define } from './define.js'
import { hostTimer } from './host.js'
import {
  ErrorCtor,
  MapCtor,
  MapDelete,
  MapForEach,
  MapGet,
  MapSet,
  NumberCtor,
  PromiseCtor,
  PromiseThen,
  ReflectApply,
  TypeErrorCtor,
} from './primordials.js'

/** The longest delay a timer takes, as in Node: longer ones (and invalid ones) become 1 ms. */
export const MAX_TIMER_DELAY_MS = 2147483647

/** Timers the worker will fire: id → the call, the callback and its arguments. */
export const timers = new MapCtor()
export let nextTimerId = 1

export class Timeout {
  #id
  constructor(id) {
    this.#id = id
  }
  static idOf(value) {
    if (typeof value === 'number') return value
    if (value !== null && typeof value === 'object' && #id in value) return value.#id
    return undefined
  }
  ref() {
    return this
  }
  unref() {
    return this
  }
  hasRef() {
    return true
  }
  refresh() {
    return this
  }
  [Symbol.toPrimitive]() {
    return this.#id
  }
}

export function schedule(callback, delay, args, repeat, immediate) {
  if (typeof callback !== 'function') {
    throw new TypeErrorCtor(
      'The "callback" argument must be of type function. Received ' + typeof callback,
    )
  }
  const callId = currentCallId
  const call = getCall(callId)
  const id = nextTimerId++
  if (call === undefined) return new Timeout(id)
  let ms = immediate ? -1 : NumberCtor(delay)
  if (!immediate && !(ms >= 1 && ms <= MAX_TIMER_DELAY_MS)) ms = 1
  if (!hostTimer('set', callId, id, ms, repeat)) {
    throw new ErrorCtor('[openhooks] this call created too many timers (maxTimers)')
  }
  call.timers++
  ReflectApply(MapSet, timers, [id, { callId, callback, args, repeat }])
  return new Timeout(id)
}

export function unschedule(handle) {
  const id = Timeout.idOf(handle)
  if (id === undefined) return
  const timer = ReflectApply(MapGet, timers, [id])
  if (timer === undefined) return
  ReflectApply(MapDelete, timers, [id])
  hostTimer('clear', timer.callId, id, 0, false)
  const call = getCall(timer.callId)
  if (call !== undefined) {
    call.timers--
    finishIfIdle(timer.callId, call)
  }
}

export function setTimeout(callback, delay?, ...args) {
  return schedule(callback, delay, args, false, false)
}
export function setInterval(callback, delay?, ...args) {
  return schedule(callback, delay, args, true, false)
}
export function setImmediate(callback, ...args) {
  return schedule(callback, 0, args, false, true)
}
export function clearTimeout(handle) {
  unschedule(handle)
}
export function queueMicrotask(callback) {
  if (typeof callback !== 'function') {
    throw new TypeErrorCtor(
      'The "callback" argument must be of type function. Received ' + typeof callback,
    )
  }
  ReflectApply(PromiseThen, PromiseCtor.resolve(), [callback])
}

export function fire(timerId) {
  const timer = ReflectApply(MapGet, timers, [timerId])
  if (timer === undefined) return
  const callId = timer.callId
  setCurrentCallId(callId)
  const call = getCall(callId)
  if (!timer.repeat) {
    ReflectApply(MapDelete, timers, [timerId])
    if (call !== undefined) call.timers--
  }
  try {
    ReflectApply(timer.callback, undefined, timer.args)
  } catch (e) {
    flushDeferred()
    // compat §3.4: an uncaught exception in a later callback fails the run like cb(err).
    fail(callId, e)
  }
  flushDeferred()
  if (call !== undefined) finishIfIdle(callId, call)
}

/** Drops a call's timers (the 'end' entry, or a hook that failed to load). */
export function forgetTimers(callId) {
  const ids = []
  ReflectApply(MapForEach, timers, [
    function (timer, id) {
      if (timer.callId === callId) define(ids, ids.length, id)
    },
  ])
  for (let i = 0; i < ids.length; i++) ReflectApply(MapDelete, timers, [ids[i]])
}
