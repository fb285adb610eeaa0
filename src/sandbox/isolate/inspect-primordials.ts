// Node's util.inspect inside the isolate, part 1: the built-ins it calls, saved before any hook
// runs (a hook that replaces String.prototype.slice breaks only itself), and two helpers that call
// them. The other parts: inspect-strings.ts (primitives), inspect-names.ts (names and keys),
// inspect-errors.ts, inspect-entries.ts (elements and properties), inspect-layout.ts (one line or
// several), inspect.ts (the recursion, per-type dispatch and the bound on the output).
import { ReflectApply } from './primordials.js'

export const INSPECT_CUSTOM = Symbol.for('nodejs.util.inspect.custom')
export const inspectPrimordials = (function () {
  const getter = (proto, key) => Object.getOwnPropertyDescriptor(proto, key).get
  return {
    keys: Object.keys,
    names: Object.getOwnPropertyNames,
    symbols: Object.getOwnPropertySymbols,
    descriptor: Object.getOwnPropertyDescriptor,
    getProto: Object.getPrototypeOf,
    is: Object.is,
    hasOwn: Object.prototype.hasOwnProperty,
    isEnumerable: Object.prototype.propertyIsEnumerable,
    isArray: Array.isArray,
    fnToString: Function.prototype.toString,
    dateTime: Date.prototype.getTime,
    dateIso: Date.prototype.toISOString,
    dateString: Date.prototype.toString,
    regexpString: RegExp.prototype.toString,
    regexpSource: getter(RegExp.prototype, 'source'),
    mapSize: getter(Map.prototype, 'size'),
    mapForEach: Map.prototype.forEach,
    setSize: getter(Set.prototype, 'size'),
    setForEach: Set.prototype.forEach,
    weakMapHas: WeakMap.prototype.has,
    weakSetHas: WeakSet.prototype.has,
    typedArrayTag: getter(Object.getPrototypeOf(Uint8Array.prototype), Symbol.toStringTag),
    arrayBufferLength: getter(ArrayBuffer.prototype, 'byteLength'),
    numberValue: Number.prototype.valueOf,
    stringValue: String.prototype.valueOf,
    booleanValue: Boolean.prototype.valueOf,
    symbolString: Symbol.prototype.toString,
    errorString: Error.prototype.toString,
    Uint8Array: Uint8Array,
    Promise: Promise,
    Map: Map,
    RegExp: RegExp,
    sqrt: Math.sqrt,
    round: Math.round,
    floor: Math.floor,
    min: Math.min,
    max: Math.max,
    replace: String.prototype.replace,
    split: String.prototype.split,
    indexOf: String.prototype.indexOf,
    includes: String.prototype.includes,
    startsWith: String.prototype.startsWith,
    endsWith: String.prototype.endsWith,
    slice: String.prototype.slice,
    repeat: String.prototype.repeat,
    padStart: String.prototype.padStart,
    padEnd: String.prototype.padEnd,
    charCodeAt: String.prototype.charCodeAt,
    numberString: Number.prototype.toString,
    join: Array.prototype.join,
    arrayIndexOf: Array.prototype.indexOf,
    splice: Array.prototype.splice,
    unshift: Array.prototype.unshift,
    test: RegExp.prototype.test,
    exec: RegExp.prototype.exec,
  }
})()

/** Calls one of {@link inspectPrimordials} on `self`. */
export function ip(
  method: keyof typeof inspectPrimordials,
  self: unknown,
  ...args: unknown[]
): any {
  return ReflectApply(inspectPrimordials[method] as (...args: unknown[]) => unknown, self, args)
}
export function brand(method, value, arg?) {
  try {
    ReflectApply(inspectPrimordials[method], value, arg === undefined ? [] : [arg])
    return true
  } catch (e) {
    return false
  }
}
export function push(list, item) {
  list[list.length] = item
}
