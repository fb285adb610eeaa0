import { bufferOf, defineMethods } from './buffer.js'
import { requireBuiltin } from './builtins.js'
import { define } from './define.js'
import { base64Encode, copyBytes, utf8Encode } from './encoding.js'
import { abortHttp, startHttp } from './fetch.js'
import { dataBytes } from './node-crypto.js'
import {
  ArrayIsArray,
  ErrorCtor,
  ObjectKeys,
  ObjectSetPrototypeOf,
  PromiseCtor,
  PromiseThen,
  ReflectApply,
  StringCtor,
  StringReplace,
  TypeErrorCtor,
  Uint8ArrayCtor,
} from './primordials.js'
import { setImmediate } from './timers.js'
import { URL, percentDecode } from './url.js'

// ---- http, https -----------------------------------------------------------------------------

export function headerObject(pairs) {
  const out = {}
  for (let i = 0; i < pairs.length; i++) {
    const name = pairs[i][0].toLowerCase()
    const value = pairs[i][1]
    if (name === 'set-cookie') {
      if (out[name] === undefined) out[name] = [value]
      else out[name][out[name].length] = value
    } else if (out[name] === undefined) out[name] = value
    else out[name] += ', ' + value
  }
  return out
}

export function rawHeaderList(pairs) {
  const out = []
  for (let i = 0; i < pairs.length; i++) {
    out[out.length] = pairs[i][0]
    out[out.length] = pairs[i][1]
  }
  return out
}

export function egressError(meta) {
  const error = new ErrorCtor(meta.message)
  error.code = meta.code
  return error
}

