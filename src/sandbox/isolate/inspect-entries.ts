// util.inspect inside the isolate: the entries of arrays, sparse arrays and typed arrays, and
// one `key: value` property. They recurse through formatValue (inspect.ts), which imports them
// back: the cycle is the recursion of util.inspect itself, and neither module runs code on load.
import { formatValue } from './inspect.js'
import { ARRAY_INDEX, ELEMENT_TYPE, KEY_IDENTIFIER } from './inspect-names.js'
import { ip, push } from './inspect-primordials.js'
import { ESCAPE_REPLACE, escapeChar, formatNumber, quoteString } from './inspect-strings.js'
import { StringCtor } from './primordials.js'

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
