import { invalidArgType } from './builtins.js'
import { format } from './console.js'
import { define, restArgs } from './define.js'
import { TextDecoder, TextEncoder } from './encoding.js'
import { isError } from './errors.js'
import { nodeInspect } from './inspect.js'
import {
  ArrayBufferCtor,
  ArrayBufferIsView,
  ArrayIsArray,
  ErrorCtor,
  MapCtor,
  MapGet,
  MapSet,
  ObjectGetPrototypeOf,
  ObjectHasOwnProperty,
  ObjectIs,
  ObjectKeys,
  ObjectSetPrototypeOf,
  PromiseCtor,
  PromiseThen,
  ReflectApply,
  TypeErrorCtor,
  Uint8ArrayCtor,
} from './primordials.js'

// ---- util ------------------------------------------------------------------------------------

export const kCustomPromisify = Symbol.for('nodejs.util.promisify.custom')

export function deepEqual(a, b, strict, seen) {
  if (strict ? ObjectIs(a, b) : a == b || (a !== a && b !== b)) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (strict && ObjectGetPrototypeOf(a) !== ObjectGetPrototypeOf(b)) return false
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime()
  if (a instanceof RegExp && b instanceof RegExp)
    return a.source === b.source && a.flags === b.flags
  if (ArrayBufferIsView(a) && ArrayBufferIsView(b)) {
    if (a.byteLength !== b.byteLength) return false
    const x = new Uint8ArrayCtor(a.buffer, a.byteOffset, a.byteLength)
    const y = new Uint8ArrayCtor(b.buffer, b.byteOffset, b.byteLength)
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false
    return true
  }
  if (ReflectApply(MapGet, seen, [a]) === b) return true
  ReflectApply(MapSet, seen, [a, b])
  if (a instanceof MapCtor && b instanceof MapCtor) {
    if (a.size !== b.size) return false
    for (const [k, v] of a) if (!b.has(k) || !deepEqual(v, b.get(k), strict, seen)) return false
    return true
  }
  if (a instanceof Set && b instanceof Set) {
    if (a.size !== b.size) return false
    for (const v of a) if (!b.has(v)) return false
    return true
  }
  if (ArrayIsArray(a) !== ArrayIsArray(b)) return false
  const ka = ObjectKeys(a)
  const kb = ObjectKeys(b)
  if (ka.length !== kb.length) return false
  for (let i = 0; i < ka.length; i++) {
    if (!ReflectApply(ObjectHasOwnProperty, b, [ka[i]])) return false
    if (!deepEqual(a[ka[i]], b[ka[i]], strict, seen)) return false
  }
  return true
}

export function buildUtil() {
  function promisify(original) {
    if (typeof original !== 'function')
      throw invalidArgType('original', 'of type function', original)
    const custom = original[kCustomPromisify]
    if (typeof custom === 'function') return custom
    function promisified() {
      const args = restArgs(arguments, 0)
      const self = this
      return new PromiseCtor(function (resolve, reject) {
        args[args.length] = function (error, value) {
          if (error) reject(error)
          else resolve(value)
        }
        ReflectApply(original, self, args)
      })
    }
    ObjectSetPrototypeOf(promisified, ObjectGetPrototypeOf(original))
    return promisified
  }
  define(promisify, 'custom', kCustomPromisify)
  function callbackify(original) {
    return function () {
      const args = restArgs(arguments, 0)
      const callback = args.pop()
      ReflectApply(PromiseThen, ReflectApply(original, this, args), [
        function (value) {
          callback(null, value)
        },
        function (reason) {
          callback(reason || new ErrorCtor('Promise was rejected with a falsy value'))
        },
      ])
    }
  }
  const types = {
    isPromise(v) {
      return v instanceof PromiseCtor
    },
    isDate(v) {
      return v instanceof Date
    },
    isRegExp(v) {
      return v instanceof RegExp
    },
    isMap(v) {
      return v instanceof MapCtor
    },
    isSet(v) {
      return v instanceof Set
    },
    isNativeError(v) {
      return isError(v)
    },
    isArrayBuffer(v) {
      return v instanceof ArrayBufferCtor
    },
    isAnyArrayBuffer(v) {
      return (
        v instanceof ArrayBufferCtor ||
        (typeof SharedArrayBuffer === 'function' && v instanceof SharedArrayBuffer)
      )
    },
    isArrayBufferView(v) {
      return ArrayBufferIsView(v)
    },
    isTypedArray(v) {
      return ArrayBufferIsView(v) && !(v instanceof DataView)
    },
    isUint8Array(v) {
      return v instanceof Uint8ArrayCtor
    },
    isDataView(v) {
      return v instanceof DataView
    },
    isAsyncFunction(v) {
      return typeof v === 'function' && v.constructor && v.constructor.name === 'AsyncFunction'
    },
    isGeneratorFunction(v) {
      return (
        typeof v === 'function' && v.constructor && /GeneratorFunction$/.test(v.constructor.name)
      )
    },
  }
  return {
    format: function () {
      return format(arguments)
    },
    formatWithOptions: function (options) {
      if (options === null || typeof options !== 'object')
        throw new TypeErrorCtor('The "inspectOptions" argument must be of type object')
      return format(restArgs(arguments, 1), options)
    },
    inspect: nodeInspect,
    promisify,
    callbackify,
    types,
    inherits(ctor, superCtor) {
      define(ctor, 'super_', superCtor)
      ObjectSetPrototypeOf(ctor.prototype, superCtor.prototype)
    },
    deprecate(fn) {
      return fn
    },
    isDeepStrictEqual(a, b) {
      return deepEqual(a, b, true, new MapCtor())
    },
    isArray: ArrayIsArray,
    isError,
    isString(v) {
      return typeof v === 'string'
    },
    isNumber(v) {
      return typeof v === 'number'
    },
    isFunction(v) {
      return typeof v === 'function'
    },
    isObject(v) {
      return v !== null && typeof v === 'object'
    },
    isUndefined(v) {
      return v === undefined
    },
    isNullOrUndefined(v) {
      return v === null || v === undefined
    },
    TextEncoder,
    TextDecoder,
  }
}
