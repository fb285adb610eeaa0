import { DOMException } from './events.js'
import {
  ArrayBufferCtor,
  ArrayBufferIsView,
  DecodeURIComponent,
  EncodeURIComponent,
  Escape,
  RangeErrorCtor,
  ReflectApply,
  StringCtor,
  StringFromCharCode,
  StringFromCodePoint,
  StringReplace,
  StringToWellFormed,
  TypeErrorCtor,
  Uint8ArrayCtor,
  Unescape,
  WeakMapCtor,
} from './primordials.js'
import { setState, stateOf } from './state.js'

export function wellFormed(text) {
  return ReflectApply(StringToWellFormed, StringCtor(text), [])
}

export function latin1FromBytes(bytes) {
  let out = ''
  const CHUNK = 8192
  for (let i = 0; i < bytes.length; i += CHUNK) {
    const end = i + CHUNK < bytes.length ? i + CHUNK : bytes.length
    const codes = []
    for (let j = i; j < end; j++) codes[j - i] = bytes[j]
    out += ReflectApply(StringFromCharCode, undefined, codes)
  }
  return out
}

export function bytesFromLatin1(text) {
  const n = text.length
  const out = new Uint8ArrayCtor(n)
  for (let i = 0; i < n; i++) out[i] = text.charCodeAt(i) & 255
  return out
}

export function utf8Encode(text) {
  return bytesFromLatin1(Unescape(EncodeURIComponent(wellFormed(text))))
}

export function utf8DecodeSlow(bytes, fatal) {
  const n = bytes.length
  let out = ''
  let codes = []
  let i = 0
  while (i < n) {
    const b = bytes[i]
    let cp
    if (b < 0x80) {
      cp = b
      i++
    } else {
      let need = 0
      if (b >= 0xc2 && b <= 0xdf) {
        need = 1
        cp = b & 0x1f
      } else if (b >= 0xe0 && b <= 0xef) {
        need = 2
        cp = b & 0x0f
      } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3
        cp = b & 0x07
      }
      if (need === 0) {
        cp = 0xfffd
        i++
      } else {
        let lower = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80
        let upper = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf
        let j = i + 1
        let k = 0
        for (; k < need; k++, j++) {
          const c = j < n ? bytes[j] : -1
          if (c < lower || c > upper) break
          cp = (cp << 6) | (c & 0x3f)
          lower = 0x80
          upper = 0xbf
        }
        if (k < need) cp = 0xfffd
        i = j
      }
      if (cp === 0xfffd && fatal)
        throw new TypeErrorCtor('The encoded data was not valid for encoding utf-8')
    }
    codes[codes.length] = cp
    if (codes.length >= 4096) {
      out += ReflectApply(StringFromCodePoint, undefined, codes)
      codes = []
    }
  }
  return out + ReflectApply(StringFromCodePoint, undefined, codes)
}

export function utf8Decode(bytes, fatal) {
  const latin1 = latin1FromBytes(bytes)
  try {
    return DecodeURIComponent(Escape(latin1))
  } catch (e) {
    return utf8DecodeSlow(bytes, fatal)
  }
}

export const BASE64_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
export const BASE64URL_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
export const BASE64_VALUES = new Uint8ArrayCtor(256).fill(255)
for (let i = 0; i < 64; i++) {
  BASE64_VALUES[BASE64_CHARS.charCodeAt(i)] = i
  BASE64_VALUES[BASE64URL_CHARS.charCodeAt(i)] = i
}

export function base64Encode(bytes, url) {
  const chars = url ? BASE64URL_CHARS : BASE64_CHARS
  let out = ''
  let parts = []
  const n = bytes.length
  let i = 0
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2]
    parts[parts.length] =
      chars[v >> 18] + chars[(v >> 12) & 63] + chars[(v >> 6) & 63] + chars[v & 63]
    if (parts.length >= 4096) {
      out += parts.join('')
      parts = []
    }
  }
  out += parts.join('')
  if (i < n) {
    const v = (bytes[i] << 16) | (i + 1 < n ? bytes[i + 1] << 8 : 0)
    out += chars[v >> 18] + chars[(v >> 12) & 63]
    if (i + 1 < n) out += chars[(v >> 6) & 63]
    if (!url) out += i + 1 < n ? '=' : '=='
  }
  return out
}

