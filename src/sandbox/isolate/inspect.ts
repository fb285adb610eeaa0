// Node's util.inspect rebuilt inside the isolate: the recursion (formatValue), the dispatch on
// the kind of object (formatRaw), the options, and the bound on the output (MAX_INSPECT_CHARS).
// The per-kind parts are beside it: inspect-primordials.ts, inspect-strings.ts, inspect-names.ts,
// inspect-errors.ts, inspect-entries.ts, inspect-layout.ts.
import { isError } from './errors.js'
import { formatArray, formatTypedArray, formatProperty, hexBytes } from './inspect-entries.js'
import { formatError } from './inspect-errors.js'
import { reduceToSingleString } from './inspect-layout.js'
import {
  ARRAY_TYPE,
  OBJECT_TYPE,
  getConstructorName,
  getFunctionBase,
  getKeys,
  getNonIndexKeys,
  getPrefix,
} from './inspect-names.js'
import { INSPECT_CUSTOM, brand, inspectPrimordials, ip, push } from './inspect-primordials.js'
import { formatNumber, formatPrimitive } from './inspect-strings.js'
import { MAX_INSPECT_CHARS } from './limits.js'
import { BuiltinSetHas, MapGet, MapSet, ReflectApply } from './primordials.js'

export function formatValue(ctx, value, recurseTimes, typedArray?) {
  if (typeof value !== 'object' && typeof value !== 'function') return formatPrimitive(value, ctx)
  if (value === null) return 'null'
  if (ctx.chars > MAX_INSPECT_CHARS) return '...'
  if (ctx.customInspect) {
    let custom
    let isPrototype = false
    try {
      custom = value[INSPECT_CUSTOM]
      // As Node: a class's prototype is shown as an object, not through its own custom inspect.
      const ctor = value.constructor
      isPrototype = ctor !== undefined && ctor !== null && ctor.prototype === value
    } catch (e) {}
    if (typeof custom === 'function' && custom !== nodeInspect && !isPrototype) {
      const depth = ctx.depth === null ? null : ctx.depth - recurseTimes
      const options = {
        depth,
        showHidden: ctx.showHidden,
        breakLength: ctx.breakLength,
        compact: ctx.compact,
        maxArrayLength: ctx.maxArrayLength,
        maxStringLength: ctx.maxStringLength,
        customInspect: true,
        colors: false,
        stylize: function (text) {
          return text
        },
      }
      const result = ReflectApply(custom, value, [depth, options, nodeInspect])
      if (result !== value) {
        if (typeof result !== 'string') return formatValue(ctx, result, recurseTimes)
        return ip('replace', result, /\n/g, '\n' + ip('repeat', ' ', ctx.indentationLvl))
      }
    }
  }
  if (ip('arrayIndexOf', ctx.seen, value) !== -1) {
    if (ctx.circular === undefined) ctx.circular = new inspectPrimordials.Map()
    let index = ReflectApply(MapGet, ctx.circular, [value])
    if (index === undefined) {
      index = ctx.circular.size + 1
      ReflectApply(MapSet, ctx.circular, [value, index])
    }
    return '[Circular *' + index + ']'
  }
  return formatRaw(ctx, value, recurseTimes, typedArray)
}

