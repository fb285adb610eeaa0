import { Blob, blobStates } from './blob.js'
import { FormData } from './bodies.js'
import { extractFormData } from './multipart.js'
import {
  currentCallId,
  fail,
  finishIfIdle,
  flushDeferred,
  getCall,
  setCurrentCallId,
} from './calls.js'
import { define } from './define.js'
import { copyBytes, utf8Decode, utf8Encode, wellFormed } from './encoding.js'
import { safeString } from './errors.js'
import { AbortController } from './events.js'
import { Headers, TOKEN, headerPairs, responseHeaders } from './headers.js'
import { hostHttp } from './host.js'
import {
  ArrayBufferCtor,
  ArrayBufferIsView,
  ErrorCtor,
  JSONParse,
  JSONStringify,
  MapCtor,
  MapDelete,
  MapForEach,
  MapGet,
  MapSet,
  MathTrunc,
  NumberCtor,
  ObjectDefineProperty,
  ObjectKeys,
  PromiseCtor,
  PromiseThen,
  RangeErrorCtor,
  ReflectApply,
  StringCtor,
  StringSlice,
  TypeErrorCtor,
  Uint8ArrayCtor,
  WeakMapCtor,
  WeakMapGet,
} from './primordials.js'
import { setState, stateOf } from './state.js'
import { URL, URLSearchParams, parseUrlRecord } from './url.js'

// ---- bodies ----------------------------------------------------------------------------------

export function extractBody(body) {
  if (body === undefined || body === null) return { bytes: null, type: null }
  if (typeof body === 'string') return { bytes: utf8Encode(body), type: 'text/plain;charset=UTF-8' }
  if (body instanceof URLSearchParams) {
    return {
      bytes: utf8Encode(body.toString()),
      type: 'application/x-www-form-urlencoded;charset=UTF-8',
    }
  }
  if (body instanceof ArrayBufferCtor)
    return { bytes: copyBytes(new Uint8ArrayCtor(body)), type: null }
  if (ArrayBufferIsView(body)) return { bytes: copyBytes(body), type: null }
  if (body instanceof Blob) {
    const state = stateOf(blobStates, body, 'Blob')
    return { bytes: state.bytes, type: state.type === '' ? null : state.type }
  }
  if (body instanceof FormData) return extractFormData(body) // isolate-bodies.ts
  if (typeof body === 'object' && typeof body.getReader === 'function') {
    throw new TypeErrorCtor(
      '[openhooks] stream bodies are not supported in the sandbox; pass a string or bytes',
    )
  }
  return { bytes: utf8Encode(StringCtor(body)), type: 'text/plain;charset=UTF-8' }
}

export const bodyStates = new WeakMapCtor()

/** The body's bytes, or its text when asked for and the worker decoded it already (valid UTF-8). */
export function consume(object, wantText?) {
  const state = ReflectApply(WeakMapGet, bodyStates, [object])
  if (state === undefined) return PromiseCtor.reject(new TypeErrorCtor('Illegal invocation'))
  if (state.used)
    return PromiseCtor.reject(new TypeErrorCtor('Body is unusable: Body has already been read'))
  if (state.bytes !== null) state.used = true
  if (wantText === true && state.text !== undefined) return PromiseCtor.resolve(state.text)
  return PromiseCtor.resolve(state.bytes === null ? new Uint8ArrayCtor(0) : state.bytes)
}
/** The body as text for text() and json(): UTF-8 decoded, a leading byte order mark dropped, as in fetch. */
export function textOf(body) {
  const text = typeof body === 'string' ? body : utf8Decode(body, false)
  return text[0] === '\uFEFF' ? ReflectApply(StringSlice, text, [1]) : text
}

export const bodyMethods = {
  arrayBuffer() {
    return ReflectApply(PromiseThen, consume(this), [
      function (b) {
        return copyBytes(b).buffer
      },
    ])
  },
  bytes() {
    return ReflectApply(PromiseThen, consume(this), [
      function (b) {
        return copyBytes(b)
      },
    ])
  },
  text() {
    return ReflectApply(PromiseThen, consume(this, true), [textOf])
  },
  json() {
    return ReflectApply(PromiseThen, consume(this, true), [
      function (b) {
        return JSONParse(textOf(b))
      },
    ])
  },
  blob() {
    const self = this
    return ReflectApply(PromiseThen, consume(this), [
      function (b) {
        return new Blob([b], { type: self.headers.get('content-type') || '' })
      },
    ])
  },
  formData() {
    return PromiseCtor.reject(
      new TypeErrorCtor('[openhooks] formData() is not supported in the sandbox'),
    )
  },
}

