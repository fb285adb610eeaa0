// Size: over 700 lines because it holds every body type the isolate's fetch reads and writes (strings,
// bytes, Blob, URLSearchParams, FormData with its multipart encoder and parser, ReadableStream),
// which share one byte-source model. Multipart is the seam to split out next (issue 19).
import { Blob, blobStates } from './blob.js'
import { define } from './define.js'
import {
  bytesFromLatin1,
  copyBytes,
  latin1FromBytes,
  utf8Decode,
  utf8Encode,
  wellFormed,
} from './encoding.js'
import { AbortSignal } from './events.js'
import { Request, Response, bodyStates, consume } from './fetch.js'
import { Headers, headerStates } from './headers.js'
import { INSPECT_CUSTOM, ip, nodeInspect, push } from './inspect.js'
import {
  ArrayBufferCtor,
  ArrayBufferIsView,
  ArrayIsArray,
  DateNow,
  MapCtor,
  MapForEach,
  MapGet,
  MapSet,
  MathTrunc,
  NumberCtor,
  ObjectAssign,
  ObjectCreate,
  ObjectDefineProperty,
  ObjectKeys,
  PromiseCtor,
  PromiseThen,
  ReflectApply,
  StringCtor,
  StringReplace,
  TypeErrorCtor,
  Uint8ArrayCtor,
  WeakMapCtor,
  WeakMapGet,
} from './primordials.js'
import { setState, stateOf } from './state.js'
import { URL, URLSearchParams } from './url.js'
import { randomBytesLatin1 } from './web-crypto.js'

import { BODY_CHUNK_BYTES, MAX_FORM_PARTS } from './limits.js'
// ---- File, FormData, ReadableStream -----------------------------------------------------------

export const fileStates = new WeakMapCtor()
export class File extends Blob {
  constructor(bits, name, options) {
    if (arguments.length < 2)
      throw new TypeErrorCtor(
        "Failed to construct 'File': 2 arguments required, but only " +
          arguments.length +
          ' present.',
      )
    super(bits, options)
    const lastModified =
      options && options.lastModified !== undefined ? NumberCtor(options.lastModified) : DateNow()
    setState(fileStates, this, {
      name: wellFormed(name),
      lastModified: lastModified === lastModified ? MathTrunc(lastModified) : 0,
    })
  }
  get name() {
    return stateOf(fileStates, this, 'File').name
  }
  get lastModified() {
    return stateOf(fileStates, this, 'File').lastModified
  }
  get [Symbol.toStringTag]() {
    return 'File'
  }
}

export function isFile(value) {
  return ReflectApply(WeakMapGet, fileStates, [value]) !== undefined
}

/** A FormData entry value: a string, or a File (a Blob becomes a File named "blob"). */
export function formEntryValue(value, filename) {
  if (value instanceof Blob) {
    if (!isFile(value) || filename !== undefined) {
      const name =
        filename !== undefined
          ? StringCtor(filename)
          : isFile(value)
            ? (value as File).name
            : 'blob'
      const options: { type: string; lastModified?: number } = { type: value.type }
      if (isFile(value)) options.lastModified = (value as File).lastModified
      return new File([value], name, options)
    }
    return value
  }
  return wellFormed(value)
}

export const formStates = new WeakMapCtor()
export function formList(form) {
  return stateOf(formStates, form, 'FormData').list
}

