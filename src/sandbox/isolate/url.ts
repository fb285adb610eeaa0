import { utf8DecodeSlow, utf8Encode, wellFormed } from './encoding.js'
import { hostService } from './host.js'
import {
  DecodeURIComponent,
  EncodeURIComponent,
  JSONParse,
  MapClear,
  MapCtor,
  MapGet,
  MapSet,
  ObjectKeys,
  ReflectApply,
  StringCtor,
  StringFromCharCode,
  StringReplace,
  StringSlice,
  SymbolIterator,
  TypeErrorCtor,
  Uint8ArrayCtor,
  WeakMapCtor,
} from './primordials.js'
import { setState, stateOf } from './state.js'

// ---- URL, URLSearchParams --------------------------------------------------------------------

export const urlStates = new WeakMapCtor()
export const paramsStates = new WeakMapCtor()

/**
 * Parsed absolute URLs by their text: a hook usually calls the same few endpoints on every call,
 * and each parse is a call out to the worker (about 10 µs). Records are never changed in place
 * (setters replace them), so one can be shared. Bounded: at most URL_CACHE_ENTRIES entries of at
 * most URL_CACHE_MAX_CHARS characters; the cache is emptied when full.
 */
export const URL_CACHE_ENTRIES = 64
export const URL_CACHE_MAX_CHARS = 2048
export const urlCache = new MapCtor()
export let urlCacheEntries = 0

export function parseUrlRecord(input, base) {
  const cacheable = base === undefined && input.length <= URL_CACHE_MAX_CHARS
  if (cacheable) {
    const cached = ReflectApply(MapGet, urlCache, [input])
    if (cached !== undefined) return cached
  }
  const answer = hostService('url', input, base, undefined)
  if (answer === 'error:') return undefined
  const record = JSONParse(answer)
  if (cacheable) {
    if (urlCacheEntries >= URL_CACHE_ENTRIES) {
      ReflectApply(MapClear, urlCache, [])
      urlCacheEntries = 0
    }
    ReflectApply(MapSet, urlCache, [input, record])
    urlCacheEntries++
  }
  return record
}

export function invalidUrl(input) {
  const error = new TypeErrorCtor('Invalid URL')
  error.code = 'ERR_INVALID_URL'
  error.input = input
  return error
}

export class URL {
  constructor(url, base?) {
    if (arguments.length === 0) throw new TypeErrorCtor('The "url" argument must be specified')
    const input = wellFormed(url)
    const record = parseUrlRecord(input, base === undefined ? undefined : wellFormed(base))
    if (record === undefined) throw invalidUrl(input)
    setState(urlStates, this, { record, params: undefined })
  }
  static canParse(url, base) {
    return (
      parseUrlRecord(wellFormed(url), base === undefined ? undefined : wellFormed(base)) !==
      undefined
    )
  }
  static parse(url, base) {
    try {
      return newURL(url, base)
    } catch (e) {
      return null
    }
  }
  get href() {
    return stateOf(urlStates, this, 'URL').record.href
  }
  set href(value) {
    const state = stateOf(urlStates, this, 'URL')
    const record = parseUrlRecord(wellFormed(value), undefined)
    if (record === undefined) throw invalidUrl(StringCtor(value))
    state.record = record
    syncParams(state)
  }
  get origin() {
    return stateOf(urlStates, this, 'URL').record.origin
  }
  get protocol() {
    return stateOf(urlStates, this, 'URL').record.protocol
  }
  set protocol(v) {
    setUrlField(this, 'protocol', v)
  }
  get username() {
    return stateOf(urlStates, this, 'URL').record.username
  }
  set username(v) {
    setUrlField(this, 'username', v)
  }
  get password() {
    return stateOf(urlStates, this, 'URL').record.password
  }
  set password(v) {
    setUrlField(this, 'password', v)
  }
  get host() {
    return stateOf(urlStates, this, 'URL').record.host
  }
  set host(v) {
    setUrlField(this, 'host', v)
  }
  get hostname() {
    return stateOf(urlStates, this, 'URL').record.hostname
  }
  set hostname(v) {
    setUrlField(this, 'hostname', v)
  }
  get port() {
    return stateOf(urlStates, this, 'URL').record.port
  }
  set port(v) {
    setUrlField(this, 'port', v)
  }
  get pathname() {
    return stateOf(urlStates, this, 'URL').record.pathname
  }
  set pathname(v) {
    setUrlField(this, 'pathname', v)
  }
  get search() {
    return stateOf(urlStates, this, 'URL').record.search
  }
  set search(v) {
    setUrlField(this, 'search', v)
  }
  get hash() {
    return stateOf(urlStates, this, 'URL').record.hash
  }
  set hash(v) {
    setUrlField(this, 'hash', v)
  }
  get searchParams() {
    const state = stateOf(urlStates, this, 'URL')
    if (state.params === undefined) {
      state.params = new URLSearchParams(state.record.search)
      stateOf(paramsStates, state.params, 'URLSearchParams').url = state
    }
    return state.params
  }
  toString() {
    return stateOf(urlStates, this, 'URL').record.href
  }
  toJSON() {
    return stateOf(urlStates, this, 'URL').record.href
  }
}

