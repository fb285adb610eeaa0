import { Blob } from './blob.js'
import { define } from './define.js'
import {
  atob,
  base64Decode,
  base64Encode,
  btoa,
  bytesFromLatin1,
  copyBytes,
  latin1FromBytes,
  utf8Decode,
  utf8Encode,
} from './encoding.js'
import { safeString } from './errors.js'
import { inspectContext } from './inspect.js'
import { formatProperty, hexBytes } from './inspect-entries.js'
import { OBJECT_TYPE, getNonIndexKeys } from './inspect-names.js'
import {
  ArrayBufferCtor,
  ArrayBufferIsView,
  ArrayIsArray,
  MathTrunc,
  NumberCtor,
  ObjectDefineProperty,
  ObjectKeys,
  ObjectSetPrototypeOf,
  RangeErrorCtor,
  ReflectApply,
  StringCtor,
  StringFromCharCode,
  StringSlice,
  TypeErrorCtor,
  Uint8ArrayCtor,
} from './primordials.js'
import { HEX } from './web-crypto.js'

// ---- Buffer ----------------------------------------------------------------------------------

export const BUFFER_MAX_LENGTH = 0x7fffffff
export const ENCODINGS = [
  'utf8',
  'utf-8',
  'hex',
  'base64',
  'base64url',
  'latin1',
  'binary',
  'ascii',
  'ucs2',
  'ucs-2',
  'utf16le',
  'utf-16le',
]

export function normalizeEncoding(encoding) {
  if (encoding === undefined || encoding === null) return 'utf8'
  const e = StringCtor(encoding).toLowerCase()
  switch (e) {
    case 'utf8':
    case 'utf-8':
      return 'utf8'
    case 'hex':
    case 'base64':
    case 'base64url':
    case 'latin1':
    case 'ascii':
      return e
    case 'binary':
      return 'latin1'
    case 'ucs2':
    case 'ucs-2':
    case 'utf16le':
    case 'utf-16le':
      return 'utf16le'
    default: {
      const error = new TypeErrorCtor('Unknown encoding: ' + StringCtor(encoding))
      error.code = 'ERR_UNKNOWN_ENCODING'
      throw error
    }
  }
}

export function encodeString(text, encoding) {
  const s = StringCtor(text)
  switch (normalizeEncoding(encoding)) {
    case 'utf8':
      return utf8Encode(s)
    case 'hex': {
      const n = s.length >> 1
      const out = new Uint8ArrayCtor(n)
      let i = 0
      for (; i < n; i++) {
        const byte = parseInt(ReflectApply(StringSlice, s, [i * 2, i * 2 + 2]), 16)
        if (
          !(byte >= 0) ||
          !/^[0-9a-fA-F]{2}$/.test(ReflectApply(StringSlice, s, [i * 2, i * 2 + 2]))
        )
          break
        out[i] = byte
      }
      return out.subarray(0, i)
    }
    case 'base64':
    case 'base64url':
      return base64Decode(s)
    case 'latin1':
    case 'ascii':
      return bytesFromLatin1(s)
    case 'utf16le': {
      const out = new Uint8ArrayCtor(s.length * 2)
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i)
        out[i * 2] = c & 255
        out[i * 2 + 1] = c >> 8
      }
      return out
    }
  }
}

export function decodeBytes(bytes, encoding) {
  switch (normalizeEncoding(encoding)) {
    case 'utf8':
      return utf8Decode(bytes, false)
    case 'hex': {
      let out = ''
      let parts = []
      for (let i = 0; i < bytes.length; i++) {
        parts[parts.length] = HEX[bytes[i]]
        if (parts.length >= 8192) {
          out += parts.join('')
          parts = []
        }
      }
      return out + parts.join('')
    }
    case 'base64':
      return base64Encode(bytes, false)
    case 'base64url':
      return base64Encode(bytes, true)
    case 'latin1':
      return latin1FromBytes(bytes)
    case 'ascii': {
      const copy = new Uint8ArrayCtor(bytes.length)
      for (let i = 0; i < bytes.length; i++) copy[i] = bytes[i] & 0x7f
      return latin1FromBytes(copy)
    }
    case 'utf16le': {
      const codes = []
      let out = ''
      for (let i = 0; i + 1 < bytes.length; i += 2) {
        codes[codes.length] = bytes[i] | (bytes[i + 1] << 8)
        if (codes.length >= 8192) {
          out += ReflectApply(StringFromCharCode, undefined, codes)
          codes.length = 0
        }
      }
      return out + ReflectApply(StringFromCharCode, undefined, codes)
    }
  }
}