export function addBodyMethods(target) {
  const names = ObjectKeys(bodyMethods)
  for (let i = 0; i < names.length; i++) {
    ObjectDefineProperty(target.prototype, names[i], {
      value: bodyMethods[names[i]],
      writable: true,
      enumerable: false,
      configurable: true,
    })
  }
  ObjectDefineProperty(target.prototype, 'bodyUsed', {
    get() {
      const s = ReflectApply(WeakMapGet, bodyStates, [this])
      return s !== undefined && s.used
    },
    enumerable: false,
    configurable: true,
  })
  ObjectDefineProperty(target.prototype, 'body', {
    get() {
      return null
    },
    enumerable: false,
    configurable: true,
  })
}

// ---- Request, Response -----------------------------------------------------------------------

export const requestStates = new WeakMapCtor()
export const METHODS_TO_UPPER = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH']

export class Request {
  constructor(input, init?) {
    const options = init === undefined || init === null ? {} : init
    let url
    let method = 'GET'
    let headersInit
    let bytes = null
    let signal = null
    let redirect = 'follow'
    if (isRequest(input)) {
      const source = stateOf(requestStates, input, 'Request')
      url = source.url
      method = source.method
      headersInit = input.headers
      const sourceBody = ReflectApply(WeakMapGet, bodyStates, [input])
      if (sourceBody.used)
        throw new TypeErrorCtor(
          'Cannot construct a Request with a Request whose body has already been used',
        )
      bytes = sourceBody.bytes
      signal = source.signal
      redirect = source.redirect
    } else {
      const parsed = parseUrlRecord(wellFormed(input), undefined)
      if (parsed === undefined)
        throw new TypeErrorCtor('Failed to parse URL from ' + safeString(input))
      if (parsed.username !== '' || parsed.password !== '') {
        throw new TypeErrorCtor(
          'Request cannot be constructed from a URL that includes credentials: ' + parsed.href,
        )
      }
      url = parsed.href
    }
    if (options.method !== undefined) {
      const m = StringCtor(options.method)
      if (!TOKEN.test(m)) throw new TypeErrorCtor("'" + m + "' is not a valid HTTP method.")
      method = METHODS_TO_UPPER.indexOf(m.toUpperCase()) >= 0 ? m.toUpperCase() : m
      if (method === 'CONNECT' || method === 'TRACE' || method === 'TRACK')
        throw new TypeErrorCtor("'" + m + "' HTTP method is unsupported.")
    }
    if (options.headers !== undefined) headersInit = options.headers
    const headers = new Headers(headersInit)
    if (options.body !== undefined && options.body !== null) {
      if (method === 'GET' || method === 'HEAD')
        throw new TypeErrorCtor('Request with GET/HEAD method cannot have body.')
      const extracted = extractBody(options.body)
      bytes = extracted.bytes
      if (extracted.type !== null && !headers.has('content-type'))
        headers.set('content-type', extracted.type)
    }
    if (options.signal !== undefined) signal = options.signal
    if (options.redirect !== undefined) {
      redirect = StringCtor(options.redirect)
      if (redirect !== 'follow' && redirect !== 'manual' && redirect !== 'error') {
        throw new TypeErrorCtor("'" + redirect + "' is not a valid value for redirect")
      }
    }
    // signal stays null until read: fetch(url) then needs no AbortController of its own.
    setState(requestStates, this, { url, method, headers, signal, redirect })
    setState(bodyStates, this, { bytes, used: false })
  }
  get url() {
    return stateOf(requestStates, this, 'Request').url
  }
  get method() {
    return stateOf(requestStates, this, 'Request').method
  }
  get headers() {
    return stateOf(requestStates, this, 'Request').headers
  }
  get signal() {
    const state = stateOf(requestStates, this, 'Request')
    if (state.signal === null) state.signal = new AbortController().signal
    return state.signal
  }
  get redirect() {
    return stateOf(requestStates, this, 'Request').redirect
  }
  get cache() {
    return 'default'
  }
  get credentials() {
    return 'same-origin'
  }
  get mode() {
    return 'cors'
  }
  get referrer() {
    return 'about:client'
  }
  get referrerPolicy() {
    return ''
  }
  get integrity() {
    return ''
  }
  get keepalive() {
    return false
  }
  get destination() {
    return ''
  }
  get isReloadNavigation() {
    return false
  }
  get isHistoryNavigation() {
    return false
  }
  clone() {
    const body = ReflectApply(WeakMapGet, bodyStates, [this])
    if (body === undefined || body.used)
      throw new TypeErrorCtor('Request.clone: Body has already been consumed.')
    return newRequest(this)
  }
}
addBodyMethods(Request)