export function setUrlField(url, field, value) {
  const state = stateOf(urlStates, url, 'URL')
  const answer = hostService('url-set', state.record.href, field, wellFormed(value))
  if (answer === 'error:') return
  state.record = JSONParse(answer)
  if (field === 'search' || field === 'href') syncParams(state)
}

export function syncParams(urlState) {
  if (urlState.params === undefined) return
  const params = stateOf(paramsStates, urlState.params, 'URLSearchParams')
  params.list = parseForm(urlState.record.search)
}

export function formEncode(text) {
  return ReflectApply(StringReplace, EncodeURIComponent(wellFormed(text)), [
    /[!'()~]|%20/g,
    function (c) {
      return c === '%20' ? '+' : '%' + c.charCodeAt(0).toString(16).toUpperCase()
    },
  ])
}

export function percentDecode(text) {
  try {
    return DecodeURIComponent(text)
  } catch (e) {}
  const bytes = utf8Encode(text)
  const out = new Uint8ArrayCtor(bytes.length)
  let n = 0
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]
    if (b === 37 && i + 2 < bytes.length) {
      const hex = StringFromCharCode(bytes[i + 1], bytes[i + 2])
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        out[n++] = parseInt(hex, 16)
        i += 2
        continue
      }
    }
    out[n++] = b
  }
  return utf8DecodeSlow(out.subarray(0, n), false)
}

export function parseForm(text) {
  const list = []
  let input = StringCtor(text)
  if (input[0] === '?') input = ReflectApply(StringSlice, input, [1])
  if (input === '') return list
  const pieces = input.split('&')
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]
    if (piece === '') continue
    const eq = piece.indexOf('=')
    const name = eq < 0 ? piece : ReflectApply(StringSlice, piece, [0, eq])
    const value = eq < 0 ? '' : ReflectApply(StringSlice, piece, [eq + 1])
    list[list.length] = [
      percentDecode(ReflectApply(StringReplace, name, [/\+/g, ' '])),
      percentDecode(ReflectApply(StringReplace, value, [/\+/g, ' '])),
    ]
  }
  return list
}

export function serializeForm(list) {
  let out = ''
  for (let i = 0; i < list.length; i++) {
    if (i > 0) out += '&'
    out += formEncode(list[i][0]) + '=' + formEncode(list[i][1])
  }
  return out
}

export function paramsChanged(state) {
  if (state.url === undefined) return
  const text = serializeForm(state.list)
  const answer = hostService('url-set', state.url.record.href, 'search', text)
  if (answer !== 'error:') state.url.record = JSONParse(answer)
}