export function buildHttp(defaultProtocol) {
  const EventEmitter = requireBuiltin('events')
  const apiName = defaultProtocol === 'https:' ? 'https' : 'http'

  function IncomingMessage(meta, bytes) {
    this.statusCode = meta.status
    this.statusMessage = meta.statusText
    this.headers = headerObject(meta.headers)
    this.rawHeaders = rawHeaderList(meta.headers)
    this.httpVersion = '1.1'
    this.url = ''
    this.complete = false
    this.encoding = undefined
    define(this, 'bytes', bytes)
  }
  ObjectSetPrototypeOf(IncomingMessage.prototype, EventEmitter.prototype)
  defineMethods(IncomingMessage.prototype, {
    setEncoding(encoding) {
      this.encoding = encoding
      return this
    },
    resume() {
      return this
    },
    pause() {
      return this
    },
    destroy() {
      return this
    },
    setTimeout() {
      return this
    },
  })

  function ClientRequest(options, callback) {
    this.method = options.method
    this.path = options.path
    this.host = options.host
    this.protocol = options.protocol
    define(this, 'url', options.url)
    define(this, 'headerPairs', options.headerPairs)
    define(this, 'chunks', [])
    define(this, 'timeoutMs', options.timeout)
    define(this, 'signal', options.signal)
    this.aborted = false
    this.finished = false
    this.destroyed = false
    define(this, 'requestId', undefined)
    if (typeof callback === 'function') this.once('response', callback)
  }
  ObjectSetPrototypeOf(ClientRequest.prototype, EventEmitter.prototype)
  defineMethods(ClientRequest.prototype, {
    setHeader(name, value) {
      const lower = StringCtor(name).toLowerCase()
      const kept = this.headerPairs.filter(function (p) {
        return p[0].toLowerCase() !== lower
      })
      this.headerPairs.length = 0
      for (let i = 0; i < kept.length; i++) this.headerPairs[i] = kept[i]
      if (ArrayIsArray(value))
        for (let i = 0; i < value.length; i++)
          this.headerPairs[this.headerPairs.length] = [StringCtor(name), StringCtor(value[i])]
      else this.headerPairs[this.headerPairs.length] = [StringCtor(name), StringCtor(value)]
      return this
    },
    getHeader(name) {
      const lower = StringCtor(name).toLowerCase()
      for (let i = 0; i < this.headerPairs.length; i++)
        if (this.headerPairs[i][0].toLowerCase() === lower) return this.headerPairs[i][1]
      return undefined
    },
    removeHeader(name) {
      const lower = StringCtor(name).toLowerCase()
      const kept = this.headerPairs.filter(function (p) {
        return p[0].toLowerCase() !== lower
      })
      this.headerPairs.length = 0
      for (let i = 0; i < kept.length; i++) this.headerPairs[i] = kept[i]
    },
    write(chunk, encoding, callback) {
      if (this.finished) throw new ErrorCtor('write after end')
      if (chunk !== undefined && chunk !== null)
        this.chunks[this.chunks.length] = copyBytes(
          dataBytes(chunk, typeof encoding === 'string' ? encoding : undefined, 'chunk'),
        )
      const cb = typeof encoding === 'function' ? encoding : callback
      if (typeof cb === 'function') setImmediate(cb)
      return true
    },
    end(chunk, encoding, callback) {
      if (typeof chunk === 'function') {
        callback = chunk
        chunk = undefined
      }
      if (typeof encoding === 'function') {
        callback = encoding
        encoding = undefined
      }
      if (this.finished) return this
      if (chunk !== undefined && chunk !== null) this.write(chunk, encoding)
      this.finished = true
      if (typeof callback === 'function') setImmediate(callback)
      const self = this
      let size = 0
      for (let i = 0; i < this.chunks.length; i++) size += this.chunks[i].length
      let body = null
      if (size > 0 || this.method === 'POST' || this.method === 'PUT' || this.method === 'PATCH') {
        body = new Uint8ArrayCtor(size)
        let at = 0
        for (let i = 0; i < this.chunks.length; i++) {
          body.set(this.chunks[i], at)
          at += this.chunks[i].length
        }
      }
      try {
        this.requestId = startHttp(
          {
            method: this.method,
            url: this.url,
            headers: this.headerPairs,
            redirect: 'manual',
            decompress: false,
            timeoutMs: this.timeoutMs,
            api: apiName,
          },
          body,
          function (meta, bytes) {
            if (self.destroyed) return
            if (!meta.ok) {
              if (meta.code === 'ETIMEDOUT') self.emit('timeout')
              self.destroyed = true
              self.emit('error', egressError(meta))
              return
            }
            const response = new IncomingMessage(meta, bufferOf(bytes))
            if (self.listenerCount('response') === 0) return
            self.emit('response', response)
            ReflectApply(PromiseThen, PromiseCtor.resolve(), [
              function () {
                const data = response.bytes
                if (data.length > 0)
                  response.emit(
                    'data',
                    response.encoding === undefined ? data : data.toString(response.encoding),
                  )
                response.complete = true
                response.emit('end')
                response.emit('close')
              },
            ])
          },
        )
      } catch (error) {
        this.destroyed = true
        setImmediate(function () {
          self.emit('error', error)
        })
      }
      if (this.signal) {
        this.signal.addEventListener(
          'abort',
          function () {
            self.destroy(self.signal.reason)
          },
          { once: true },
        )
      }
      return this
    },
    setTimeout(ms, callback) {
      this.timeoutMs = ms
      if (typeof callback === 'function') this.once('timeout', callback)
      return this
    },
    setNoDelay() {},
    setSocketKeepAlive() {},
    flushHeaders() {},
    abort() {
      this.aborted = true
      this.destroy()
    },
    destroy(error) {
      if (this.destroyed) return this
      this.destroyed = true
      if (this.requestId !== undefined) abortHttp(this.requestId)
      const self = this
      const reason = error === undefined ? new ErrorCtor('socket hang up') : error
      if (error === undefined) reason.code = 'ECONNRESET'
      setImmediate(function () {
        if (self.listenerCount('error') > 0) self.emit('error', reason)
        self.emit('close')
      })
      return this
    },
  })

  function normalize(input, options, callback) {
    let opts: Record<string, any> = {}
    let cb = callback
    if (typeof input === 'string' || input instanceof URL) {
      const url = typeof input === 'string' ? new URL(input) : input
      opts = {
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        auth: url.username
          ? percentDecode(url.username) + ':' + percentDecode(url.password)
          : undefined,
      }
      if (typeof options === 'function') cb = options
      else if (options !== null && typeof options === 'object') {
        const keys = ObjectKeys(options)
        for (let i = 0; i < keys.length; i++) opts[keys[i]] = options[keys[i]]
      }
    } else {
      const keys = ObjectKeys(input || {})
      for (let i = 0; i < keys.length; i++) opts[keys[i]] = input[keys[i]]
      if (typeof options === 'function') cb = options
    }
    const protocol = opts.protocol || defaultProtocol
    if (protocol !== defaultProtocol) {
      const error = new TypeErrorCtor(
        'Protocol "' + protocol + '" not supported. Expected "' + defaultProtocol + '"',
      )
      error.code = 'ERR_INVALID_PROTOCOL'
      throw error
    }
    let hostname =
      opts.hostname ||
      (opts.host ? ReflectApply(StringReplace, StringCtor(opts.host), [/:\d+$/, '']) : 'localhost')
    if (hostname.indexOf(':') >= 0 && hostname[0] !== '[') hostname = '[' + hostname + ']'
    const port = opts.port ? ':' + opts.port : ''
    const path = opts.path || '/'
    const method = (opts.method || 'GET').toUpperCase()
    const headerPairs = []
    const headers = opts.headers || {}
    if (ArrayIsArray(headers))
      for (let i = 0; i + 1 < headers.length; i += 2)
        headerPairs[headerPairs.length] = [StringCtor(headers[i]), StringCtor(headers[i + 1])]
    else {
      const keys = ObjectKeys(headers)
      for (let i = 0; i < keys.length; i++) {
        const value = headers[keys[i]]
        if (value === undefined) continue
        if (ArrayIsArray(value))
          for (let j = 0; j < value.length; j++)
            headerPairs[headerPairs.length] = [keys[i], StringCtor(value[j])]
        else headerPairs[headerPairs.length] = [keys[i], StringCtor(value)]
      }
    }
    if (
      opts.auth &&
      !headerPairs.some(function (p) {
        return p[0].toLowerCase() === 'authorization'
      })
    ) {
      headerPairs[headerPairs.length] = [
        'Authorization',
        'Basic ' + base64Encode(utf8Encode(opts.auth), false),
      ]
    }
    return {
      options: {
        method,
        path,
        host: hostname,
        protocol,
        url: protocol + '//' + hostname + port + path,
        headerPairs,
        timeout: typeof opts.timeout === 'number' && opts.timeout > 0 ? opts.timeout : undefined,
        signal: opts.signal,
      },
      callback: cb,
    }
  }

  function request(input, options, callback) {
    const n = normalize(input, options, callback)
    return new ClientRequest(n.options, n.callback)
  }
  function get(input, options, callback) {
    const req = request(input, options, callback)
    req.end()
    return req
  }
  function Agent(options?) {
    this.options = options || {}
  }
  defineMethods(Agent.prototype, { destroy() {} })
  return {
    request,
    get,
    Agent,
    globalAgent: new Agent(),
    ClientRequest,
    IncomingMessage,
    METHODS: ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'],
    STATUS_CODES: {
      200: 'OK',
      201: 'Created',
      204: 'No Content',
      301: 'Moved Permanently',
      302: 'Found',
      304: 'Not Modified',
      400: 'Bad Request',
      401: 'Unauthorized',
      403: 'Forbidden',
      404: 'Not Found',
      409: 'Conflict',
      429: 'Too Many Requests',
      500: 'Internal Server Error',
      502: 'Bad Gateway',
      503: 'Service Unavailable',
      504: 'Gateway Timeout',
    },
  }
}
