import {
  ErrorCtor,
  MapCtor,
  MapGet,
  MapSet,
  ObjectDefineProperty,
  PromiseCtor,
  PromiseThen,
  ReflectApply,
  StringCtor,
  TypeErrorCtor,
  WeakMapCtor,
  WeakMapGet,
} from './primordials.js'
import { setState, stateOf } from './state.js'
import { setTimeout } from './timers.js'

// ---- DOMException, Event, EventTarget --------------------------------------------------------

export const DOM_EXCEPTION_CODES = {
  IndexSizeError: 1,
  NotFoundError: 8,
  NotSupportedError: 9,
  InvalidStateError: 11,
  SyntaxError: 12,
  InvalidCharacterError: 5,
  NetworkError: 19,
  AbortError: 20,
  TimeoutError: 23,
  QuotaExceededError: 22,
  DataCloneError: 25,
}

export class DOMException extends ErrorCtor {
  constructor(message, name) {
    super(message === undefined ? '' : StringCtor(message))
    const n = name === undefined ? 'Error' : StringCtor(name)
    ObjectDefineProperty(this, 'name', {
      value: n,
      writable: true,
      enumerable: false,
      configurable: true,
    })
  }
  override get code() {
    return DOM_EXCEPTION_CODES[this.name] || 0
  }
}

export const eventStates = new WeakMapCtor()
export class Event {
  constructor(type, init?) {
    if (arguments.length === 0) throw new TypeErrorCtor('The "type" argument must be specified')
    setState(eventStates, this, {
      type: StringCtor(type),
      target: null,
      cancelable: !!(init && init.cancelable),
      bubbles: !!(init && init.bubbles),
      defaultPrevented: false,
      stop: false,
      timeStamp: Date.now(),
    })
  }
  get type() {
    return stateOf(eventStates, this, 'Event').type
  }
  get target() {
    return stateOf(eventStates, this, 'Event').target
  }
  get currentTarget() {
    return stateOf(eventStates, this, 'Event').target
  }
  get srcElement() {
    return stateOf(eventStates, this, 'Event').target
  }
  get cancelable() {
    return stateOf(eventStates, this, 'Event').cancelable
  }
  get bubbles() {
    return stateOf(eventStates, this, 'Event').bubbles
  }
  get defaultPrevented() {
    return stateOf(eventStates, this, 'Event').defaultPrevented
  }
  get timeStamp() {
    return stateOf(eventStates, this, 'Event').timeStamp
  }
  get isTrusted() {
    return false
  }
  preventDefault() {
    const s = stateOf(eventStates, this, 'Event')
    if (s.cancelable) s.defaultPrevented = true
  }
  stopPropagation() {}
  stopImmediatePropagation() {
    stateOf(eventStates, this, 'Event').stop = true
  }
}

export const listenerStates = new WeakMapCtor()
export function listenersOf(target) {
  let state = ReflectApply(WeakMapGet, listenerStates, [target])
  if (state === undefined) {
    state = new MapCtor()
    setState(listenerStates, target, state)
  }
  return state
}

export class EventTarget {
  addEventListener(type, listener, options) {
    if (listener === null || listener === undefined) return
    const map = listenersOf(this)
    const key = StringCtor(type)
    let list = ReflectApply(MapGet, map, [key])
    if (list === undefined) {
      list = []
      ReflectApply(MapSet, map, [key, list])
    }
    for (let i = 0; i < list.length; i++) if (list[i].listener === listener) return
    const once = typeof options === 'object' && options !== null && !!options.once
    list[list.length] = { listener, once }
    const signal = typeof options === 'object' && options !== null ? options.signal : undefined
    if (signal !== undefined && signal !== null) {
      const self = this
      signal.addEventListener(
        'abort',
        function () {
          self.removeEventListener(type, listener)
        },
        { once: true },
      )
    }
  }
  removeEventListener(type, listener) {
    const list = ReflectApply(MapGet, listenersOf(this), [StringCtor(type)])
    if (list === undefined) return
    for (let i = 0; i < list.length; i++) {
      if (list[i].listener === listener) {
        list.splice(i, 1)
        return
      }
    }
  }
  dispatchEvent(event) {
    const state = stateOf(eventStates, event, 'Event')
    state.target = this
    const list = ReflectApply(MapGet, listenersOf(this), [state.type])
    const handlerName = 'on' + state.type
    const handler = this[handlerName]
    const todo = list === undefined ? [] : list.slice()
    if (typeof handler === 'function') todo[todo.length] = { listener: handler, once: false }
    for (let i = 0; i < todo.length; i++) {
      if (state.stop) break
      const entry = todo[i]
      if (entry.once) this.removeEventListener(state.type, entry.listener)
      try {
        if (typeof entry.listener === 'function') ReflectApply(entry.listener, this, [event])
        else if (entry.listener && typeof entry.listener.handleEvent === 'function')
          entry.listener.handleEvent(event)
      } catch (error) {
        // As in browsers and Node: a throwing listener does not stop the others; it is reported.
        ReflectApply(PromiseThen, PromiseCtor.resolve(), [
          function () {
            throw error
          },
        ])
      }
    }
    return !state.defaultPrevented
  }
}

// ---- AbortController -------------------------------------------------------------------------

export const signalStates = new WeakMapCtor()
export const SIGNAL_TOKEN = {}

export class AbortSignal extends EventTarget {
  declare onabort: ((event: Event) => void) | null
  constructor(token) {
    if (token !== SIGNAL_TOKEN) throw new TypeErrorCtor('Illegal constructor')
    super()
    setState(signalStates, this, { aborted: false, reason: undefined })
    this.onabort = null
  }
  get aborted() {
    return stateOf(signalStates, this, 'AbortSignal').aborted
  }
  get reason() {
    return stateOf(signalStates, this, 'AbortSignal').reason
  }
  throwIfAborted() {
    const s = stateOf(signalStates, this, 'AbortSignal')
    if (s.aborted) throw s.reason
  }
  static abort(reason) {
    const signal = newAbortSignal()
    abortSignal(signal, reason)
    return signal
  }
  static timeout(ms) {
    const signal = newAbortSignal()
    setTimeout(function () {
      abortSignal(
        signal,
        new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
      )
    }, ms)
    return signal
  }
  static any(signals) {
    const signal = newAbortSignal()
    const list = []
    for (const s of signals) list[list.length] = s
    for (let i = 0; i < list.length; i++) {
      if (list[i].aborted) {
        abortSignal(signal, list[i].reason)
        return signal
      }
    }
    for (let i = 0; i < list.length; i++) {
      const source = list[i]
      source.addEventListener(
        'abort',
        function () {
          abortSignal(signal, source.reason)
        },
        { once: true },
      )
    }
    return signal
  }
}

export function abortSignal(signal, reason) {
  const state = stateOf(signalStates, signal, 'AbortSignal')
  if (state.aborted) return
  state.aborted = true
  state.reason =
    reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason
  signal.dispatchEvent(new Event('abort'))
}

export const controllerSignals = new WeakMapCtor()
export class AbortController {
  constructor() {
    setState(controllerSignals, this, new AbortSignal(SIGNAL_TOKEN))
  }
  get signal() {
    return stateOf(controllerSignals, this, 'AbortController')
  }
  abort(reason) {
    abortSignal(stateOf(controllerSignals, this, 'AbortController'), reason)
  }
}

// Class bodies do not name their own class: the bundler would give such a class an inner name
// (\`class _X\`), which would become its \`name\` (isolate-runtime.ts checks). These helpers do it.
function newAbortSignal() {
  return new AbortSignal(SIGNAL_TOKEN)
}
