// The body members of Request and Response (`formData()`, `body`) and Node's util.inspect of the
// Web classes, completed once when the runtime starts.
import { Blob } from './blob.js'
import { define } from './define.js'
import { AbortSignal } from './events.js'
import { Request, Response } from './fetch.js'
import { Headers, headerStates } from './headers.js'
import { nodeInspect } from './inspect.js'
import { INSPECT_CUSTOM, ip, push } from './inspect-primordials.js'
import {
  MapCtor,
  MapForEach,
  MapGet,
  MapSet,
  ObjectAssign,
  ObjectCreate,
  ObjectDefineProperty,
  ReflectApply,
} from './primordials.js'
import { stateOf } from './state.js'
import { URL, URLSearchParams } from './url.js'
import { File, FormData, formList } from './bodies.js'
import { bodyFormData } from './multipart.js'
import { ReadableStream, bodyStream, streamStates } from './streams.js'

// The other Web classes keep their state private too; util.inspect shows what Node shows for
// them: the fields below, in Node's order (names of headers in lower case, as this Headers keeps
// them; Node shows the case of the first one set).
export function defineInspect(target, fieldsOf) {
  ObjectDefineProperty(target.prototype, INSPECT_CUSTOM, {
    // Like Node's (undici's), these ignore the depth already used up: a Headers nested deeper
    // than the depth still shows its fields, one level of them.
    value: function inspect(depth, options) {
      const shown = {}
      fieldsOf(this, shown)
      const inner = ObjectAssign({}, options)
      if (typeof depth === 'number' && depth < 0) inner.depth = 0
      return target.name + ' ' + nodeInspect(shown, inner)
    },
    writable: true,
    configurable: true,
  })
}

export function showFields(names) {
  return function (value, shown) {
    for (let i = 0; i < names.length; i++) define(shown, names[i], value[names[i]])
  }
}

/**
 * Completes the runtime's Web classes (called once at start): the body members of Request and
 * Response (`formData()`, `body`), and the `util.inspect` output of Node's for each class.
 */
export function completeWebClasses() {
  for (const target of [Request, Response]) {
    ObjectDefineProperty(target.prototype, 'formData', {
      value: function formData() {
        return bodyFormData(this)
      },
      writable: true,
      enumerable: false,
      configurable: true,
    })
    ObjectDefineProperty(target.prototype, 'body', {
      get() {
        return bodyStream(this)
      },
      enumerable: false,
      configurable: true,
    })
  }

  // What util.inspect shows for URL and URLSearchParams, as Node does (their state is private).
  ObjectDefineProperty(URL.prototype, INSPECT_CUSTOM, {
    value: function inspect(depth, options) {
      if (typeof depth === 'number' && depth < 0) return this
      const shown = ObjectCreate({ constructor: URL })
      const fields = [
        'href',
        'origin',
        'protocol',
        'username',
        'password',
        'host',
        'hostname',
        'port',
        'pathname',
        'search',
        'searchParams',
        'hash',
      ]
      for (let i = 0; i < fields.length; i++) define(shown, fields[i], this[fields[i]])
      return this.constructor.name + ' ' + nodeInspect(shown, options)
    },
    writable: true,
    configurable: true,
  })
  ObjectDefineProperty(URLSearchParams.prototype, INSPECT_CUSTOM, {
    value: function inspect(depth, options) {
      if (typeof depth === 'number' && depth < 0) return '[Object]'
      const inner = ObjectAssign({}, options)
      if (depth !== null) inner.depth = depth - 1
      const output = []
      this.forEach(function (value, name) {
        output[output.length] = nodeInspect(name, inner) + ' => ' + nodeInspect(value, inner)
      })
      let length = -2
      for (let i = 0; i < output.length; i++) length += output[i].length + 2
      if (length > options.breakLength)
        return this.constructor.name + ' {\n  ' + output.join(',\n  ') + ' }'
      if (output.length > 0) return this.constructor.name + ' { ' + output.join(', ') + ' }'
      return this.constructor.name + ' {}'
    },
    writable: true,
    configurable: true,
  })

  defineInspect(Headers, function (headers, shown) {
    ReflectApply(MapForEach, stateOf(headerStates, headers, 'Headers').map, [
      function (values, name) {
        define(shown, name, ip('join', values, ', '))
      },
    ])
  })
  defineInspect(FormData, function (form, shown) {
    const list = formList(form)
    const seen = new MapCtor()
    for (let i = 0; i < list.length; i++) {
      const name = list[i][0]
      const value = list[i][1]
      const count = ReflectApply(MapGet, seen, [name]) || 0
      ReflectApply(MapSet, seen, [name, count + 1])
      if (count === 0) define(shown, name, value)
      else if (count === 1) define(shown, name, [shown[name], value])
      else push(shown[name], value)
    }
  })
  defineInspect(
    Response,
    showFields([
      'status',
      'statusText',
      'headers',
      'body',
      'bodyUsed',
      'ok',
      'redirected',
      'type',
      'url',
    ]),
  )
  defineInspect(
    Request,
    showFields([
      'method',
      'url',
      'headers',
      'destination',
      'referrer',
      'referrerPolicy',
      'mode',
      'credentials',
      'cache',
      'redirect',
      'integrity',
      'keepalive',
      'isReloadNavigation',
      'isHistoryNavigation',
      'signal',
    ]),
  )
  defineInspect(AbortSignal, showFields(['aborted']))
  defineInspect(Blob, showFields(['size', 'type']))
  defineInspect(File, showFields(['size', 'type', 'name', 'lastModified']))
  defineInspect(ReadableStream, function (stream, shown) {
    const state = stateOf(streamStates, stream, 'ReadableStream')
    define(shown, 'locked', stream.locked)
    define(
      shown,
      'state',
      state.errored ? 'errored' : state.closed && state.queue.length === 0 ? 'closed' : 'readable',
    )
    define(shown, 'supportsBYOB', state.bytes === true)
  })
}

// ReadableStream is deliberately not a global: libraries such as axios (1.7) probe for it at load
// time by sending one as a request body, which the sandbox cannot do (bodies are sent whole), and
// without the global they take their buffered path. response.body.constructor reaches the class.