export class FormData {
  constructor(form?) {
    if (form !== undefined)
      throw new TypeErrorCtor(
        "Failed to construct 'FormData': parameter 1 is not of type 'HTMLFormElement'.",
      )
    setState(formStates, this, { list: [] })
  }
  append(name, value, filename?) {
    if (arguments.length < 2)
      throw new TypeErrorCtor("Failed to execute 'append' on 'FormData': 2 arguments required.")
    if (filename !== undefined && !(value instanceof Blob))
      throw new TypeErrorCtor(
        "Failed to execute 'append' on 'FormData': parameter 2 is not of type 'Blob'.",
      )
    const list = formList(this)
    list[list.length] = [wellFormed(name), formEntryValue(value, filename)]
  }
  set(name, value, filename) {
    if (arguments.length < 2)
      throw new TypeErrorCtor("Failed to execute 'set' on 'FormData': 2 arguments required.")
    if (filename !== undefined && !(value instanceof Blob))
      throw new TypeErrorCtor(
        "Failed to execute 'set' on 'FormData': parameter 2 is not of type 'Blob'.",
      )
    const state = stateOf(formStates, this, 'FormData')
    const n = wellFormed(name)
    const entry = [n, formEntryValue(value, filename)]
    const out = []
    let placed = false
    for (let i = 0; i < state.list.length; i++) {
      if (state.list[i][0] !== n) out[out.length] = state.list[i]
      else if (!placed) {
        out[out.length] = entry
        placed = true
      }
    }
    if (!placed) out[out.length] = entry
    state.list = out
  }
  get(name) {
    const n = wellFormed(name)
    const list = formList(this)
    for (let i = 0; i < list.length; i++) if (list[i][0] === n) return list[i][1]
    return null
  }
  getAll(name) {
    const n = wellFormed(name)
    const list = formList(this)
    const out = []
    for (let i = 0; i < list.length; i++) if (list[i][0] === n) out[out.length] = list[i][1]
    return out
  }
  has(name) {
    return this.get(name) !== null
  }
  delete(name) {
    const state = stateOf(formStates, this, 'FormData')
    const n = wellFormed(name)
    const out = []
    for (let i = 0; i < state.list.length; i++)
      if (state.list[i][0] !== n) out[out.length] = state.list[i]
    state.list = out
  }
  forEach(callback, thisArg) {
    const list = formList(this)
    for (let i = 0; i < list.length; i++)
      ReflectApply(callback, thisArg, [list[i][1], list[i][0], this])
  }
  *entries() {
    const list = formList(this)
    for (let i = 0; i < list.length; i++) yield [list[i][0], list[i][1]]
  }
  *keys() {
    const list = formList(this)
    for (let i = 0; i < list.length; i++) yield list[i][0]
  }
  *values() {
    const list = formList(this)
    for (let i = 0; i < list.length; i++) yield list[i][1]
  }
  [Symbol.iterator]() {
    return this.entries()
  }
  get [Symbol.toStringTag]() {
    return 'FormData'
  }
}

