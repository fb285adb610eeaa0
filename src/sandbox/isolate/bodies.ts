// File and FormData. The other body types the isolate's fetch reads and writes are in multipart.ts
// (multipart/form-data) and streams.ts (ReadableStream); web-classes.ts adds the body members to
// Request and Response and Node's util.inspect output to the Web classes.
import { Blob } from './blob.js'
import { wellFormed } from './encoding.js'
import {
  DateNow,
  MathTrunc,
  NumberCtor,
  ReflectApply,
  StringCtor,
  TypeErrorCtor,
  WeakMapCtor,
  WeakMapGet,
} from './primordials.js'
import { setState, stateOf } from './state.js'

// ---- File, FormData ------------------------------------------------------------------------------

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
