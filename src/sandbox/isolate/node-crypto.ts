import { bufferOf, decodeBytes, encodeString } from './buffer.js'
import { hostBytes, invalidArgType } from './builtins.js'
import { bytesFromLatin1, copyBytes } from './encoding.js'
import { safeString } from './errors.js'
import {
  ArrayBufferCtor,
  ArrayBufferIsView,
  ErrorCtor,
  MathTrunc,
  NumberCtor,
  RangeErrorCtor,
  StringCtor,
  Uint8ArrayCtor,
} from './primordials.js'
import { setImmediate } from './timers.js'
import { getRandomValues, randomBytesLatin1, randomUUID, webCrypto } from './web-crypto.js'

import { MAX_CRYPTO_INPUT_BYTES, MAX_RANDOM_BYTES } from './limits.js'
// ---- crypto ----------------------------------------------------------------------------------

export function dataBytes(data, encoding, name) {
  if (typeof data === 'string') return encodeString(data, encoding)
  if (ArrayBufferIsView(data))
    return new Uint8ArrayCtor(data.buffer, data.byteOffset, data.byteLength)
  if (data instanceof ArrayBufferCtor) return new Uint8ArrayCtor(data)
  throw invalidArgType(
    name,
    'of type string or an instance of Buffer, TypedArray, or DataView',
    data,
  )
}

export function tooMuchCryptoInput() {
  const error = new RangeErrorCtor(
    '[openhooks] crypto input is larger than ' +
      MAX_CRYPTO_INPUT_BYTES +
      ' bytes (the sandbox limit)',
  )
  error.code = 'ERR_OUT_OF_RANGE'
  return error
}

export function digestOutput(latin1, encoding) {
  const bytes = bytesFromLatin1(latin1)
  return encoding === undefined || encoding === 'buffer'
    ? bufferOf(bytes)
    : decodeBytes(bytes, encoding)
}

export function makeDigester(op, algorithm, key) {
  const chunks = []
  let size = 0
  let done = false
  const self = {
    update(data, encoding) {
      if (done) throw new ErrorCtor('Digest already called')
      const bytes = dataBytes(data, encoding, 'data')
      size += bytes.length
      if (size > MAX_CRYPTO_INPUT_BYTES) throw tooMuchCryptoInput()
      chunks[chunks.length] = copyBytes(bytes)
      return self
    },
    digest(encoding) {
      if (done) throw new ErrorCtor('Digest already called')
      done = true
      const all = new Uint8ArrayCtor(size)
      let at = 0
      for (let i = 0; i < chunks.length; i++) {
        all.set(chunks[i], at)
        at += chunks[i].length
      }
      return digestOutput(hostBytes(op, StringCtor(algorithm), all, key), encoding)
    },
  }
  return self
}

export function buildCrypto() {
  function randomBytes(size, callback) {
    if (
      typeof size !== 'number' ||
      !(size >= 0) ||
      MathTrunc(size) !== size ||
      size > MAX_RANDOM_BYTES
    ) {
      const error = new RangeErrorCtor(
        'The value of "size" is out of range. It must be >= 0 && <= ' +
          MAX_RANDOM_BYTES +
          ' (the sandbox limit). Received ' +
          safeString(size),
      )
      error.code = 'ERR_OUT_OF_RANGE'
      throw error
    }
    const bytes = bufferOf(bytesFromLatin1(randomBytesLatin1(size)))
    if (typeof callback === 'function') {
      setImmediate(callback, null, bytes)
      return undefined
    }
    return bytes
  }
  function randomInt(min, max, callback) {
    let lo = min
    let hi = max
    let cb = callback
    if (max === undefined || typeof max === 'function') {
      cb = max
      lo = 0
      hi = min
    }
    if (
      !NumberCtor.isSafeInteger(lo) ||
      !NumberCtor.isSafeInteger(hi) ||
      hi <= lo ||
      hi - lo > 0xffffffffffff
    ) {
      throw new RangeErrorCtor(
        'The value of "max" is out of range. It must be greater than "min" and the range at most 2^48',
      )
    }
    const range = hi - lo
    const limit = 0x1000000000000 - (0x1000000000000 % range)
    let value
    do {
      const b = bytesFromLatin1(randomBytesLatin1(6))
      value =
        (b[0] * 0x10000 + b[1] * 0x100 + b[2]) * 0x1000000 + (b[3] * 0x10000 + b[4] * 0x100 + b[5])
    } while (value >= limit)
    const result = lo + (value % range)
    if (typeof cb === 'function') {
      setImmediate(cb, null, result)
      return undefined
    }
    return result
  }
  return {
    randomBytes,
    pseudoRandomBytes: randomBytes,
    randomUUID,
    randomInt,
    getRandomValues,
    webcrypto: webCrypto,
    createHash(algorithm) {
      return makeDigester('hash', algorithm, undefined)
    },
    createHmac(algorithm, key) {
      const bytes = dataBytes(key, undefined, 'key')
      if (bytes.length > MAX_CRYPTO_INPUT_BYTES) throw tooMuchCryptoInput()
      return makeDigester('hmac', algorithm, copyBytes(bytes))
    },
    timingSafeEqual(a, b) {
      const x = dataBytes(a, undefined, 'buf1')
      const y = dataBytes(b, undefined, 'buf2')
      if (x.length !== y.length) {
        const error = new RangeErrorCtor('Input buffers must have the same byte length')
        error.code = 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH'
        throw error
      }
      let diff = 0
      for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i]
      return diff === 0
    },
    getHashes() {
      return ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512']
    },
  }
}