/** Lenient (Node's Buffer): skips characters outside both alphabets, stops at '='. */
export function base64Decode(text) {
  const n = text.length
  const out = new Uint8ArrayCtor((n * 3) >> 2)
  let size = 0
  let acc = 0
  let bits = 0
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    if (c === 61) break
    const v = c < 256 ? BASE64_VALUES[c] : 255
    if (v === 255) continue
    acc = (acc << 6) | v
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[size++] = (acc >> bits) & 255
    }
  }
  return out.subarray(0, size)
}

export function copyBytes(view) {
  const source = new Uint8ArrayCtor(view.buffer, view.byteOffset, view.byteLength)
  const out = new Uint8ArrayCtor(source.length)
  out.set(source)
  return out
}

// ---- TextEncoder, TextDecoder, atob, btoa ----------------------------------------------------

export class TextEncoder {
  get encoding() {
    return 'utf-8'
  }
  encode(input) {
    return utf8Encode(input === undefined ? '' : input)
  }
  encodeInto(source, destination) {
    const bytes = utf8Encode(source)
    // Whole characters only: back off to the last lead byte that fits.
    let n = bytes.length <= destination.length ? bytes.length : destination.length
    if (n < bytes.length) while (n > 0 && (bytes[n] & 0xc0) === 0x80) n--
    destination.set(bytes.subarray(0, n))
    const written = utf8Decode(bytes.subarray(0, n), false)
    return { read: written.length, written: n }
  }
}

export const decoderStates = new WeakMapCtor()
export class TextDecoder {
  constructor(label, options) {
    const name = label === undefined ? 'utf-8' : StringCtor(label).trim().toLowerCase()
    if (name !== 'utf-8' && name !== 'utf8' && name !== 'unicode-1-1-utf-8') {
      throw new RangeErrorCtor(
        'The "' + name + '" encoding is not supported (the sandbox decodes utf-8 only)',
      )
    }
    setState(decoderStates, this, {
      fatal: !!(options && options.fatal),
      ignoreBOM: !!(options && options.ignoreBOM),
    })
  }
  get encoding() {
    return 'utf-8'
  }
  get fatal() {
    return stateOf(decoderStates, this, 'TextDecoder').fatal
  }
  get ignoreBOM() {
    return stateOf(decoderStates, this, 'TextDecoder').ignoreBOM
  }
  decode(input) {
    const state = stateOf(decoderStates, this, 'TextDecoder')
    if (input === undefined) return ''
    let bytes
    if (input instanceof ArrayBufferCtor) bytes = new Uint8ArrayCtor(input)
    else if (ArrayBufferIsView(input))
      bytes = new Uint8ArrayCtor(input.buffer, input.byteOffset, input.byteLength)
    else
      throw new TypeErrorCtor('The "input" argument must be an ArrayBuffer or an ArrayBufferView')
    if (
      !state.ignoreBOM &&
      bytes.length >= 3 &&
      bytes[0] === 0xef &&
      bytes[1] === 0xbb &&
      bytes[2] === 0xbf
    ) {
      bytes = bytes.subarray(3)
    }
    if (state.fatal) return utf8DecodeSlow(bytes, true)
    return utf8Decode(bytes, false)
  }
}

export function btoa(data) {
  if (arguments.length === 0) throw new TypeErrorCtor('The "data" argument must be specified')
  const text = StringCtor(data)
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 255)
      throw new DOMException('Invalid character', 'InvalidCharacterError')
  }
  return base64Encode(bytesFromLatin1(text), false)
}

export function atob(data) {
  if (arguments.length === 0) throw new TypeErrorCtor('The "data" argument must be specified')
  let text = ReflectApply(StringReplace, StringCtor(data), [/[\t\n\f\r ]/g, ''])
  if (text.length % 4 === 0) text = ReflectApply(StringReplace, text, [/={1,2}$/, ''])
  if (text.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(text)) {
    throw new DOMException(
      'The string to be decoded is not correctly encoded.',
      'InvalidCharacterError',
    )
  }
  return latin1FromBytes(base64Decode(text))
}