export function escapeFormName(text) {
  return ReflectApply(StringReplace, text, [
    /[\n\r"]/g,
    function (c) {
      return c === '\n' ? '%0A' : c === '\r' ? '%0D' : '%22'
    },
  ])
}

/** Serialises a FormData as multipart/form-data (RFC 7578), as Node's fetch does. */
export function extractFormData(form) {
  let hex = ''
  const random = randomBytesLatin1(12)
  for (let i = 0; i < random.length; i++) {
    const code = random.charCodeAt(i)
    hex += (code < 16 ? '0' : '') + code.toString(16)
  }
  const boundary = '----formdata-openhooks-' + hex
  const chunks = []
  let size = 0
  const add = function (bytes) {
    chunks[chunks.length] = bytes
    size += bytes.length
  }
  const list = formList(form)
  for (let i = 0; i < list.length; i++) {
    const name = escapeFormName(list[i][0])
    const value = list[i][1]
    if (typeof value === 'string') {
      const normalized = ReflectApply(StringReplace, value, [/\r\n|\r|\n/g, '\r\n'])
      add(
        utf8Encode(
          '--' +
            boundary +
            '\r\nContent-Disposition: form-data; name="' +
            name +
            '"\r\n\r\n' +
            normalized +
            '\r\n',
        ),
      )
    } else {
      add(
        utf8Encode(
          '--' +
            boundary +
            '\r\nContent-Disposition: form-data; name="' +
            name +
            '"; filename="' +
            escapeFormName(value.name) +
            '"\r\nContent-Type: ' +
            (value.type || 'application/octet-stream') +
            '\r\n\r\n',
        ),
      )
      add(stateOf(blobStates, value, 'Blob').bytes)
      add(utf8Encode('\r\n'))
    }
  }
  add(utf8Encode('--' + boundary + '--\r\n'))
  const bytes = new Uint8ArrayCtor(size)
  let at = 0
  for (let i = 0; i < chunks.length; i++) {
    bytes.set(chunks[i], at)
    at += chunks[i].length
  }
  return { bytes, type: 'multipart/form-data; boundary=' + boundary }
}

export function formDataError(detail) {
  return new TypeErrorCtor('Failed to parse body as FormData: ' + detail)
}

export function headerParameter(header, name) {
  const match = new RegExp(
    ';\\s*' + name + '\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))',
    'i',
  ).exec(header)
  if (match === null) return undefined
  return match[1] !== undefined ? ReflectApply(StringReplace, match[1], [/\\(.)/g, '$1']) : match[2]
}

export function decodeFormName(text) {
  return ReflectApply(StringReplace, text, [
    /%0A|%0D|%22/gi,
    function (c) {
      const u = c.toUpperCase()
      return u === '%0A' ? '\n' : u === '%0D' ? '\r' : '"'
    },
  ])
}

/** Parses a multipart/form-data body (bytes) with the given boundary into a FormData. */
export function parseMultipart(bytes, boundary) {
  const text = latin1FromBytes(bytes)
  const delimiter = '--' + boundary
  const form = new FormData()
  let at = text.indexOf(delimiter)
  if (at !== 0 && at !== -1 && text.indexOf('\r\n' + delimiter) !== at - 2) at = -1
  if (at === -1) throw formDataError('no boundary')
  let parts = 0
  for (;;) {
    at += delimiter.length
    if (text.slice(at, at + 2) === '--') return form
    if (text.slice(at, at + 2) !== '\r\n') throw formDataError('malformed boundary line')
    at += 2
    const headEnd = text.indexOf('\r\n\r\n', at)
    if (headEnd === -1) throw formDataError('part without headers')
    const head = text.slice(at, headEnd).split('\r\n')
    const next = text.indexOf('\r\n' + delimiter, headEnd + 4)
    if (next === -1) throw formDataError('missing closing boundary')
    if (++parts > MAX_FORM_PARTS) throw formDataError('more than ' + MAX_FORM_PARTS + ' parts')
    let disposition
    let type = ''
    for (let i = 0; i < head.length; i++) {
      const colon = head[i].indexOf(':')
      if (colon === -1) continue
      const field = head[i].slice(0, colon).trim().toLowerCase()
      const value = utf8Decode(bytesFromLatin1(head[i].slice(colon + 1).trim()), false)
      if (field === 'content-disposition') disposition = value
      else if (field === 'content-type') type = value
    }
    if (disposition === undefined || !/^form-data\s*(;|$)/i.test(disposition))
      throw formDataError('part without Content-Disposition: form-data')
    const name = headerParameter(disposition, 'name')
    if (name === undefined) throw formDataError('part without a name')
    const filename = headerParameter(disposition, 'filename')
    const content = bytes.subarray(headEnd + 4, next)
    if (filename !== undefined)
      form.append(decodeFormName(name), new File([content], decodeFormName(filename), { type }))
    else form.append(decodeFormName(name), utf8Decode(content, false))
    at = next + 2
  }
}

/** Body.formData(): multipart/form-data or application/x-www-form-urlencoded. */
export function bodyFormData(object) {
  const contentType = object.headers.get('content-type') || ''
  return ReflectApply(PromiseThen, consume(object), [
    function (bytes) {
      const essence = contentType.split(';')[0].trim().toLowerCase()
      if (essence === 'multipart/form-data') {
        const boundary = headerParameter(contentType, 'boundary')
        if (boundary === undefined || boundary === '')
          throw formDataError('no boundary in the Content-Type')
        return parseMultipart(bytes, boundary)
      }
      if (essence === 'application/x-www-form-urlencoded') {
        const form = new FormData()
        new URLSearchParams(utf8Decode(bytes, false)).forEach(function (value, name) {
          form.append(name, value)
        })
        return form
      }
      throw formDataError(
        'the Content-Type is neither multipart/form-data nor application/x-www-form-urlencoded',
      )
    },
  ])
}

/**
 * request's formData option: name → string, Buffer/bytes, { value, options: { filename,
 * contentType } }, or an array of those. Streams are not supported.
 */
export function requestFormData(fields) {
  const form = new FormData()
  const addOne = function (name, item) {
    if (
      item !== null &&
      typeof item === 'object' &&
      !ArrayBufferIsView(item) &&
      !(item instanceof ArrayBufferCtor) &&
      !(item instanceof Blob) &&
      'value' in item
    ) {
      const options =
        item.options === undefined || item.options === null
          ? {}
          : typeof item.options === 'string'
            ? { filename: item.options }
            : item.options
      const value = item.value
      if (
        typeof value === 'string' &&
        options.filename === undefined &&
        options.contentType === undefined
      ) {
        form.append(name, value)
        return
      }
      const bits = typeof value === 'string' ? [value] : [dataBytesForForm(value, name)]
      form.append(
        name,
        new Blob(bits, { type: options.contentType || '' }),
        options.filename !== undefined ? options.filename : 'blob',
      )
      return
    }
    if (item instanceof Blob) {
      form.append(name, item)
      return
    }
    if (ArrayBufferIsView(item) || item instanceof ArrayBufferCtor) {
      form.append(name, new Blob([item]), 'blob')
      return
    }
    if (item !== null && typeof item === 'object' && typeof item.pipe === 'function') {
      throw new TypeErrorCtor(
        '[openhooks] request formData: streams are not supported in the sandbox; pass a string, a Buffer or { value, options }',
      )
    }
    form.append(name, StringCtor(item))
  }
  const names = ObjectKeys(fields)
  for (let i = 0; i < names.length; i++) {
    const value = fields[names[i]]
    if (ArrayIsArray(value)) for (let j = 0; j < value.length; j++) addOne(names[i], value[j])
    else addOne(names[i], value)
  }
  return extractFormData(form)
}

export function dataBytesForForm(value, name) {
  if (ArrayBufferIsView(value)) return value
  if (value instanceof ArrayBufferCtor) return value
  if (value !== null && typeof value === 'object' && typeof value.pipe === 'function') {
    throw new TypeErrorCtor(
      '[openhooks] request formData: the value of "' +
        name +
        '" is a stream; streams are not supported in the sandbox',
    )
  }
  return utf8Encode(StringCtor(value))
}

// A ReadableStream of chunks, enough for response.body: getReader().read(), for await, cancel,
// locked, and a constructor with start/pull/cancel for code that builds its own.
export const streamStates = new WeakMapCtor()

export class ReadableStream {
  constructor(source, _strategy?) {
    const state: Record<string, any> = {
      queue: [],
      closed: false,
      errored: false,
      error: undefined,
      reader: undefined,
      disturbed: false,
      source: source || {},
      pulling: false,
      waiting: [],
    }
    setState(streamStates, this, state)
    const controller = {
      enqueue(chunk) {
        if (state.closed || state.errored)
          throw new TypeErrorCtor('Invalid state: ReadableStream is closed')
        state.queue[state.queue.length] = chunk
        flushStream(state)
      },
      close() {
        if (state.closed) throw new TypeErrorCtor('Invalid state: ReadableStream is already closed')
        state.closed = true
        flushStream(state)
      },
      error(reason) {
        if (state.closed || state.errored) return
        state.errored = true
        state.error = reason
        flushStream(state)
      },
      get desiredSize() {
        return state.closed ? 0 : 1 - state.queue.length
      },
    }
    state.controller = controller
    if (state.source.type === 'bytes') state.bytes = true
    if (typeof state.source.start === 'function')
      ReflectApply(state.source.start, state.source, [controller])
  }
  get locked() {
    return stateOf(streamStates, this, 'ReadableStream').reader !== undefined
  }
  getReader(options?) {
    const state = stateOf(streamStates, this, 'ReadableStream')
    if (options && options.mode !== undefined && options.mode !== 'byob')
      throw new TypeErrorCtor('Invalid reader mode: ' + options.mode)
    if (state.reader !== undefined)
      throw new TypeErrorCtor('Invalid state: ReadableStream is locked')
    const reader = new ReadableStreamDefaultReader(this)
    return reader
  }
  cancel(reason) {
    const state = stateOf(streamStates, this, 'ReadableStream')
    if (state.reader !== undefined)
      return PromiseCtor.reject(new TypeErrorCtor('Invalid state: ReadableStream is locked'))
    return cancelStream(state, reason)
  }
  async *[Symbol.asyncIterator]() {
    const reader = this.getReader()
    try {
      for (;;) {
        const { value, done }: { value?: unknown; done?: boolean } = await reader.read()
        if (done) return
        yield value
      }
    } finally {
      reader.releaseLock()
    }
  }
  values() {
    return this[Symbol.asyncIterator]()
  }
  get [Symbol.toStringTag]() {
    return 'ReadableStream'
  }
}

export function cancelStream(state, reason) {
  state.disturbed = true
  state.queue = []
  state.closed = true
  flushStream(state)
  if (typeof state.source.cancel === 'function') {
    try {
      return PromiseCtor.resolve(ReflectApply(state.source.cancel, state.source, [reason])).then(
        function () {},
      )
    } catch (e) {
      return PromiseCtor.reject(e)
    }
  }
  return PromiseCtor.resolve()
}

/** Answers waiting reads from the queue, then asks the source for more when a read still waits. */
export function flushStream(state) {
  while (state.waiting.length > 0) {
    const waiter = state.waiting[0]
    if (state.errored) {
      state.waiting.shift()
      waiter.reject(state.error)
      continue
    }
    if (state.queue.length > 0) {
      state.waiting.shift()
      waiter.resolve({ value: state.queue.shift(), done: false })
      continue
    }
    if (state.closed) {
      state.waiting.shift()
      waiter.resolve({ value: undefined, done: true })
      continue
    }
    break
  }
  if (state.waiting.length > 0 && !state.pulling && typeof state.source.pull === 'function') {
    state.pulling = true
    let pulled
    try {
      pulled = ReflectApply(state.source.pull, state.source, [state.controller])
    } catch (e) {
      state.pulling = false
      state.controller.error(e)
      return
    }
    ReflectApply(PromiseThen, PromiseCtor.resolve(pulled), [
      function () {
        state.pulling = false
        if (state.waiting.length > 0 && state.queue.length === 0 && !state.closed && !state.errored)
          flushStream(state)
      },
      function (e) {
        state.pulling = false
        state.controller.error(e)
      },
    ])
  }
}

export const readerStates = new WeakMapCtor()
export class ReadableStreamDefaultReader {
  constructor(stream) {
    const state = stateOf(streamStates, stream, 'ReadableStream')
    if (state.reader !== undefined)
      throw new TypeErrorCtor('Invalid state: ReadableStream is locked')
    state.reader = this
    let resolveClosed
    let rejectClosed
    const closed = new PromiseCtor(function (resolve, reject) {
      resolveClosed = resolve
      rejectClosed = reject
    })
    ReflectApply(PromiseThen, closed, [undefined, function () {}])
    setState(readerStates, this, { stream: state, closed, resolveClosed, rejectClosed })
  }
  get closed() {
    return stateOf(readerStates, this, 'ReadableStreamDefaultReader').closed
  }
  read() {
    const reader = stateOf(readerStates, this, 'ReadableStreamDefaultReader')
    const state = reader.stream
    if (state === undefined)
      return PromiseCtor.reject(new TypeErrorCtor('Invalid state: the reader has been released'))
    state.disturbed = true
    if (typeof state.onRead === 'function') state.onRead()
    return new PromiseCtor(function (resolve, reject) {
      state.waiting[state.waiting.length] = {
        resolve: function (result) {
          if (result.done) reader.resolveClosed(undefined)
          resolve(result)
        },
        reject: function (error) {
          reader.rejectClosed(error)
          reject(error)
        },
      }
      flushStream(state)
    })
  }
  releaseLock() {
    const reader = stateOf(readerStates, this, 'ReadableStreamDefaultReader')
    if (reader.stream === undefined) return
    reader.stream.reader = undefined
    reader.stream = undefined
  }
  cancel(reason) {
    const reader = stateOf(readerStates, this, 'ReadableStreamDefaultReader')
    if (reader.stream === undefined)
      return PromiseCtor.reject(new TypeErrorCtor('Invalid state: the reader has been released'))
    return cancelStream(reader.stream, reason)
  }
}

/** The body stream of a Request or Response: the buffered bytes in chunks; reading uses the body. */
export function bodyStream(object) {
  const body = ReflectApply(WeakMapGet, bodyStates, [object])
  if (body === undefined || body.bytes === null) return null
  if (body.stream !== undefined) return body.stream
  const bytes = body.bytes
  let offset = 0
  const stream = new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close()
        return
      }
      const end =
        offset + BODY_CHUNK_BYTES < bytes.length ? offset + BODY_CHUNK_BYTES : bytes.length
      controller.enqueue(copyBytes(bytes.subarray(offset, end)))
      offset = end
      if (offset >= bytes.length) controller.close()
    },
  })
  stateOf(streamStates, stream, 'ReadableStream').onRead = function () {
    body.used = true
  }
  body.stream = stream
  return stream
}

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