export class URLSearchParams {
  constructor(init) {
    let list = []
    if (init === undefined || init === null) list = []
    else if (typeof init === 'object' || typeof init === 'function') {
      if (typeof init[SymbolIterator] === 'function') {
        for (const pair of init) {
          const items = []
          for (const item of pair) items[items.length] = item
          if (items.length !== 2)
            throw new TypeErrorCtor('Each query pair must be an iterable [name, value] tuple')
          list[list.length] = [wellFormed(items[0]), wellFormed(items[1])]
        }
      } else {
        const keys = ObjectKeys(init)
        for (let i = 0; i < keys.length; i++)
          list[list.length] = [wellFormed(keys[i]), wellFormed(init[keys[i]])]
      }
    } else list = parseForm(wellFormed(init))
    setState(paramsStates, this, { list, url: undefined })
  }
  get size() {
    return stateOf(paramsStates, this, 'URLSearchParams').list.length
  }
  append(name, value) {
    const state = stateOf(paramsStates, this, 'URLSearchParams')
    state.list[state.list.length] = [wellFormed(name), wellFormed(value)]
    paramsChanged(state)
  }
  delete(name, value) {
    const state = stateOf(paramsStates, this, 'URLSearchParams')
    const n = wellFormed(name)
    const v = value === undefined ? undefined : wellFormed(value)
    state.list = state.list.filter(function (p) {
      return !(p[0] === n && (v === undefined || p[1] === v))
    })
    paramsChanged(state)
  }
  get(name) {
    const n = wellFormed(name)
    const list = stateOf(paramsStates, this, 'URLSearchParams').list
    for (let i = 0; i < list.length; i++) if (list[i][0] === n) return list[i][1]
    return null
  }
  getAll(name) {
    const n = wellFormed(name)
    return stateOf(paramsStates, this, 'URLSearchParams')
      .list.filter(function (p) {
        return p[0] === n
      })
      .map(function (p) {
        return p[1]
      })
  }
  has(name, value) {
    const n = wellFormed(name)
    const v = value === undefined ? undefined : wellFormed(value)
    return stateOf(paramsStates, this, 'URLSearchParams').list.some(function (p) {
      return p[0] === n && (v === undefined || p[1] === v)
    })
  }
  set(name, value) {
    const state = stateOf(paramsStates, this, 'URLSearchParams')
    const n = wellFormed(name)
    const v = wellFormed(value)
    const out = []
    let found = false
    for (let i = 0; i < state.list.length; i++) {
      if (state.list[i][0] !== n) out[out.length] = state.list[i]
      else if (!found) {
        found = true
        out[out.length] = [n, v]
      }
    }
    if (!found) out[out.length] = [n, v]
    state.list = out
    paramsChanged(state)
  }
  sort() {
    const state = stateOf(paramsStates, this, 'URLSearchParams')
    const indexed = state.list.map(function (p, i) {
      return [p, i]
    })
    indexed.sort(function (a, b) {
      return a[0][0] < b[0][0] ? -1 : a[0][0] > b[0][0] ? 1 : a[1] - b[1]
    })
    state.list = indexed.map(function (x) {
      return x[0]
    })
    paramsChanged(state)
  }
  forEach(callback, thisArg?) {
    const list = stateOf(paramsStates, this, 'URLSearchParams').list
    for (let i = 0; i < list.length; i++)
      ReflectApply(callback, thisArg, [list[i][1], list[i][0], this])
  }
  *entries() {
    const list = stateOf(paramsStates, this, 'URLSearchParams').list
    for (let i = 0; i < list.length; i++) yield [list[i][0], list[i][1]]
  }
  *keys() {
    const list = stateOf(paramsStates, this, 'URLSearchParams').list
    for (let i = 0; i < list.length; i++) yield list[i][0]
  }
  *values() {
    const list = stateOf(paramsStates, this, 'URLSearchParams').list
    for (let i = 0; i < list.length; i++) yield list[i][1]
  }
  [SymbolIterator]() {
    return this.entries()
  }
  toString() {
    return serializeForm(stateOf(paramsStates, this, 'URLSearchParams').list)
  }
}

// Class bodies do not name their own class: the bundler would give such a class an inner name
// (\`class _X\`), which would become its \`name\` (isolate-runtime.ts checks). These helpers do it.
function newURL(url, base) {
  return new URL(url, base)
}