export const responseStates = new WeakMapCtor()
export const NULL_BODY_STATUSES = [101, 103, 204, 205, 304]
export const REDIRECT_STATUSES = [301, 302, 303, 307, 308]

export class Response {
  constructor(body, init?) {
    const options = init === undefined || init === null ? {} : init
    const status = options.status === undefined ? 200 : NumberCtor(options.status)
    if (!(status >= 200 && status <= 599) || MathTrunc(status) !== status) {
      throw new RangeErrorCtor('init["status"] must be in the range of 200 to 599, inclusive.')
    }
    const headers = new Headers(options.headers)
    let bytes = null
    if (body !== undefined && body !== null) {
      if (NULL_BODY_STATUSES.indexOf(status) >= 0)
        throw new TypeErrorCtor('Response constructor: Invalid response status code ' + status)
      const extracted = extractBody(body)
      bytes = extracted.bytes
      if (extracted.type !== null && !headers.has('content-type'))
        headers.set('content-type', extracted.type)
    }
    setState(responseStates, this, {
      status,
      statusText: options.statusText === undefined ? '' : StringCtor(options.statusText),
      headers,
      type: 'default',
      url: '',
      redirected: false,
    })
    setState(bodyStates, this, { bytes, used: false })
  }
  static error() {
    const response = newResponse(null, { status: 200 })
    const state = stateOf(responseStates, response, 'Response')
    state.status = 0
    state.type = 'error'
    return response
  }
  static json(data, init) {
    const text = JSONStringify(data)
    if (text === undefined) throw new TypeErrorCtor('Value is not JSON serializable')
    const response = newResponse(text, init)
    response.headers.set('content-type', 'application/json')
    return response
  }
  static redirect(url, status) {
    const code = status === undefined ? 302 : status
    if (REDIRECT_STATUSES.indexOf(code) < 0) throw new RangeErrorCtor('Invalid status code ' + code)
    return newResponse(null, { status: code, headers: { location: new URL(url).href } })
  }
  get status() {
    return stateOf(responseStates, this, 'Response').status
  }
  get ok() {
    const s = stateOf(responseStates, this, 'Response').status
    return s >= 200 && s <= 299
  }
  get statusText() {
    return stateOf(responseStates, this, 'Response').statusText
  }
  get headers() {
    return stateOf(responseStates, this, 'Response').headers
  }
  get type() {
    return stateOf(responseStates, this, 'Response').type
  }
  get url() {
    return stateOf(responseStates, this, 'Response').url
  }
  get redirected() {
    return stateOf(responseStates, this, 'Response').redirected
  }
  clone() {
    const state = stateOf(responseStates, this, 'Response')
    const body = ReflectApply(WeakMapGet, bodyStates, [this])
    if (body.used) throw new TypeErrorCtor('Response.clone: Body has already been consumed.')
    return makeResponse(
      state.status,
      state.statusText,
      new Headers(state.headers),
      body.bytes,
      state.url,
      state.redirected,
      state.type,
      body.text,
    )
  }
}
addBodyMethods(Response)

export function makeResponse(status, statusText, headers, bytes, url, redirected, type, text) {
  const response = new Response(null)
  setState(responseStates, response, { status, statusText, headers, type, url, redirected })
  setState(bodyStates, response, { bytes, text, used: false })
  return response
}

// ---- outbound requests (the worker makes them; egress-client.ts) -----------------------------

export const pendingRequests = new MapCtor()
export let nextRequestId = 1

/**
 * Asks the worker to make a request. spec: { method, url, headers: [[name, value]], redirect,
 * decompress, timeoutMs, api }; body: bytes or null. onResult(meta, bytes, text) is called in a
 * later entry: the response body as a Uint8Array, and as a string when it is valid UTF-8 (the
 * worker decodes it, which is much faster than decoding here; a short one comes as the string
 * alone and is encoded here). Returns the request id, or throws
 * when the worker refused at once.
 */
