import {
  ArrayIsArray,
  MapCtor,
  MapDelete,
  MapForEach,
  MapGet,
  MapSet,
  ObjectKeys,
  ReflectApply,
  StringCtor,
  StringReplace,
  SymbolIterator,
  TypeErrorCtor,
  WeakMapCtor,
} from './primordials.js'
import { setState, stateOf } from './state.js'

// ---- Headers ---------------------------------------------------------------------------------

export const TOKEN = /^[!#$%&'*+.^_\x60|~0-9A-Za-z-]+$/
export const headerStates = new WeakMapCtor()

export function headerValue(value) {
  const text = ReflectApply(StringReplace, StringCtor(value), [/^[\t\n\r ]+|[\t\n\r ]+$/g, ''])
  if (/[\0\r\n]/.test(text)) throw new TypeErrorCtor('Invalid header value')
  return text
}
export function headerName(name) {
  const text = StringCtor(name)
  if (!TOKEN.test(text)) throw new TypeErrorCtor('Invalid header name: "' + text + '"')
  return text.toLowerCase()
}

export class Headers {
  constructor(init?) {
    setState(headerStates, this, { map: new MapCtor() })
    if (init === undefined || init === null) return
    if (isHeaders(init)) {
      const self = this
      init.forEach(function (value, name) {
        self.append(name, value)
      })
      const cookies = init.getSetCookie()
      if (cookies.length > 0) {
        this.delete('set-cookie')
        for (let i = 0; i < cookies.length; i++) this.append('set-cookie', cookies[i])
      }
    } else if (typeof init[SymbolIterator] === 'function') {
      for (const pair of init) {
        const items = []
        for (const item of pair) items[items.length] = item
        if (items.length !== 2)
          throw new TypeErrorCtor('Header pairs must contain exactly two items')
        this.append(items[0], items[1])
      }
    } else if (typeof init === 'object') {
      const keys = ObjectKeys(init)
      for (let i = 0; i < keys.length; i++) {
        const value = init[keys[i]]
        if (ArrayIsArray(value))
          for (let j = 0; j < value.length; j++) this.append(keys[i], value[j])
        else this.append(keys[i], value)
      }
    } else {
      throw new TypeErrorCtor('Headers must be an object, an iterable of pairs or a Headers')
    }
  }
  append(name, value) {
    const map = stateOf(headerStates, this, 'Headers').map
    const n = headerName(name)
    const v = headerValue(value)
    const list = ReflectApply(MapGet, map, [n])
    if (list === undefined) ReflectApply(MapSet, map, [n, [v]])
    else list[list.length] = v
  }
  delete(name) {
    ReflectApply(MapDelete, stateOf(headerStates, this, 'Headers').map, [headerName(name)])
  }
  get(name) {
    const list = ReflectApply(MapGet, stateOf(headerStates, this, 'Headers').map, [
      headerName(name),
    ])
    return list === undefined ? null : list.join(', ')
  }
  getSetCookie() {
    const list = ReflectApply(MapGet, stateOf(headerStates, this, 'Headers').map, ['set-cookie'])
    return list === undefined ? [] : list.slice()
  }
  has(name) {
    return (
      ReflectApply(MapGet, stateOf(headerStates, this, 'Headers').map, [headerName(name)]) !==
      undefined
    )
  }
  set(name, value) {
    ReflectApply(MapSet, stateOf(headerStates, this, 'Headers').map, [
      headerName(name),
      [headerValue(value)],
    ])
  }
  forEach(callback, thisArg?) {
    const entries = headerEntries(this)
    for (let i = 0; i < entries.length; i++)
      ReflectApply(callback, thisArg, [entries[i][1], entries[i][0], this])
  }
  *entries() {
    const e = headerEntries(this)
    for (let i = 0; i < e.length; i++) yield e[i]
  }
  *keys() {
    const e = headerEntries(this)
    for (let i = 0; i < e.length; i++) yield e[i][0]
  }
  *values() {
    const e = headerEntries(this)
    for (let i = 0; i < e.length; i++) yield e[i][1]
  }
  [SymbolIterator]() {
    return this.entries()
  }
}

/** Sorted by name, values combined, set-cookie kept apart (the fetch standard's "sort and combine"). */
export function headerEntries(headers) {
  const map = stateOf(headerStates, headers, 'Headers').map
  const names = []
  ReflectApply(MapForEach, map, [
    function (_values, name) {
      names[names.length] = name
    },
  ])
  names.sort()
  const out = []
  for (let i = 0; i < names.length; i++) {
    const values = ReflectApply(MapGet, map, [names[i]])
    if (names[i] === 'set-cookie')
      for (let j = 0; j < values.length; j++) out[out.length] = ['set-cookie', values[j]]
    else out[out.length] = [names[i], values.join(', ')]
  }
  return out
}

/**
 * A response's Headers from the worker's [name, value] pairs, filled directly: the worker's HTTP
 * parser already refused malformed headers and trimmed values, so only what Headers itself would
 * refuse is skipped (no regular-expression trim per value).
 */
export function responseHeaders(pairs) {
  const headers = new Headers()
  const map = stateOf(headerStates, headers, 'Headers').map
  for (let i = 0; i < pairs.length; i++) {
    const name = pairs[i][0]
    const value = pairs[i][1]
    if (!TOKEN.test(name) || /[\0\r\n]/.test(value)) continue
    const key = name.toLowerCase()
    const list = ReflectApply(MapGet, map, [key])
    if (list === undefined) ReflectApply(MapSet, map, [key, [value]])
    else list[list.length] = value
  }
  return headers
}

/** Every header as sent, as [name, value] pairs (for the worker). */
export function headerPairs(headers) {
  const out = []
  ReflectApply(MapForEach, stateOf(headerStates, headers, 'Headers').map, [
    function (values, name) {
      for (let i = 0; i < values.length; i++) out[out.length] = [name, values[i]]
    },
  ])
  return out
}

// Class bodies do not name their own class: the bundler would give such a class an inner name
// (\`class _X\`), which would become its \`name\` (isolate-runtime.ts checks). These helpers do it.
function isHeaders(value) {
  return value instanceof Headers
}