export function formatRaw(ctx, value, recurseTimes, typedArray) {
  const constructor = getConstructorName(value)
  let tag = ''
  try {
    tag = value[Symbol.toStringTag]
  } catch (e) {}
  if (
    typeof tag !== 'string' ||
    (tag !== '' &&
      (ctx.showHidden
        ? ip('hasOwn', value, Symbol.toStringTag)
        : ip('isEnumerable', value, Symbol.toStringTag)))
  )
    tag = ''
  let base = ''
  let keys
  let braces
  let extrasType = OBJECT_TYPE
  let formatter: (ctx: any, value: any, recurseTimes: number) => string[] = function () {
    return []
  }
  const typedArrayName = brand('typedArrayTag', value) ? ip('typedArrayTag', value) : undefined
  if (ip('isArray', undefined, value)) {
    const prefix =
      constructor !== 'Array' || tag !== ''
        ? getPrefix(constructor, tag, 'Array', '(' + value.length + ')')
        : ''
    keys = getNonIndexKeys(value, ctx.showHidden)
    braces = [prefix + '[', ']']
    if (value.length === 0 && keys.length === 0) return braces[0] + ']'
    extrasType = ARRAY_TYPE
    formatter = formatArray
  } else if (brand('setSize', value)) {
    const size = ip('setSize', value)
    const prefix = getPrefix(constructor, tag, 'Set', '(' + size + ')')
    keys = getKeys(value, ctx.showHidden)
    if (size === 0 && keys.length === 0) return prefix + '{}'
    braces = [prefix + '{', '}']
    formatter = function (ctx, set, recurseTimes) {
      const output = []
      ctx.indentationLvl += 2
      ip('setForEach', set, function (v) {
        push(output, formatValue(ctx, v, recurseTimes))
      })
      ctx.indentationLvl -= 2
      return output
    }
  } else if (brand('mapSize', value)) {
    const size = ip('mapSize', value)
    const prefix = getPrefix(constructor, tag, 'Map', '(' + size + ')')
    keys = getKeys(value, ctx.showHidden)
    if (size === 0 && keys.length === 0) return prefix + '{}'
    braces = [prefix + '{', '}']
    formatter = function (ctx, map, recurseTimes) {
      const output = []
      ctx.indentationLvl += 2
      ip('mapForEach', map, function (v, k) {
        push(output, formatValue(ctx, k, recurseTimes) + ' => ' + formatValue(ctx, v, recurseTimes))
      })
      ctx.indentationLvl -= 2
      return output
    }
  } else if (typedArrayName !== undefined) {
    const length = value.length
    keys = getNonIndexKeys(value, ctx.showHidden)
    const prefix = getPrefix(constructor, tag, typedArrayName, '(' + length + ')')
    braces = [prefix + '[', ']']
    if (length === 0 && keys.length === 0 && !ctx.showHidden) return braces[0] + ']'
    formatter = function (ctx, array, recurseTimes) {
      return formatTypedArray(ctx, array, recurseTimes, length)
    }
    extrasType = ARRAY_TYPE
  } else {
    keys = getKeys(value, ctx.showHidden)
    braces = ['{', '}']
    if (
      constructor === 'Object' &&
      typeof value !== 'function' &&
      !brand('dateTime', value) &&
      !isError(value) &&
      !brand('regexpSource', value)
    ) {
      if (tag !== '') braces[0] = getPrefix(constructor, tag, 'Object') + '{'
      if (keys.length === 0) return braces[0] + '}'
    } else if (typeof value === 'function') {
      base = getFunctionBase(value, constructor, tag)
      if (keys.length === 0) return base
    } else if (brand('regexpSource', value) && value !== inspectPrimordials.RegExp.prototype) {
      base = ip('regexpString', value)
      const prefix = getPrefix(constructor, tag, 'RegExp')
      if (prefix !== 'RegExp ') base = prefix + base
      if (keys.length === 0) return base
    } else if (brand('dateTime', value)) {
      const time = ip('dateTime', value)
      base = time !== time ? ip('dateString', value) : ip('dateIso', value)
      const prefix = getPrefix(constructor, tag, 'Date')
      if (prefix !== 'Date ') base = prefix + base
      if (keys.length === 0) return base
    } else if (isError(value)) {
      base = formatError(value, constructor, tag, ctx, keys)
      if (keys.length === 0) return base
    } else if (brand('arrayBufferLength', value)) {
      const prefix = getPrefix(constructor, tag, 'ArrayBuffer')
      if (typedArray === undefined) {
        formatter = function (ctx, buffer) {
          const bytes = new inspectPrimordials.Uint8Array(buffer)
          const max = ip('min', undefined, ctx.maxArrayLength, bytes.length)
          const remaining = bytes.length - max
          return [
            '[Uint8Contents]: <' +
              hexBytes(bytes, max) +
              (remaining > 0
                ? ' ... ' + remaining + ' more byte' + (remaining > 1 ? 's' : '')
                : '') +
              '>',
          ]
        }
      } else if (keys.length === 0) {
        return prefix + '{ byteLength: ' + formatNumber(ip('arrayBufferLength', value)) + ' }'
      }
      braces[0] = prefix + '{'
      ip('unshift', keys, 'byteLength')
    } else if (value instanceof inspectPrimordials.Promise) {
      braces[0] = getPrefix(constructor, tag, 'Promise') + '{'
      formatter = function () {
        return ['<state unknown>']
      }
    } else if (brand('weakSetHas', value, {})) {
      braces[0] = getPrefix(constructor, tag, 'WeakSet') + '{'
      formatter = function () {
        return ['<items unknown>']
      }
    } else if (brand('weakMapHas', value, {})) {
      braces[0] = getPrefix(constructor, tag, 'WeakMap') + '{'
      formatter = function () {
        return ['<items unknown>']
      }
    } else if (
      brand('numberValue', value) ||
      brand('stringValue', value) ||
      brand('booleanValue', value)
    ) {
      let type
      let primitive
      if (brand('numberValue', value)) {
        type = 'Number'
        primitive = ip('numberValue', value)
      } else if (brand('stringValue', value)) {
        type = 'String'
        primitive = ip('stringValue', value)
        keys = getNonIndexKeys(value, ctx.showHidden)
        const at = ip('arrayIndexOf', keys, 'length')
        if (at !== -1) ip('splice', keys, at, 1)
      } else {
        type = 'Boolean'
        primitive = ip('booleanValue', value)
      }
      base = '[' + type
      if (type !== constructor)
        base += constructor === null ? ' (null prototype)' : ' (' + constructor + ')'
      base +=
        ': ' +
        formatPrimitive(primitive, {
          maxStringLength: ctx.maxStringLength,
          breakLength: Infinity,
          indentationLvl: 0,
        }) +
        ']'
      if (tag !== '' && tag !== constructor) base += ' [' + tag + ']'
      if (keys.length === 0) return base
    } else {
      if (keys.length === 0) return getPrefix(constructor, tag, 'Object') + '{}'
      braces[0] = getPrefix(constructor, tag, 'Object') + '{'
    }
  }
  if (ctx.depth !== null && recurseTimes > ctx.depth) {
    let name = ip('slice', getPrefix(constructor, tag, 'Object'), 0, -1)
    if (constructor !== null) name = '[' + name + ']'
    return name
  }
  recurseTimes += 1
  push(ctx.seen, value)
  ctx.currentDepth = recurseTimes
  const output = formatter(ctx, value, recurseTimes)
  for (let i = 0; i < keys.length; i++)
    push(output, formatProperty(ctx, value, recurseTimes, keys[i], extrasType))
  if (ctx.circular !== undefined) {
    const index = ReflectApply(MapGet, ctx.circular, [value])
    if (index !== undefined) {
      const reference = '<ref *' + index + '>'
      base = base === '' ? reference : reference + ' ' + base
    }
  }
  ctx.seen.length -= 1
  const result = reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value)
  ctx.chars += result.length
  return result
}

