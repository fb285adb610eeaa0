import { copyBytes, utf8Decode, utf8Encode } from './encoding.js'
import {
  ArrayBufferCtor,
  ArrayBufferIsView,
  PromiseCtor,
  StringCtor,
  Uint8ArrayCtor,
  WeakMapCtor,
} from './primordials.js'
import { setState, stateOf } from './state.js'

/** `Blob`: bytes and a type, held whole. */

export const blobStates = new WeakMapCtor()
export class Blob {
  constructor(parts, options?) {
    const chunks = []
    let size = 0
    if (parts !== undefined) {
      for (const part of parts) {
        let bytes
        if (isBlob(part)) bytes = stateOf(blobStates, part, 'Blob').bytes
        else if (part instanceof ArrayBufferCtor) bytes = new Uint8ArrayCtor(part)
        else if (ArrayBufferIsView(part))
          bytes = new Uint8ArrayCtor(part.buffer, part.byteOffset, part.byteLength)
        else bytes = utf8Encode(part)
        chunks[chunks.length] = bytes
        size += bytes.length
      }
    }
    const all = new Uint8ArrayCtor(size)
    let at = 0
    for (let i = 0; i < chunks.length; i++) {
      all.set(chunks[i], at)
      at += chunks[i].length
    }
    const type = options && options.type !== undefined ? StringCtor(options.type) : ''
    setState(blobStates, this, {
      bytes: all,
      type: /^[\x20-\x7e]*$/.test(type) ? type.toLowerCase() : '',
    })
  }
  get size() {
    return stateOf(blobStates, this, 'Blob').bytes.length
  }
  get type() {
    return stateOf(blobStates, this, 'Blob').type
  }
  slice(start, end, type) {
    const bytes = stateOf(blobStates, this, 'Blob').bytes
    return newBlob([bytes.slice(start, end)], { type: type === undefined ? '' : type })
  }
  text() {
    const s = stateOf(blobStates, this, 'Blob')
    return PromiseCtor.resolve(utf8Decode(s.bytes, false))
  }
  arrayBuffer() {
    const s = stateOf(blobStates, this, 'Blob')
    return PromiseCtor.resolve(copyBytes(s.bytes).buffer)
  }
  bytes() {
    const s = stateOf(blobStates, this, 'Blob')
    return PromiseCtor.resolve(copyBytes(s.bytes))
  }
}

// The class body does not name its own class: the bundler would give it an inner name
// (`class _Blob`), which would become its `name` (isolate-runtime.ts checks).
function isBlob(value) {
  return value instanceof Blob
}
function newBlob(parts, options) {
  return new Blob(parts, options)
}
