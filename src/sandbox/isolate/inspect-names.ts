// util.inspect inside the isolate: what a value is called (constructor names, the `Foo [tag]`
// prefixes, function and class bases) and which of its keys are shown.
import { ip, push } from './inspect-primordials.js'
import { NumberCtor, StringCtor } from './primordials.js'

export const OBJECT_TYPE = 0
/** An array element: printed without its key. */
export const ELEMENT_TYPE = 1
/** Keys of an array-like value: its extra properties are printed with their keys. */
export const ARRAY_TYPE = 2
export const KEY_IDENTIFIER = /^[a-zA-Z_][a-zA-Z_0-9]*$/
export const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/

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