export function checkSize(size) {
  if (typeof size !== 'number' || !(size >= 0) || size > BUFFER_MAX_LENGTH) {
    const error = new RangeErrorCtor("The argument 'size' is invalid. Received " + safeString(size))
    error.code = 'ERR_INVALID_ARG_VALUE'
    throw error
  }
}

export function Buffer(arg, encodingOrOffset, length) {
  // Old Node: Buffer(x) and new Buffer(x) (deprecated there, common in old hook scripts).
  if (typeof arg === 'number') return (Buffer as unknown as BufferStatic).alloc(arg)
  return (Buffer as unknown as BufferStatic).from(arg, encodingOrOffset, length)
}

// The bundler renames this function (a name it reserves); its `name` stays Node's.
ObjectDefineProperty(Buffer, 'name', { value: 'Buffer' })

// The static methods, defined below with defineMethods, for the type check. (Not a `declare
// namespace`: the bundler would rename the function, and `Buffer.name` would change.)
interface BufferStatic {
  alloc(size: number, fill?: unknown, encoding?: string): any
  from(value: unknown, encodingOrOffset?: unknown, length?: number): any
  compare(a: Uint8Array, b: Uint8Array): number
}

/** Makes a Buffer view over an ArrayBuffer. */
export function bufferOver(arrayBuffer, byteOffset, length): any {
  const view = new Uint8ArrayCtor(arrayBuffer, byteOffset, length)
  ObjectSetPrototypeOf(view, Buffer.prototype)
  return view
}
export function bufferOf(bytes): any {
  return bufferOver(bytes.buffer, bytes.byteOffset, bytes.length)
}

ObjectSetPrototypeOf(Buffer.prototype, Uint8ArrayCtor.prototype)
ObjectSetPrototypeOf(Buffer, Uint8ArrayCtor)
// Uint8Array methods that build new arrays (subarray, map, filter) use this constructor.
ObjectDefineProperty(Buffer, Symbol.species, {
  get() {
    return function BufferSpecies(a, b, c) {
      return typeof a === 'number'
        ? (Buffer as unknown as BufferStatic).alloc(a)
        : bufferOver(a, b, c)
    }
  },
  configurable: true,
})

export function defineMethods(target, methods) {
  const names = ObjectKeys(methods)
  for (let i = 0; i < names.length; i++) {
    ObjectDefineProperty(target, names[i], {
      value: methods[names[i]],
      writable: true,
      enumerable: false,
      configurable: true,
    })
  }
}

export function toBytesView(value) {
  return new Uint8ArrayCtor(value.buffer, value.byteOffset, value.byteLength)
}

