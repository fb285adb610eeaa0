import { copyBytes } from './encoding.js'
import { bodyStates } from './fetch.js'
import {
  PromiseCtor,
  PromiseThen,
  ReflectApply,
  TypeErrorCtor,
  WeakMapCtor,
  WeakMapGet,
} from './primordials.js'
import { setState, stateOf } from './state.js'

import { BODY_CHUNK_BYTES } from './limits.js'

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
