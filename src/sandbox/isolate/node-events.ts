import { defineMethods } from './buffer.js'
import { invalidArgType } from './builtins.js'
import { inspect } from './console.js'
import { define, restArgs } from './define.js'
import { isError } from './errors.js'
import {
  ErrorCtor,
  MapCtor,
  MapDelete,
  MapForEach,
  MapGet,
  MapSet,
  PromiseCtor,
  ReflectApply,
  WeakMapCtor,
  WeakMapGet,
  WeakMapSet,
} from './primordials.js'
import { setState } from './state.js'

// ---- events ----------------------------------------------------------------------------------

export function buildEvents() {
  const listenerMaps = new WeakMapCtor()
  function mapOf(emitter) {
    let map = ReflectApply(WeakMapGet, listenerMaps, [emitter])
    if (map === undefined) {
      map = new MapCtor()
      setState(listenerMaps, emitter, map)
    }
    return map
  }
  function listOf(emitter, name) {
    const map = mapOf(emitter)
    let list = ReflectApply(MapGet, map, [name])
    if (list === undefined) {
      list = []
      ReflectApply(MapSet, map, [name, list])
    }
    return list
  }
  function add(emitter, name, listener, once, prepend) {
    if (typeof listener !== 'function')
      throw invalidArgType('listener', 'of type function', listener)
    if (
      name !== 'newListener' &&
      ReflectApply(MapGet, mapOf(emitter), ['newListener']) !== undefined
    ) {
      emitter.emit('newListener', name, listener)
    }
    const list = listOf(emitter, name)
    const entry = { listener, once }
    if (prepend) list.unshift(entry)
    else list[list.length] = entry
    return emitter
  }
  function EventEmitter() {}
  const proto = {
    on(name, listener) {
      return add(this, name, listener, false, false)
    },
    addListener(name, listener) {
      return add(this, name, listener, false, false)
    },
    prependListener(name, listener) {
      return add(this, name, listener, false, true)
    },
    once(name, listener) {
      return add(this, name, listener, true, false)
    },
    prependOnceListener(name, listener) {
      return add(this, name, listener, true, true)
    },
    off(name, listener) {
      return this.removeListener(name, listener)
    },
    removeListener(name, listener) {
      const list = ReflectApply(MapGet, mapOf(this), [name])
      if (list === undefined) return this
      for (let i = list.length - 1; i >= 0; i--) {
        if (list[i].listener === listener) {
          list.splice(i, 1)
          break
        }
      }
      if (list.length === 0) ReflectApply(MapDelete, mapOf(this), [name])
      return this
    },
    removeAllListeners(name) {
      if (name === undefined) ReflectApply(WeakMapSet, listenerMaps, [this, new MapCtor()])
      else ReflectApply(MapDelete, mapOf(this), [name])
      return this
    },
    emit(name) {
      const list = ReflectApply(MapGet, mapOf(this), [name])
      const args = restArgs(arguments, 1)
      if (list === undefined || list.length === 0) {
        if (name === 'error') {
          const error = args[0]
          if (isError(error)) throw error
          const wrapped = new ErrorCtor('Unhandled error. (' + inspect(error) + ')')
          wrapped.code = 'ERR_UNHANDLED_ERROR'
          wrapped.context = error
          throw wrapped
        }
        return false
      }
      const todo = list.slice()
      for (let i = 0; i < todo.length; i++) {
        if (todo[i].once) this.removeListener(name, todo[i].listener)
        ReflectApply(todo[i].listener, this, args)
      }
      return true
    },
    listeners(name) {
      const list = ReflectApply(MapGet, mapOf(this), [name])
      return list === undefined
        ? []
        : list.map(function (e) {
            return e.listener
          })
    },
    rawListeners(name) {
      return this.listeners(name)
    },
    listenerCount(name) {
      const list = ReflectApply(MapGet, mapOf(this), [name])
      return list === undefined ? 0 : list.length
    },
    eventNames() {
      const names = []
      ReflectApply(MapForEach, mapOf(this), [
        function (_list, name) {
          names[names.length] = name
        },
      ])
      return names
    },
    setMaxListeners() {
      return this
    },
    getMaxListeners() {
      return (EventEmitter as unknown as { defaultMaxListeners: number }).defaultMaxListeners
    },
  }
  defineMethods(EventEmitter.prototype, proto)
  define(EventEmitter, 'EventEmitter', EventEmitter)
  define(EventEmitter, 'defaultMaxListeners', 10)
  define(EventEmitter, 'errorMonitor', Symbol('events.errorMonitor'))
  define(EventEmitter, 'once', function (emitter, name) {
    return new PromiseCtor(function (resolve, reject) {
      function onError(error) {
        emitter.removeListener(name, onEvent)
        reject(error)
      }
      function onEvent() {
        if (name !== 'error') emitter.removeListener('error', onError)
        resolve(restArgs(arguments, 0))
      }
      emitter.once(name, onEvent)
      if (name !== 'error') emitter.once('error', onError)
    })
  })
  define(EventEmitter, 'listenerCount', function (emitter, name) {
    return emitter.listenerCount(name)
  })
  return EventEmitter
}
