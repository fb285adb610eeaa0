// Size: over 700 lines because it is one concern, Node's util.inspect rebuilt inside the isolate, whose
// per-type formatters share the depth, seen-set and width state of one call. The per-type
// formatters (collections, typed arrays, Web classes) are the seam to split next (issue 19).
import { MAX_INSPECT_CHARS } from './limits.js'
import { isError } from './errors.js'
import {
  BuiltinSetHas,
  MapGet,
  MapSet,
  NumberCtor,
  ReflectApply,
  StringCtor,
} from './primordials.js'

// ---- util.inspect ----------------------------------------------------------------------------

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

export const OBJECT_TYPE = 0
/** An array element: printed without its key. */
export const ELEMENT_TYPE = 1
/** Keys of an array-like value: its extra properties are printed with their keys. */
export const ARRAY_TYPE = 2
export const KEY_IDENTIFIER = /^[a-zA-Z_][a-zA-Z_0-9]*$/
export const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/
export const ESCAPE_TEST =
  /[\x00-\x1f\x27\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
export const ESCAPE_REPLACE =
  /[\x00-\x1f\x27\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g
export const ESCAPE_TEST_NO_QUOTE =
  /[\x00-\x1f\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
export const ESCAPE_REPLACE_NO_QUOTE =
  /[\x00-\x1f\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g
export const NAMED_ESCAPES = {
  8: '\\b',
  9: '\\t',
  10: '\\n',
  12: '\\f',
  13: '\\r',
  39: "\\'",
  92: '\\\\',
}

export function escapeChar(ch) {
  const code = ip('charCodeAt', ch, 0)
  const named = NAMED_ESCAPES[code]
  if (named !== undefined) return named
  if (code <= 0x9f) {
    const hex = ip('numberString', code, 16)
    return (
      '\\x' +
      (code < 16 ? '0' : '') +
      ip('replace', hex, /[a-f]/g, (c) =>
        c === 'a'
          ? 'A'
          : c === 'b'
            ? 'B'
            : c === 'c'
              ? 'C'
              : c === 'd'
                ? 'D'
                : c === 'e'
                  ? 'E'
                  : 'F',
      )
    )
  }
  return '\\u' + ip('numberString', code, 16)
}

export function quoteString(str) {
  let quote = "'"
  let test = ESCAPE_TEST
  let replace = ESCAPE_REPLACE
  if (ip('includes', str, "'")) {
    if (!ip('includes', str, '"')) quote = '"'
    else if (!ip('includes', str, '\x60') && !ip('includes', str, '$' + '{')) quote = '\x60'
    if (quote !== "'") {
      test = ESCAPE_TEST_NO_QUOTE
      replace = ESCAPE_REPLACE_NO_QUOTE
    }
  }
  if (ip('test', test, str)) str = ip('replace', str, replace, escapeChar)
  return quote + str + quote
}

export function formatNumber(n) {
  return ip('is', undefined, n, -0) ? '-0' : StringCtor(n)
}

export function formatPrimitive(value, ctx) {
  switch (typeof value) {
    case 'string': {
      let trailer = ''
      if (value.length > ctx.maxStringLength) {
        const remaining = value.length - ctx.maxStringLength
        value = ip('slice', value, 0, ctx.maxStringLength)
        trailer = '... ' + remaining + ' more character' + (remaining > 1 ? 's' : '')
      }
      if (value.length > 16 && value.length > ctx.breakLength - ctx.indentationLvl - 4) {
        const lines = ip('split', value, /(?<=\n)/)
        let out = ''
        for (let i = 0; i < lines.length; i++) {
          if (i > 0) out += ' +\n' + ip('repeat', ' ', ctx.indentationLvl + 2)
          out += quoteString(lines[i])
        }
        return out + trailer
      }
      return quoteString(value) + trailer
    }
    case 'number':
      return formatNumber(value)
    case 'bigint':
      return StringCtor(value) + 'n'
    case 'boolean':
      return value ? 'true' : 'false'
    case 'undefined':
      return 'undefined'
    case 'symbol':
      return ip('symbolString', value)
    default:
      return StringCtor(value)
  }
}

export function getPrefix(constructor, tag, fallback, size?) {
  size = size || ''
  if (constructor === null) {
    if (tag !== '' && fallback !== tag)
      return '[' + fallback + size + ': null prototype] [' + tag + '] '
    return '[' + fallback + size + ': null prototype] '
  }
  if (tag !== '' && constructor !== tag) return constructor + size + ' [' + tag + '] '
  return constructor + size + ' '
}

export function getConstructorName(obj) {
  const original = obj
  let first
  while (obj !== null && obj !== undefined) {
    const descriptor = ip('descriptor', undefined, obj, 'constructor')
    if (
      descriptor !== undefined &&
      typeof descriptor.value === 'function' &&
      descriptor.value.name !== ''
    ) {
      let isInstance = false
      try {
        isInstance = original instanceof descriptor.value
      } catch (e) {}
      if (isInstance) return StringCtor(descriptor.value.name)
    }
    obj = ip('getProto', undefined, obj)
    if (first === undefined) first = obj
  }
  return first === null ? null : 'Object'
}

export function getKeys(value, showHidden) {
  const symbols = ip('symbols', undefined, value)
  const keys = showHidden ? ip('names', undefined, value) : ip('keys', undefined, value)
  for (let i = 0; i < symbols.length; i++) {
    if (showHidden || ip('isEnumerable', value, symbols[i])) push(keys, symbols[i])
  }
  return keys
}

export function getNonIndexKeys(value, showHidden) {
  const all = getKeys(value, showHidden)
  const keys = []
  for (let i = 0; i < all.length; i++) {
    const key = all[i]
    if (typeof key === 'string' && ip('test', ARRAY_INDEX, key) && NumberCtor(key) < 4294967295)
      continue
    push(keys, key)
  }
  return keys
}

export function getFunctionBase(value, constructor, tag) {
  let source = ''
  try {
    source = ip('fnToString', value)
  } catch (e) {}
  let name = ''
  try {
    name = value.name
  } catch (e) {}
  if (typeof name !== 'string') name = ''
  if (ip('startsWith', source, 'class') && ip('endsWith', source, '}')) {
    let base = '[class ' + (name === '' ? '(anonymous)' : name)
    const parent = ip('getProto', undefined, value)
    if (parent !== null && parent !== Function.prototype) {
      let parentName = ''
      try {
        parentName = parent.name
      } catch (e) {}
      if (parentName) base += ' extends ' + parentName
    }
    base += ']'
    if (constructor !== 'Function' && constructor !== null) base += ' [' + constructor + ']'
    if (tag !== '' && constructor !== tag) base += ' [' + tag + ']'
    if (constructor === null) base += ' [null prototype]'
    return base
  }
  let type = 'Function'
  if (constructor === 'GeneratorFunction' || constructor === 'AsyncGeneratorFunction')
    type = 'Generator' + type
  if (constructor === 'AsyncFunction' || constructor === 'AsyncGeneratorFunction')
    type = 'Async' + type
  let base = '[' + type
  if (constructor === null) base += ' (null prototype)'
  base += name === '' ? ' (anonymous)' : ': ' + name
  base += ']'
  if (constructor !== type && constructor !== null) base += ' ' + constructor
  if (tag !== '' && constructor !== tag) base += ' [' + tag + ']'
  return base
}

export function improveStack(stack, constructor, name, tag) {
  let len = name.length
  if (
    constructor === null ||
    (ip('endsWith', name, 'Error') &&
      ip('startsWith', stack, name) &&
      (stack.length === len || stack[len] === ':' || stack[len] === '\n'))
  ) {
    let fallback = 'Error'
    if (constructor === null) {
      const start =
        ip('exec', /^([A-Z][a-z_ A-Z0-9[\]()-]+)(?::|\n\s+at)/, stack) ||
        ip('exec', /^([a-z_A-Z0-9-]*Error)$/, stack)
      fallback = (start && start[1]) || ''
      len = fallback.length
      fallback = fallback || 'Error'
    }
    const prefix = ip('slice', getPrefix(constructor, tag, fallback), 0, -1)
    if (name !== prefix) {
      if (ip('includes', prefix, name))
        stack = len === 0 ? prefix + ': ' + stack : prefix + ip('slice', stack, len)
      else stack = prefix + ' [' + name + ']' + ip('slice', stack, len)
    }
  }
  return stack
}

export function formatError(error, constructor, tag, ctx, keys) {
  let name = 'Error'
  let message
  let stack
  try {
    if (error.name != null) name = StringCtor(error.name)
  } catch (e) {}
  try {
    message = error.message
  } catch (e) {}
  try {
    stack = error.stack
  } catch (e) {}
  if (stack) stack = StringCtor(stack)
  else {
    try {
      stack = ip('errorString', error)
    } catch (e) {
      stack = name
    }
  }
  if (!ctx.showHidden && keys.length !== 0) {
    const own = ['name', 'message', 'stack']
    for (let i = 0; i < own.length; i++) {
      const index = ip('arrayIndexOf', keys, own[i])
      let shown
      try {
        shown = error[own[i]]
      } catch (e) {}
      if (index !== -1 && ip('includes', stack, shown)) ip('splice', keys, index, 1)
    }
  }
  if ('cause' in error && ip('arrayIndexOf', keys, 'cause') === -1) push(keys, 'cause')
  let errors
  try {
    errors = error.errors
  } catch (e) {}
  if (ip('isArray', undefined, errors) && ip('arrayIndexOf', keys, 'errors') === -1)
    push(keys, 'errors')
  stack = improveStack(stack, constructor, name, tag)
  let pos = (typeof message === 'string' && message !== '' && ip('indexOf', stack, message)) || -1
  if (pos !== -1) pos += message.length
  const frames = ip('indexOf', stack, '\n    at', pos)
  if (frames === -1) stack = '[' + stack + ']'
  if (ctx.indentationLvl !== 0)
    stack = ip('replace', stack, /\n/g, '\n' + ip('repeat', ' ', ctx.indentationLvl))
  return stack
}

export function hexBytes(bytes, count) {
  let out = ''
  for (let i = 0; i < count; i++) {
    const hex = ip('numberString', bytes[i], 16)
    out += (i > 0 ? ' ' : '') + (hex.length < 2 ? '0' : '') + hex
  }
  return out
}

export function moreItems(remaining) {
  return '... ' + remaining + ' more item' + (remaining > 1 ? 's' : '')
}

export function formatArray(ctx, value, recurseTimes) {
  const length = value.length
  const max = ip('min', undefined, ip('max', undefined, 0, ctx.maxArrayLength), length)
  const output = []
  for (let i = 0; i < max; i++) {
    if (!ip('hasOwn', value, i)) return formatSparseArray(ctx, value, recurseTimes, max, output, i)
    push(output, formatProperty(ctx, value, recurseTimes, i, ELEMENT_TYPE))
  }
  if (length > max) push(output, moreItems(length - max))
  return output
}

export function formatSparseArray(ctx, value, recurseTimes, maxLength, output, i) {
  const keys = ip('keys', undefined, value)
  let index = i
  for (; i < keys.length && output.length < maxLength; i++) {
    const key = keys[i]
    const n = +key
    if (n > 4294967294) break
    if (StringCtor(index) !== key) {
      if (!ip('test', ARRAY_INDEX, key)) break
      const empty = n - index
      push(output, '<' + empty + ' empty item' + (empty > 1 ? 's' : '') + '>')
      index = n
      if (output.length === maxLength) break
    }
    push(output, formatProperty(ctx, value, recurseTimes, key, ELEMENT_TYPE))
    index++
  }
  const remaining = value.length - index
  if (output.length !== maxLength) {
    if (remaining > 0)
      push(output, '<' + remaining + ' empty item' + (remaining > 1 ? 's' : '') + '>')
  } else if (remaining > 0) {
    push(output, moreItems(remaining))
  }
  return output
}

export function formatTypedArray(ctx, value, recurseTimes, length) {
  const max = ip('min', undefined, ip('max', undefined, 0, ctx.maxArrayLength), length)
  const output = []
  for (let i = 0; i < max; i++) {
    const element = value[i]
    push(output, typeof element === 'bigint' ? StringCtor(element) + 'n' : formatNumber(element))
  }
  if (length > max) push(output, moreItems(length - max))
  if (ctx.showHidden) {
    ctx.indentationLvl += 2
    const hidden = ['BYTES_PER_ELEMENT', 'length', 'byteLength', 'byteOffset', 'buffer']
    for (let i = 0; i < hidden.length; i++)
      push(output, '[' + hidden[i] + ']: ' + formatValue(ctx, value[hidden[i]], recurseTimes, true))
    ctx.indentationLvl -= 2
  }
  return output
}

export function formatProperty(ctx, value, recurseTimes, key, type) {
  let str
  let desc
  try {
    desc = ip('descriptor', undefined, value, key)
  } catch (e) {}
  if (desc === undefined) {
    let v
    try {
      v = value[key]
    } catch (e) {
      v = undefined
    }
    desc = { value: v, enumerable: true }
  }
  if (desc.value !== undefined) {
    ctx.indentationLvl += 2
    str = formatValue(ctx, desc.value, recurseTimes)
    ctx.indentationLvl -= 2
  } else if (desc.get !== undefined) {
    str = desc.set !== undefined ? '[Getter/Setter]' : '[Getter]'
  } else if (desc.set !== undefined) {
    str = '[Setter]'
  } else {
    str = 'undefined'
  }
  if (type === ELEMENT_TYPE) return str
  let name
  if (typeof key === 'symbol') name = '[' + ip('symbolString', key) + ']'
  else if (key === '__proto__') name = "['__proto__']"
  else if (desc.enumerable === false)
    name = '[' + ip('replace', StringCtor(key), ESCAPE_REPLACE, escapeChar) + ']'
  else if (ip('test', KEY_IDENTIFIER, key)) name = key
  else name = quoteString(StringCtor(key))
  return name + ': ' + str
}

export function groupArrayElements(ctx, output, value) {
  let totalLength = 0
  let maxLength = 0
  let outputLength = output.length
  if (ctx.maxArrayLength < output.length) outputLength--
  const separatorSpace = 2
  const dataLen = []
  for (let i = 0; i < outputLength; i++) {
    const len = output[i].length
    dataLen[i] = len
    totalLength += len + separatorSpace
    if (maxLength < len) maxLength = len
  }
  const actualMax = maxLength + separatorSpace
  if (
    actualMax * 3 + ctx.indentationLvl < ctx.breakLength &&
    (totalLength / actualMax > 5 || maxLength <= 6)
  ) {
    const averageBias = ip('sqrt', undefined, actualMax - totalLength / output.length)
    const biasedMax = ip('max', undefined, actualMax - 3 - averageBias, 1)
    const columns = ip(
      'min',
      undefined,
      ip('round', undefined, ip('sqrt', undefined, 2.5 * biasedMax * outputLength) / biasedMax),
      ip('floor', undefined, (ctx.breakLength - ctx.indentationLvl) / actualMax),
      ctx.compact * 4,
      15,
    )
    if (columns <= 1) return output
    const tmp = []
    const maxLineLength = []
    for (let i = 0; i < columns; i++) {
      let lineLength = 0
      for (let j = i; j < output.length; j += columns)
        if (dataLen[j] > lineLength) lineLength = dataLen[j]
      push(maxLineLength, lineLength + separatorSpace)
    }
    let padStart = true
    if (value !== undefined) {
      for (let i = 0; i < output.length; i++) {
        if (typeof value[i] !== 'number' && typeof value[i] !== 'bigint') {
          padStart = false
          break
        }
      }
    }
    for (let i = 0; i < outputLength; i += columns) {
      const max = ip('min', undefined, i + columns, outputLength)
      let str = ''
      let j = i
      for (; j < max - 1; j++) {
        const cell = output[j] + ', '
        str += padStart
          ? ip('padStart', cell, maxLineLength[j - i], ' ')
          : ip('padEnd', cell, maxLineLength[j - i], ' ')
      }
      if (padStart) str += ip('padStart', output[j], maxLineLength[j - i] - separatorSpace, ' ')
      else str += output[j]
      push(tmp, str)
    }
    if (ctx.maxArrayLength < output.length) push(tmp, output[outputLength])
    output = tmp
  }
  return output
}

export function isBelowBreakLength(ctx, output, start, base) {
  let totalLength = output.length + start
  if (totalLength + output.length > ctx.breakLength) return false
  for (let i = 0; i < output.length; i++) {
    totalLength += output[i].length
    if (totalLength > ctx.breakLength) return false
  }
  return base === '' || !ip('includes', base, '\n')
}

export function reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value) {
  const entries = output.length
  if (extrasType === ARRAY_TYPE && entries > 6) output = groupArrayElements(ctx, output, value)
  if (ctx.currentDepth - recurseTimes < ctx.compact && entries === output.length) {
    const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10
    if (isBelowBreakLength(ctx, output, start, base)) {
      const joined = ip('join', output, ', ')
      if (!ip('includes', joined, '\n'))
        return (base ? base + ' ' : '') + braces[0] + ' ' + joined + ' ' + braces[1]
    }
  }
  const indentation = '\n' + ip('repeat', ' ', ctx.indentationLvl)
  return (
    (base ? base + ' ' : '') +
    braces[0] +
    indentation +
    '  ' +
    ip('join', output, ',' + indentation + '  ') +
    indentation +
    braces[1]
  )
}

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
