import { bytesFromLatin1 } from './encoding.js'
import { DOMException } from './events.js'
import { hostService } from './host.js'
import {
  ArrayBufferIsView,
  RangeErrorCtor,
  ReflectApply,
  StringSlice,
  Uint8ArrayCtor,
} from './primordials.js'

/** `crypto.getRandomValues` and `crypto.randomUUID`, and random bytes for the runtime's own use. */

export function randomBytesLatin1(n) {
  const answer = hostService('random', n, undefined, undefined)
  if (ReflectApply(StringSlice, answer, [0, 6]) === 'error:')
    throw new RangeErrorCtor(ReflectApply(StringSlice, answer, [6]))
  return answer
}

export const MAX_GET_RANDOM_VALUES_BYTES = 65536

export function getRandomValues(array) {
  if (
    !ArrayBufferIsView(array) ||
    array instanceof DataView ||
    array instanceof Float32Array ||
    array instanceof Float64Array
  ) {
    throw new DOMException(
      'The data argument must be an integer-type TypedArray',
      'TypeMismatchError',
    )
  }
  if (array.byteLength > MAX_GET_RANDOM_VALUES_BYTES) {
    throw new DOMException(
      "The ArrayBufferView's byte length (" +
        array.byteLength +
        ') exceeds the number of bytes of entropy available via this API (65536)',
      'QuotaExceededError',
    )
  }
  const bytes = randomBytesLatin1(array.byteLength)
  const target = new Uint8ArrayCtor(array.buffer, array.byteOffset, array.byteLength)
  for (let i = 0; i < bytes.length; i++) target[i] = bytes.charCodeAt(i)
  return array
}

export const HEX = []
for (let i = 0; i < 256; i++) HEX[i] = (i < 16 ? '0' : '') + i.toString(16)

export function randomUUID() {
  const b = bytesFromLatin1(randomBytesLatin1(16))
  b[6] = (b[6] & 0x0f) | 0x40
  b[8] = (b[8] & 0x3f) | 0x80
  let out = ''
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out += '-'
    out += HEX[b[i]]
  }
  return out
}

export const webCrypto = { getRandomValues, randomUUID }