defineMethods(Buffer, {
  from(value, encodingOrOffset, length) {
    if (typeof value === 'string') return bufferOf(encodeString(value, encodingOrOffset))
    if (
      value instanceof ArrayBufferCtor ||
      (typeof SharedArrayBuffer === 'function' && value instanceof SharedArrayBuffer)
    ) {
      const offset = encodingOrOffset === undefined ? 0 : NumberCtor(encodingOrOffset)
      const len = length === undefined ? value.byteLength - offset : NumberCtor(length)
      return bufferOver(value, offset, len)
    }
    if (ArrayBufferIsView(value)) return bufferOf(copyBytes(value))
    if (value !== null && typeof value === 'object') {
      if (value.type === 'Buffer' && ArrayIsArray(value.data))
        return (Buffer as unknown as BufferStatic).from(value.data)
      if (typeof value.length === 'number') {
        checkSize(value.length)
        const out = (Buffer as unknown as BufferStatic).alloc(value.length)
        for (let i = 0; i < value.length; i++) out[i] = NumberCtor(value[i]) & 255
        return out
      }
      if (typeof value.valueOf === 'function') {
        const primitive = value.valueOf()
        if (primitive !== value && primitive !== null && primitive !== undefined)
          return (Buffer as unknown as BufferStatic).from(primitive, encodingOrOffset, length)
      }
    }
    const error = new TypeErrorCtor(
      'The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object. Received ' +
        (value === null ? 'null' : typeof value),
    )
    error.code = 'ERR_INVALID_ARG_TYPE'
    throw error
  },
  alloc(size, fill, encoding) {
    checkSize(size)
    const out = bufferOf(new Uint8ArrayCtor(size))
    if (fill !== undefined && fill !== 0) out.fill(fill, 0, out.length, encoding)
    return out
  },
  allocUnsafe(size) {
    checkSize(size)
    return bufferOf(new Uint8ArrayCtor(size))
  },
  allocUnsafeSlow(size) {
    checkSize(size)
    return bufferOf(new Uint8ArrayCtor(size))
  },
  isBuffer(value) {
    return value instanceof Buffer
  },
  isEncoding(encoding) {
    return typeof encoding === 'string' && ENCODINGS.indexOf(encoding.toLowerCase()) >= 0
  },
  byteLength(value, encoding) {
    if (typeof value === 'string') return encodeString(value, encoding).length
    if (value instanceof ArrayBufferCtor || ArrayBufferIsView(value)) return value.byteLength
    throw new TypeErrorCtor(
      'The "string" argument must be of type string or an instance of Buffer or ArrayBuffer.',
    )
  },
  concat(list, totalLength) {
    if (!ArrayIsArray(list))
      throw new TypeErrorCtor('The "list" argument must be an instance of Array.')
    let total = 0
    for (let i = 0; i < list.length; i++) {
      if (!(list[i] instanceof Uint8ArrayCtor))
        throw new TypeErrorCtor(
          'The "list[' + i + ']" argument must be an instance of Buffer or Uint8Array.',
        )
      total += list[i].length
    }
    const size = totalLength === undefined ? total : NumberCtor(totalLength)
    const out = (Buffer as unknown as BufferStatic).alloc(size)
    let at = 0
    for (let i = 0; i < list.length && at < size; i++) {
      const part = list[i].length <= size - at ? list[i] : list[i].subarray(0, size - at)
      out.set(part, at)
      at += part.length
    }
    return out
  },
  compare(a, b) {
    if (!(a instanceof Uint8ArrayCtor) || !(b instanceof Uint8ArrayCtor))
      throw new TypeErrorCtor('The arguments must be instances of Buffer or Uint8Array.')
    const n = a.length < b.length ? a.length : b.length
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1
  },
})
define(Buffer, 'poolSize', 8192)

export function readCheck(buf, offset, bytes) {
  const at = offset === undefined ? 0 : offset
  if (typeof at !== 'number' || MathTrunc(at) !== at || at < 0 || at + bytes > buf.length) {
    const error = new RangeErrorCtor(
      'The value of "offset" is out of range. It must be >= 0 and <= ' +
        (buf.length - bytes) +
        '. Received ' +
        safeString(offset),
    )
    error.code = 'ERR_OUT_OF_RANGE'
    throw error
  }
  return at
}

export function dataViewOf(buf) {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
}