export function startHttp(spec, bodyBytes, onResult) {
  const callId = currentCallId
  const call = getCall(callId)
  if (call === undefined)
    throw new ErrorCtor('[openhooks] outbound requests are possible only during a call')
  const id = nextRequestId++
  // The body crosses as bytes (isolated-vm copies a typed array with its whole buffer: a view
  // into a larger one is copied down to itself first).
  let body
  if (bodyBytes !== null) {
    body =
      bodyBytes.byteOffset === 0 && bodyBytes.byteLength === bodyBytes.buffer.byteLength
        ? bodyBytes
        : copyBytes(bodyBytes)
  }
  const refused = hostHttp('start', callId, id, JSONStringify(spec), body)
  if (refused !== '') throw new ErrorCtor(refused)
  call.timers++
  ReflectApply(MapSet, pendingRequests, [id, { callId, onResult }])
  return id
}

export function abortHttp(id) {
  const pending = ReflectApply(MapGet, pendingRequests, [id])
  if (pending === undefined) return
  ReflectApply(MapDelete, pendingRequests, [id])
  hostHttp('abort', pending.callId, id, undefined, undefined)
  const call = getCall(pending.callId)
  if (call !== undefined) {
    call.timers--
    finishIfIdle(pending.callId, call)
  }
}

export function httpDone(id, metaJson, body, text) {
  const pending = ReflectApply(MapGet, pendingRequests, [id])
  if (pending === undefined) return
  ReflectApply(MapDelete, pendingRequests, [id])
  setCurrentCallId(pending.callId)
  const call = getCall(pending.callId)
  if (call !== undefined) call.timers--
  try {
    // A short UTF-8 body comes as its text alone (worker/callbacks.ts `bodyForIsolate`).
    const bytes =
      body !== undefined
        ? new Uint8ArrayCtor(body)
        : text !== undefined
          ? utf8Encode(text)
          : new Uint8ArrayCtor(0)
    ReflectApply(pending.onResult, undefined, [JSONParse(metaJson), bytes, text])
  } catch (e) {
    flushDeferred()
    fail(pending.callId, e)
  }
  flushDeferred()
  if (call !== undefined) finishIfIdle(pending.callId, call)
}

export function forgetRequests(callId) {
  const ids = []
  ReflectApply(MapForEach, pendingRequests, [
    function (p, id) {
      if (p.callId === callId) define(ids, ids.length, id)
    },
  ])
  for (let i = 0; i < ids.length; i++) ReflectApply(MapDelete, pendingRequests, [ids[i]])
}

export function networkError(prefix, meta) {
  const error = new TypeErrorCtor(prefix + ': ' + meta.message)
  const cause = new ErrorCtor(meta.message)
  cause.code = meta.code
  error.cause = cause
  return error
}

export function fetch(input, init) {
  return new PromiseCtor(function (resolve, reject) {
    const request = new Request(input, init)
    const state = stateOf(requestStates, request, 'Request')
    const signal = state.signal
    if (signal !== null && signal.aborted) {
      reject(signal.reason)
      return
    }
    const body = ReflectApply(WeakMapGet, bodyStates, [request])
    let id // eslint-disable-line prefer-const -- assigned after onAbort is registered
    function onAbort() {
      abortHttp(id)
      reject(signal.reason)
    }
    id = startHttp(
      {
        method: state.method,
        url: state.url,
        headers: headerPairs(state.headers),
        redirect: state.redirect,
        decompress: true,
        api: 'fetch',
      },
      body.bytes,
      function (meta, bytes, text) {
        if (signal !== null) signal.removeEventListener('abort', onAbort)
        if (!meta.ok) {
          reject(networkError('fetch failed', meta))
          return
        }
        resolve(
          makeResponse(
            meta.status,
            meta.statusText,
            responseHeaders(meta.headers),
            bytes,
            meta.url,
            meta.redirected,
            'basic',
            text,
          ),
        )
      },
    )
    if (signal !== null) signal.addEventListener('abort', onAbort, { once: true })
  })
}

// Class bodies do not name their own class: the bundler would give such a class an inner name
// (\`class _X\`), which would become its \`name\` (isolate-runtime.ts checks). These helpers do it.
function isRequest(value) {
  return value instanceof Request
}
function newRequest(input) {
  return new Request(input)
}
function newResponse(body, init) {
  return new Response(body, init)
}
