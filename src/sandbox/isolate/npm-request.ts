import { requestFormData } from './multipart.js'
import { bufferOf } from './buffer.js'
import { requireBuiltin } from './builtins.js'
import { define } from './define.js'
import { base64Encode, utf8Encode } from './encoding.js'
import { abortHttp, startHttp } from './fetch.js'
import { Headers, headerPairs } from './headers.js'
import { dataBytes } from './node-crypto.js'
import { egressError, headerObject, rawHeaderList } from './node-http.js'
import {
  ArrayBufferIsView,
  ErrorCtor,
  JSONParse,
  JSONStringify,
  ObjectKeys,
  StringCtor,
} from './primordials.js'
import { setImmediate } from './timers.js'
import { URL } from './url.js'

// ---- request (the deprecated npm package, callback API subset) ------------------------------

export function buildRequest() {
  const querystring = requireBuiltin('querystring')
  function merge(a, b) {
    const out = {}
    const ka = ObjectKeys(a || {})
    for (let i = 0; i < ka.length; i++) out[ka[i]] = a[ka[i]]
    const kb = ObjectKeys(b || {})
    for (let i = 0; i < kb.length; i++) out[kb[i]] = b[kb[i]]
    return out
  }
  function params(uri, options, callback) {
    let opts
    let cb = callback
    if (typeof options === 'function') cb = options
    if (typeof uri === 'string' || uri instanceof URL)
      opts = merge(typeof options === 'object' ? options : {}, { uri: StringCtor(uri) })
    else opts = merge(uri, {})
    if (typeof cb !== 'function' && typeof opts.callback === 'function') cb = opts.callback
    return { opts, cb }
  }

  function run(opts, cb) {
    const handle: { aborted: boolean; id: number | undefined; abort?: () => void } = {
      aborted: false,
      id: undefined,
    }
    const done = typeof cb === 'function' ? cb : function () {}
    let url
    try {
      const raw = opts.uri !== undefined ? opts.uri : opts.url
      if (raw === undefined) throw new ErrorCtor('options.uri is a required argument')
      url = opts.baseUrl
        ? new URL(StringCtor(raw), StringCtor(opts.baseUrl).replace(/\/?$/, '/'))
        : new URL(StringCtor(raw))
      if (opts.qs && typeof opts.qs === 'object') {
        const extra = querystring.stringify(opts.qs)
        if (extra) url.search = (url.search ? url.search + '&' : '?') + extra
      }
    } catch (error) {
      setImmediate(done, error)
      return handle
    }
    const method = StringCtor(opts.method || 'GET').toUpperCase()
    const headers = new Headers(opts.headers || {})
    let body = null
    if (opts.form !== undefined) {
      body = utf8Encode(
        typeof opts.form === 'string' ? opts.form : querystring.stringify(opts.form),
      )
      headers.set('content-type', 'application/x-www-form-urlencoded')
    } else if (opts.formData !== undefined && opts.formData !== null) {
      try {
        const multipart = requestFormData(opts.formData) // isolate-bodies.ts
        body = multipart.bytes
        headers.set('content-type', multipart.type)
      } catch (error) {
        setImmediate(done, error)
        return handle
      }
    } else if (opts.json !== undefined && opts.json !== false && opts.json !== true) {
      body = utf8Encode(JSONStringify(opts.json))
      if (!headers.has('content-type')) headers.set('content-type', 'application/json')
    } else if (opts.body !== undefined) {
      if (opts.json === true && typeof opts.body === 'object' && !ArrayBufferIsView(opts.body)) {
        body = utf8Encode(JSONStringify(opts.body))
        if (!headers.has('content-type')) headers.set('content-type', 'application/json')
      } else
        body =
          typeof opts.body === 'string'
            ? utf8Encode(opts.body)
            : dataBytes(opts.body, undefined, 'body')
    }
    if (opts.json !== undefined && opts.json !== false && !headers.has('accept'))
      headers.set('accept', 'application/json')
    const auth = opts.auth
    if (auth && typeof auth === 'object') {
      if (auth.bearer !== undefined)
        headers.set(
          'authorization',
          'Bearer ' + (typeof auth.bearer === 'function' ? auth.bearer() : auth.bearer),
        )
      else {
        const user = auth.user !== undefined ? auth.user : auth.username
        const pass = auth.pass !== undefined ? auth.pass : auth.password
        headers.set(
          'authorization',
          'Basic ' +
            base64Encode(utf8Encode(StringCtor(user || '') + ':' + StringCtor(pass || '')), false),
        )
      }
    }
    const follow =
      method === 'GET' || method === 'HEAD'
        ? opts.followRedirect !== false
        : opts.followAllRedirects === true
    try {
      handle.id = startHttp(
        {
          method,
          url: url.href,
          headers: headerPairs(headers),
          redirect: follow ? 'follow' : 'manual',
          decompress: opts.gzip === true,
          timeoutMs:
            typeof opts.timeout === 'number' && opts.timeout > 0 ? opts.timeout : undefined,
          api: 'request',
        },
        body,
        function (meta, bytes, text) {
          if (handle.aborted) return
          if (!meta.ok) {
            done(egressError(meta))
            return
          }
          const raw = bufferOf(bytes)
          const encoding = opts.encoding === undefined ? 'utf8' : opts.encoding
          let responseBody =
            encoding === null
              ? raw
              : text !== undefined && (encoding === 'utf8' || encoding === 'utf-8')
                ? text
                : raw.toString(encoding || 'utf8')
          if (opts.json !== undefined && opts.json !== false && typeof responseBody === 'string') {
            try {
              responseBody = JSONParse(responseBody)
            } catch (e) {}
          }
          const response = {
            statusCode: meta.status,
            statusMessage: meta.statusText,
            headers: headerObject(meta.headers),
            rawHeaders: rawHeaderList(meta.headers),
            body: responseBody,
            request: { uri: new URL(meta.url), method, href: meta.url },
            url: meta.url,
          }
          done(null, response, responseBody)
        },
      )
    } catch (error) {
      setImmediate(done, error)
    }
    handle.abort = function () {
      handle.aborted = true
      if (handle.id !== undefined) abortHttp(handle.id)
    }
    return handle
  }

  function make(defaults) {
    function request(uri, options, callback) {
      const p = params(uri, options, callback)
      return run(merge(defaults, p.opts), p.cb)
    }
    function verb(method) {
      return function (uri, options, callback) {
        const p = params(uri, options, callback)
        p.opts.method = method
        return run(merge(defaults, p.opts), p.cb)
      }
    }
    define(request, 'get', verb('GET'))
    define(request, 'head', verb('HEAD'))
    define(request, 'post', verb('POST'))
    define(request, 'put', verb('PUT'))
    define(request, 'patch', verb('PATCH'))
    define(request, 'del', verb('DELETE'))
    define(request, 'delete', verb('DELETE'))
    define(request, 'defaults', function (more) {
      return make(merge(defaults, more))
    })
    return request
  }
  return make({})
}