export const intMethods: Record<string, (this: any, ...args: any[]) => any> = {}
export const INT_TYPES: [string, number, string, string][] = [
  ['UInt8', 1, 'getUint8', 'setUint8'],
  ['Int8', 1, 'getInt8', 'setInt8'],
  ['UInt16', 2, 'getUint16', 'setUint16'],
  ['Int16', 2, 'getInt16', 'setInt16'],
  ['UInt32', 4, 'getUint32', 'setUint32'],
  ['Int32', 4, 'getInt32', 'setInt32'],
  ['Float', 4, 'getFloat32', 'setFloat32'],
  ['Double', 8, 'getFloat64', 'setFloat64'],
  ['BigUInt64', 8, 'getBigUint64', 'setBigUint64'],
  ['BigInt64', 8, 'getBigInt64', 'setBigInt64'],
]
for (let t = 0; t < INT_TYPES.length; t++) {
  const [name, size, getter, setter] = INT_TYPES[t]
  const ends = size === 1 ? [''] : ['LE', 'BE']
  for (let e = 0; e < ends.length; e++) {
    const little = ends[e] === 'LE'
    intMethods['read' + name + ends[e]] = function (offset) {
      return dataViewOf(this)[getter](readCheck(this, offset, size), little)
    }
    intMethods['write' + name + ends[e]] = function (value, offset) {
      const at = readCheck(this, offset, size)
      dataViewOf(this)[setter](at, value, little)
      return at + size
    }
    if (name.indexOf('UInt') >= 0) {
      intMethods['read' + name.replace('UInt', 'Uint') + ends[e]] =
        intMethods['read' + name + ends[e]]
      intMethods['write' + name.replace('UInt', 'Uint') + ends[e]] =
        intMethods['write' + name + ends[e]]
    }
  }
}
defineMethods(Buffer.prototype, intMethods)

export function searchBytes(haystack, value, byteOffset, encoding) {
  let needle
  if (typeof value === 'number') needle = [value & 255]
  else if (typeof value === 'string') needle = encodeString(value, encoding)
  else if (value instanceof Uint8ArrayCtor) needle = value
  else
    throw new TypeErrorCtor(
      'The "value" argument must be one of type number or string or an instance of Buffer or Uint8Array.',
    )
  let start = byteOffset === undefined ? 0 : NumberCtor(byteOffset)
  if (start < 0) start = haystack.length + start
  if (start < 0) start = 0
  if (needle.length === 0) return start <= haystack.length ? start : haystack.length
  outer: for (let i = start; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer
    return i
  }
  return -1
}

