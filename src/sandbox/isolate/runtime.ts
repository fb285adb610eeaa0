import { completeWebClasses } from './web-classes.js'

import { Blob } from './blob.js'
import { File, FormData } from './bodies.js'
import { Buffer } from './buffer.js'
import {
  addCall,
  complete,
  deleteCall,
  fail,
  flushDeferred,
  makeCallback,
  setCurrentCallId,
  sweepIdle,
} from './calls.js'
import { structuredClone } from './clone.js'
import { consoleObject } from './console.js'
import { define, defineGlobal } from './define.js'
import { TextDecoder, TextEncoder, atob, btoa } from './encoding.js'
import { describe } from './errors.js'
import { AbortController, AbortSignal, DOMException, Event, EventTarget } from './events.js'
import { Request, Response, fetch, forgetRequests, httpDone } from './fetch.js'
import { Headers } from './headers.js'
import { connectHost, newEntry, runAnswer, startRunning, takeAnswer } from './host.js'
import {
  JSONParse,
  ReflectApply,
  ReflectDeleteProperty,
  TypeErrorCtor,
  globalObject,
} from './primordials.js'
import { declareModule, require } from './require.js'
import {
  clearTimeout,
  fire,
  forgetTimers,
  queueMicrotask,
  setImmediate,
  setInterval,
  setTimeout,
} from './timers.js'
import { URL, URLSearchParams } from './url.js'
import { webCrypto } from './web-crypto.js'

let hookFn

// ---- entries ---------------------------------------------------------------------------------

function load(wrapper) {
  const module = { exports: {}, id: '.', filename: '/hook.js', loaded: false }
  try {
    ReflectApply(wrapper, module.exports, [module.exports, require, module, '/hook.js', '/'])
  } catch (e) {
    return 'threw:' + describe(e)
  }
  module.loaded = true
  if (typeof module.exports !== 'function') return 'no-function'
  hookFn = module.exports
  return 'loaded'
}

// The hook's arguments followed by cb, as a fresh array built without assignments through the
// (patchable) Array.prototype: literals for the triggers' argument counts, defineProperty beyond.
function withCallback(parsed, cb) {
  switch (parsed.length) {
    case 1:
      return [parsed[0], cb]
    case 2:
      return [parsed[0], parsed[1], cb]
    case 3:
      return [parsed[0], parsed[1], parsed[2], cb]
    case 4:
      return [parsed[0], parsed[1], parsed[2], parsed[3], cb]
    default: {
      const args = []
      for (let i = 0; i < parsed.length; i++) define(args, i, parsed[i])
      define(args, parsed.length, cb)
      return args
    }
  }
}

function run(callId, argsJson, maxLogBytes, wrapper) {
  setCurrentCallId(callId)
  addCall(callId, maxLogBytes)
  if (wrapper !== undefined) {
    const loaded = load(wrapper)
    if (loaded !== 'loaded') {
      forget(callId)
      return loaded
    }
  }
  const args = withCallback(JSONParse(argsJson), makeCallback(callId))
  let returned
  startRunning(callId)
  try {
    returned = ReflectApply(hookFn, undefined, args)
  } catch (e) {
    flushDeferred()
    fail(callId, e)
    return runAnswer()
  }
  flushDeferred()
  const answer = runAnswer()
  // Extension (compat §3.4): a returned thenable that resolves to a value completes the call with
  // it; one that resolves to undefined leaves completion to cb; a rejection fails the call.
  if (returned !== null && (typeof returned === 'object' || typeof returned === 'function')) {
    try {
      const then = returned.then
      if (typeof then === 'function') {
        ReflectApply(then, returned, [
          function (value) {
            if (value !== undefined) complete(callId, null, value)
          },
          function (reason) {
            fail(callId, reason)
          },
        ])
      }
    } catch (e) {
      fail(callId, e)
    }
  }
  return answer
}

function forget(callId) {
  deleteCall(callId)
  forgetRequests(callId)
  forgetTimers(callId)
}

function dispatch(op, a, b, c, d) {
  if (op === 'take') return takeAnswer()
  // A new entry: the previous one's completion reached the worker (or died with a failed entry).
  newEntry()
  sweepIdle()
  flushDeferred()
  switch (op) {
    case 'run':
      return run(a, b, c, d)
    case 'fire':
      fire(a)
      return undefined
    case 'http':
      httpDone(a, b, c, d)
      return undefined
    case 'end':
      forget(a)
      return undefined
    case 'module':
      declareModule(a, b, c)
      return undefined
    default:
      return undefined
  }
}

/**
 * No `WebAssembly` in an isolate (issue 17): its memories live outside the isolate's heap limit,
 * and its code outside JavaScript's interrupt checks. On Node.js 20 and 22 the worker's
 * `--no-expose-wasm` keeps it out of the context already (src/sandbox/worker-memory.ts); the V8
 * of Node.js 24 and later has no such flag, so the global is deleted here, before any hook code
 * runs, on every line. Nothing else refers to the namespace, so no script can reach it afterwards.
 * An isolate where the deletion fails is never used: the error ends its preparation.
 */
function removeWebAssembly() {
  if (!ReflectDeleteProperty(globalObject, 'WebAssembly') || 'WebAssembly' in globalObject) {
    throw new TypeErrorCtor('the isolate runtime could not remove WebAssembly')
  }
}

function installGlobals() {
  defineGlobal('global', globalObject)
  defineGlobal('console', consoleObject)
  defineGlobal('setTimeout', setTimeout)
  defineGlobal('setInterval', setInterval)
  defineGlobal('setImmediate', setImmediate)
  defineGlobal('clearTimeout', clearTimeout)
  defineGlobal('clearInterval', clearTimeout)
  defineGlobal('clearImmediate', clearTimeout)
  defineGlobal('queueMicrotask', queueMicrotask)
  defineGlobal('DOMException', DOMException)
  defineGlobal('Event', Event)
  defineGlobal('EventTarget', EventTarget)
  defineGlobal('AbortSignal', AbortSignal)
  defineGlobal('AbortController', AbortController)
  defineGlobal('TextEncoder', TextEncoder)
  defineGlobal('TextDecoder', TextDecoder)
  defineGlobal('atob', atob)
  defineGlobal('btoa', btoa)
  defineGlobal('URL', URL)
  defineGlobal('URLSearchParams', URLSearchParams)
  defineGlobal('Headers', Headers)
  defineGlobal('Blob', Blob)
  defineGlobal('Request', Request)
  defineGlobal('Response', Response)
  defineGlobal('fetch', fetch)
  defineGlobal('structuredClone', structuredClone)
  defineGlobal('crypto', webCrypto)
  defineGlobal('File', File)
  defineGlobal('FormData', FormData)
  defineGlobal('Buffer', Buffer)
}

/**
 * Starts the runtime in a fresh context: removes `WebAssembly`, takes the worker's five callbacks,
 * defines the globals a hook sees, and returns the dispatcher the worker calls for each entry.
 */
export function startRuntime(log, timer, done, http, service) {
  removeWebAssembly()
  connectHost(log, timer, done, http, service)
  completeWebClasses()
  installGlobals()
  return dispatch
}
