import { invalidArgType, requireBuiltin } from './builtins.js'
import { wellFormed } from './encoding.js'
import { safeString } from './errors.js'
import {
  ArrayIsArray,
  EncodeURIComponent,
  NumberCtor,
  ObjectCreate,
  ObjectKeys,
  ReflectApply,
  StringReplace,
  StringSlice,
} from './primordials.js'
import { URL, URLSearchParams, percentDecode } from './url.js'

// ---- url, querystring ------------------------------------------------------------------------

export function qsEscape(text) {
  return EncodeURIComponent(wellFormed(text))
}
export function qsUnescape(text) {
  return percentDecode(text)
}

export function qsStringifyValue(value) {
  switch (typeof value) {
    case 'string':
      return value
    case 'number':
      return NumberCtor.isFinite(value) ? '' + value : ''
    case 'bigint':
      return safeString(value)
    case 'boolean':
      return value ? 'true' : 'false'
    default:
      return ''
  }
}

export function buildQuerystring() {
  function stringify(object, sep, eq) {
    const s = sep === undefined ? '&' : sep
    const e = eq === undefined ? '=' : eq
    if (object === null || typeof object !== 'object') return ''
    const keys = ObjectKeys(object)
    const parts = []
    for (let i = 0; i < keys.length; i++) {
      const value = object[keys[i]]
      const key = qsEscape(qsStringifyValue(keys[i])) + e
      if (ArrayIsArray(value)) {
        for (let j = 0; j < value.length; j++)
          parts[parts.length] = key + qsEscape(qsStringifyValue(value[j]))
      } else parts[parts.length] = key + qsEscape(qsStringifyValue(value))
    }
    return parts.join(s)
  }
  function parse(text, sep, eq, options) {
    const out = ObjectCreate(null)
    if (typeof text !== 'string' || text.length === 0) return out
    const s = sep === undefined ? '&' : sep
    const e = eq === undefined ? '=' : eq
    const maxKeys = options && typeof options.maxKeys === 'number' ? options.maxKeys : 1000
    const pieces = text.split(s)
    const n = maxKeys > 0 && pieces.length > maxKeys ? maxKeys : pieces.length
    for (let i = 0; i < n; i++) {
      const piece = ReflectApply(StringReplace, pieces[i], [/\+/g, ' '])
      if (piece === '') continue
      const at = piece.indexOf(e)
      const key = qsUnescape(at < 0 ? piece : ReflectApply(StringSlice, piece, [0, at]))
      const value = at < 0 ? '' : qsUnescape(ReflectApply(StringSlice, piece, [at + e.length]))
      const existing = out[key]
      if (existing === undefined) out[key] = value
      else if (ArrayIsArray(existing)) existing[existing.length] = value
      else out[key] = [existing, value]
    }
    return out
  }
  return {
    stringify,
    encode: stringify,
    parse,
    decode: parse,
    escape: qsEscape,
    unescape: qsUnescape,
  }
}

export const LEGACY_URL =
  /^([a-zA-Z][a-zA-Z0-9+.-]*:)?(?:(\/\/)(?:([^@/?#]*)@)?(\[[^\]]*\]|[^:/?#]*)(?::(\d*))?)?([^?#]*)(\?[^#]*)?(#.*)?$/

export function buildUrl() {
  const querystring = requireBuiltin('querystring')
  function Url() {
    this.protocol = null
    this.slashes = null
    this.auth = null
    this.host = null
    this.port = null
    this.hostname = null
    this.hash = null
    this.search = null
    this.query = null
    this.pathname = null
    this.path = null
    this.href = null
  }
  function parse(text, parseQuery?) {
    if (typeof text !== 'string') throw invalidArgType('url', 'of type string', text)
    const result = new Url()
    const m = LEGACY_URL.exec(text.trim())
    if (m === null) return result
    result.protocol = m[1] ? m[1].toLowerCase() : null
    const special =
      result.protocol === 'http:' ||
      result.protocol === 'https:' ||
      result.protocol === 'ftp:' ||
      result.protocol === 'ws:' ||
      result.protocol === 'wss:' ||
      result.protocol === 'file:'
    if (m[2]) {
      result.slashes = true
      result.auth = m[3] !== undefined ? percentDecode(m[3]) : null
      result.hostname = (m[4] || '').toLowerCase()
      result.port = m[5] || null
      result.host = result.hostname + (result.port ? ':' + result.port : '')
    }
    result.pathname = m[6] || (result.slashes && special ? '/' : m[6] === '' ? null : m[6])
    result.search = m[7] || (parseQuery ? '' : null)
    const rawQuery = m[7] ? ReflectApply(StringSlice, m[7], [1]) : null
    result.query = parseQuery ? querystring.parse(rawQuery || '') : rawQuery
    result.hash = m[8] || null
    result.path = (result.pathname || '') + (result.search || '') || null
    result.href = format(result)
    return result
  }
  function format(object) {
    if (typeof object === 'string') return format(parse(object))
    if (object instanceof URL) return object.href
    let protocol = object.protocol || ''
    if (protocol && protocol[protocol.length - 1] !== ':') protocol += ':'
    let host = ''
    if (object.host) host = object.host
    else if (object.hostname)
      host =
        (object.hostname.indexOf(':') >= 0 && object.hostname[0] !== '['
          ? '[' + object.hostname + ']'
          : object.hostname) + (object.port ? ':' + object.port : '')
    const auth = object.auth ? qsEscape(object.auth).replace('%3A', ':') + '@' : ''
    let search = object.search || ''
    if (!search && object.query && typeof object.query === 'object') {
      const q = querystring.stringify(object.query)
      if (q) search = '?' + q
    } else if (search && search[0] !== '?') search = '?' + search
    let pathname = object.pathname || ''
    const slashes = object.slashes || host || /^(https?|ftp|wss?|file):$/.test(protocol)
    if (slashes && host && pathname && pathname[0] !== '/') pathname = '/' + pathname
    let hash = object.hash || ''
    if (hash && hash[0] !== '#') hash = '#' + hash
    return protocol + (slashes ? '//' : '') + auth + host + pathname + search + hash
  }
  function resolve(from, to) {
    try {
      return new URL(to, new URL(from)).href
    } catch (e) {}
    try {
      const resolved = new URL(to, new URL(from, 'resolve://x/'))
      return resolved.protocol === 'resolve:'
        ? resolved.pathname + resolved.search + resolved.hash
        : resolved.href
    } catch (e) {
      return to
    }
  }
  return { URL, URLSearchParams, Url, parse, format, resolve }
}