defineMethods(Buffer.prototype, {
  toString(encoding, start, end) {
    const s = start === undefined ? 0 : NumberCtor(start) || 0
    const e = end === undefined ? this.length : NumberCtor(end)
    const view = new Uint8ArrayCtor(this.buffer, this.byteOffset, this.length).subarray(
      s < 0 ? 0 : s,
      e,
    )
    return decodeBytes(view, encoding)
  },
  toLocaleString(encoding, start, end) {
    return this.toString(encoding, start, end)
  },
  toJSON() {
    const data = []
    for (let i = 0; i < this.length; i++) data[i] = this[i]
    return { type: 'Buffer', data }
  },
  equals(other) {
    if (!(other instanceof Uint8ArrayCtor))
      throw new TypeErrorCtor(
        'The "otherBuffer" argument must be an instance of Buffer or Uint8Array.',
      )
    return (Buffer as unknown as BufferStatic).compare(this, other) === 0
  },
  compare(target, targetStart, targetEnd, sourceStart, sourceEnd) {
    const t = toBytesView(target).subarray(
      targetStart || 0,
      targetEnd === undefined ? target.length : targetEnd,
    )
    const s = toBytesView(this).subarray(
      sourceStart || 0,
      sourceEnd === undefined ? this.length : sourceEnd,
    )
    return (Buffer as unknown as BufferStatic).compare(s, t)
  },
  slice(start, end) {
    return this.subarray(start, end)
  },
  copy(target, targetStart, sourceStart, sourceEnd) {
    const ts = targetStart === undefined ? 0 : targetStart
    const ss = sourceStart === undefined ? 0 : sourceStart
    const se = sourceEnd === undefined ? this.length : sourceEnd
    let chunk = toBytesView(this).subarray(ss, se)
    if (chunk.length > target.length - ts)
      chunk = chunk.subarray(0, target.length - ts < 0 ? 0 : target.length - ts)
    toBytesView(target).set(chunk, ts)
    return chunk.length
  },
  fill(value, offset, end, encoding) {
    let o = offset
    let e = end
    let enc = encoding
    if (typeof offset === 'string') {
      enc = offset
      o = 0
      e = this.length
    } else if (typeof end === 'string') {
      enc = end
      e = this.length
    }
    const from = o === undefined ? 0 : o
    const to = e === undefined ? this.length : e
    const view = toBytesView(this)
    if (typeof value === 'number') {
      ReflectApply(Uint8ArrayCtor.prototype.fill, view, [value & 255, from, to])
      return this
    }
    const bytes = typeof value === 'string' ? encodeString(value, enc) : toBytesView(value)
    if (bytes.length === 0) {
      ReflectApply(Uint8ArrayCtor.prototype.fill, view, [0, from, to])
      return this
    }
    for (let i = from, j = 0; i < to; i++, j = (j + 1) % bytes.length) view[i] = bytes[j]
    return this
  },
  write(text, offset, length, encoding) {
    let o = offset
    let l = length
    let enc = encoding
    if (typeof offset === 'string') {
      enc = offset
      o = 0
      l = undefined
    } else if (typeof length === 'string') {
      enc = length
      l = undefined
    }
    const at = o === undefined ? 0 : o
    let bytes = encodeString(text, enc)
    const room = this.length - at
    const max = l === undefined ? room : l < room ? l : room
    if (bytes.length > max) bytes = bytes.subarray(0, max)
    toBytesView(this).set(bytes, at)
    return bytes.length
  },
  indexOf(value, byteOffset, encoding) {
    return searchBytes(this, value, byteOffset, encoding)
  },
  includes(value, byteOffset, encoding) {
    return searchBytes(this, value, byteOffset, encoding) !== -1
  },
  swap16() {
    for (let i = 0; i + 1 < this.length; i += 2) {
      const a = this[i]
      this[i] = this[i + 1]
      this[i + 1] = a
    }
    return this
  },
})
ObjectDefineProperty(Buffer.prototype, 'parent', {
  get() {
    return this.buffer
  },
  configurable: true,
})
ObjectDefineProperty(Buffer.prototype, 'offset', {
  get() {
    return this.byteOffset
  },
  configurable: true,
})
// What util.inspect and console.log show, as Node does: <Buffer 68 69>, at most 50 bytes.
ObjectDefineProperty(Buffer.prototype, Symbol.for('nodejs.util.inspect.custom'), {
  value: function inspect(_recurseTimes, ctx) {
    const max = 50
    const shown = this.length < max ? this.length : max
    let str = hexBytes(this, shown)
    const remaining = this.length - max
    if (remaining > 0) str += ' ... ' + remaining + ' more byte' + (remaining > 1 ? 's' : '')
    const extras = getNonIndexKeys(this, false)
    if (extras.length > 0) {
      const parts = []
      for (let i = 0; i < extras.length; i++) {
        parts[i] = formatProperty(inspectContext(ctx), this, 0, extras[i], OBJECT_TYPE)
      }
      str += (str === '' ? '' : ', ') + parts.join(', ')
    }
    return '<' + this.constructor.name + ' ' + str + '>'
  },
  writable: true,
  configurable: true,
})

export const bufferModule = {
  Buffer,
  SlowBuffer: Buffer,
  kMaxLength: BUFFER_MAX_LENGTH,
  kStringMaxLength: 0x1fffffe8,
  constants: { MAX_LENGTH: BUFFER_MAX_LENGTH, MAX_STRING_LENGTH: 0x1fffffe8 },
  INSPECT_MAX_BYTES: 50,
  atob,
  btoa,
  Blob,
}
