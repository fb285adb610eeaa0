// multipart/form-data, written (`extractFormData`, the body of a request or response with a FormData)
// and read (`parseMultipart`, `bodyFormData`), and the form fields of npm's request.
import { Blob, blobStates } from './blob.js'
import { bytesFromLatin1, latin1FromBytes, utf8Decode, utf8Encode } from './encoding.js'
import { consume } from './fetch.js'
import {
  ArrayBufferCtor,
  ArrayBufferIsView,
  ArrayIsArray,
  ObjectKeys,
  PromiseThen,
  ReflectApply,
  StringCtor,
  StringReplace,
  TypeErrorCtor,
  Uint8ArrayCtor,
} from './primordials.js'
import { stateOf } from './state.js'
import { URLSearchParams } from './url.js'
import { randomBytesLatin1 } from './web-crypto.js'

import { MAX_FORM_PARTS } from './limits.js'
import { File, FormData, formList } from './bodies.js'

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