export function inspectContext(options) {
  const ctx = {
    depth: 2,
    showHidden: false,
    breakLength: 80,
    compact: 3,
    maxArrayLength: 100,
    maxStringLength: 10000,
    customInspect: true,
    seen: [],
    circular: undefined,
    indentationLvl: 0,
    currentDepth: 0,
    chars: 0,
  }
  if (options !== null && typeof options === 'object') {
    if (options.depth === null || options.depth === Infinity) ctx.depth = null
    else if (typeof options.depth === 'number') ctx.depth = options.depth
    if (typeof options.showHidden === 'boolean') ctx.showHidden = options.showHidden
    if (typeof options.breakLength === 'number') ctx.breakLength = options.breakLength
    if (options.compact === false) ctx.compact = 0
    else if (typeof options.compact === 'number') ctx.compact = options.compact
    if (options.maxArrayLength === null) ctx.maxArrayLength = Infinity
    else if (typeof options.maxArrayLength === 'number') ctx.maxArrayLength = options.maxArrayLength
    if (options.maxStringLength === null) ctx.maxStringLength = Infinity
    else if (typeof options.maxStringLength === 'number')
      ctx.maxStringLength = options.maxStringLength
    if (typeof options.customInspect === 'boolean') ctx.customInspect = options.customInspect
  }
  return ctx
}

/** Node's util.inspect(value, options) and its legacy form (value, showHidden, depth). */
export function nodeInspect(value, options?) {
  let opts = options
  if (typeof options === 'boolean' || arguments.length > 2) {
    opts = { showHidden: options === true }
    if (arguments.length > 2) opts.depth = arguments[2]
  }
  return formatValue(inspectContext(opts), value, 0)
}
nodeInspect.custom = INSPECT_CUSTOM

/** Node's hasBuiltInToString: whether %s should inspect this object rather than String() it. */
export function hasBuiltInToString(value) {
  let toString
  try {
    toString = value.toString
  } catch (e) {
    return true
  }
  if (typeof toString !== 'function') return true
  if (ip('hasOwn', value, 'toString')) return false
  let pointer = value
  do {
    pointer = ip('getProto', undefined, pointer)
  } while (pointer !== null && !ip('hasOwn', pointer, 'toString'))
  if (pointer === null) return true
  const descriptor = ip('descriptor', undefined, pointer, 'constructor')
  return (
    descriptor !== undefined &&
    typeof descriptor.value === 'function' &&
    ReflectApply(BuiltinSetHas, BUILTIN_CONSTRUCTORS, [descriptor.value])
  )
}
export const BUILTIN_CONSTRUCTORS = new Set([
  Object,
  Array,
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  Date,
  RegExp,
  Map,
  Set,
  WeakMap,
  WeakSet,
  Promise,
  Function,
  Number,
  String,
  Boolean,
  Symbol,
  ArrayBuffer,
  DataView,
  Uint8Array,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  Uint8ClampedArray,
])
