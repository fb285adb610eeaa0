import { Blob } from './blob.js'
import { define } from './define.js'
import { isError, safeString } from './errors.js'
import { DOMException, EventTarget } from './events.js'
import { Request, Response } from './fetch.js'
import { Headers } from './headers.js'
import {
  ArrayBufferCtor,
  ArrayBufferIsView,
  ArrayIsArray,
  ErrorCtor,
  MapCtor,
  MapGet,
  MapSet,
  ObjectKeys,
  ReflectApply,
  TypeErrorCtor,
  Uint8ArrayCtor,
} from './primordials.js'
import { URL } from './url.js'

// ---- structuredClone ---------------------------------------------------------------------------

export const TYPED_ARRAYS = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
]

export function cloneError(message) {
  return new DOMException(message, 'DataCloneError')
}

export function cloneValue(value, memo) {
  const type = typeof value
  if (type === 'symbol') throw cloneError(safeString(value) + ' could not be cloned.')
  if (type === 'function') throw cloneError(safeString(value) + ' could not be cloned.')
  if (type !== 'object' || value === null) return value
  const seen = ReflectApply(MapGet, memo, [value])
  if (seen !== undefined) return seen
  let out
  if (value instanceof Date) out = new Date(value.getTime())
  else if (value instanceof RegExp) out = new RegExp(value.source, value.flags)
  else if (value instanceof ArrayBufferCtor) out = value.slice(0)
  else if (ArrayBufferIsView(value)) {
    const buffer = cloneValue(value.buffer, memo)
    if (value instanceof DataView) out = new DataView(buffer, value.byteOffset, value.byteLength)
    else {
      const Ctor =
        TYPED_ARRAYS.indexOf(value.constructor as Uint8ArrayConstructor) >= 0
          ? value.constructor
          : Uint8ArrayCtor
      out = new (Ctor as Uint8ArrayConstructor)(
        buffer,
        value.byteOffset,
        (value as Uint8Array).length,
      )
    }
  } else if (value instanceof MapCtor) {
    out = new MapCtor()
    ReflectApply(MapSet, memo, [value, out])
    value.forEach(function (v, k) {
      out.set(cloneValue(k, memo), cloneValue(v, memo))
    })
    return out
  } else if (value instanceof Set) {
    out = new Set()
    ReflectApply(MapSet, memo, [value, out])
    value.forEach(function (v) {
      out.add(cloneValue(v, memo))
    })
    return out
  } else if (isError(value)) {
    const name = value.name
    const Ctor =
      { EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError }[name] || ErrorCtor
    out = new Ctor(value.message)
    if (typeof value.stack === 'string') define(out, 'stack', value.stack)
    if ('cause' in value) define(out, 'cause', cloneValue(value.cause, memo))
    return out
  } else if (value instanceof Boolean || value instanceof Number || value instanceof String) {
    out = Object(value.valueOf())
  } else if (
    value instanceof Blob ||
    value instanceof Request ||
    value instanceof Response ||
    value instanceof Headers ||
    value instanceof URL ||
    value instanceof EventTarget
  ) {
    throw cloneError('#<' + value.constructor.name + '> could not be cloned.')
  } else {
    out = ArrayIsArray(value) ? new Array(value.length) : {}
    ReflectApply(MapSet, memo, [value, out])
    const keys = ObjectKeys(value)
    for (let i = 0; i < keys.length; i++) define(out, keys[i], cloneValue(value[keys[i]], memo))
    return out
  }
  ReflectApply(MapSet, memo, [value, out])
  return out
}

export function structuredClone(value, _options) {
  if (arguments.length === 0) throw new TypeErrorCtor('The "value" argument must be specified')
  return cloneValue(value, new MapCtor())
}
