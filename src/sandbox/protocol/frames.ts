/**
 * The frame codec: a frame is a 4-byte little-endian length followed by that many bytes (headers.ts
 * describes them). `encodeFrame` and `FrameWriter` write frames, `FrameDecoder` splits a byte
 * stream into frames.
 */
import { writeSync } from 'node:fs'
import type { Writable } from 'node:stream'
import {
  COMPACT_HEADER_BIT,
  compactHeader,
  HEADER_LENGTH_MASK,
  join,
  PAYLOAD_HEADER_BYTES,
  PAYLOAD_PRESENT_BIT,
  readCompact,
  split,
} from './headers.js'
import type { ParentMessage, WorkerMessage } from './messages.js'

const FRAME_HEADER_BYTES = 4

export function encodeFrame(message: ParentMessage | WorkerMessage): Buffer {
  const compact = compactHeader(message)
  const [header, payload] = compact === undefined ? split(message) : [undefined, compact.payload]
  const json = header === undefined ? '' : JSON.stringify(header)
  const headerBytes = compact === undefined ? Buffer.byteLength(json) : compact.bytes
  const payloadBytes = payload === undefined ? 0 : Buffer.byteLength(payload)
  const length = PAYLOAD_HEADER_BYTES + headerBytes + payloadBytes
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length)
  frame.writeUInt32LE(length, 0)
  const word =
    (headerBytes |
      (payload === undefined ? 0 : PAYLOAD_PRESENT_BIT) |
      (compact === undefined ? 0 : COMPACT_HEADER_BIT)) >>>
    0
  frame.writeUInt32LE(word, FRAME_HEADER_BYTES)
  const start = FRAME_HEADER_BYTES + PAYLOAD_HEADER_BYTES
  if (compact === undefined) frame.write(json, start, headerBytes, 'utf8')
  else compact.write(frame, start)
  if (payload !== undefined && payloadBytes > 0) {
    frame.write(payload, start + headerBytes, payloadBytes, 'utf8')
  }
  return frame
}

/**
 * Writes frames to a socket, coalescing the frames of one turn of the event loop into one system
 * call: each write on this VM-bound pipe costs tens of microseconds, mostly in waking the other
 * side. `write` sends at `setImmediate`, after the I/O callbacks of the turn, so that the server's
 * HTTP requests read in one turn (each its own callback) wake the worker once, and the worker
 * answers them with one write too; `flush` sends at once (docs/performance.md, issue 23, third
 * pass). When nothing is queued in the socket, the frames go out with one `writeSync` on its
 * descriptor, which skips the stream machinery; what the kernel does not take at once (a full
 * buffer) goes through the socket, behind it, so the order holds.
 *
 * The descriptor is asked for again at every flush, and used only while the socket is open and
 * writable: once a socket has closed, its number may already belong to another file or socket.
 */
export class FrameWriter {
  readonly #socket: Writable
  readonly #fd: () => number | undefined
  #pending: Buffer[] = []
  #scheduled = false

  /** `fd`: gives the socket's descriptor, for the synchronous path; without it, the socket alone. */
  constructor(socket: Writable, fd?: () => number | undefined) {
    this.#socket = socket
    this.#fd = fd ?? (() => undefined)
  }

  /** Bytes the socket holds that the kernel has not taken yet. */
  get queuedBytes(): number {
    return this.#socket.writableLength
  }

  write(message: ParentMessage | WorkerMessage): void {
    this.#pending.push(encodeFrame(message))
    if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(() => {
        this.flush()
      })
    }
  }

  /** Sends what is pending now. */
  flush(): void {
    this.#scheduled = false
    const pending = this.#pending
    if (pending.length === 0) return
    this.#pending = []
    const bytes = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending)
    const written = this.#writeDirect(bytes)
    if (written < bytes.length) this.#socket.write(bytes.subarray(written))
  }

  /**
   * Last words before the process ends (no event loop turn follows): the pending frames and
   * `message`, written at once, but only when the socket holds nothing queued, since writing
   * beside a queued partial frame would corrupt both. Returns false when nothing was written.
   */
  writeFinal(message: ParentMessage | WorkerMessage): boolean {
    if (this.#socket.writableLength > 0) return false
    const bytes = Buffer.concat([...this.#pending, encodeFrame(message)])
    this.#pending = []
    return this.#writeDirect(bytes) > 0
  }

  /** Bytes written with `writeSync`: 0 when the socket is not usable or the kernel took nothing. */
  #writeDirect(bytes: Buffer): number {
    const socket = this.#socket
    if (socket.destroyed || !socket.writable || socket.writableLength > 0) return 0
    const fd = this.#fd()
    if (fd === undefined) return 0
    try {
      return writeSync(fd, bytes)
    } catch {
      // EAGAIN (the buffer is full) or a closed descriptor: the socket queues or reports it
      return 0
    }
  }
}

export type FrameResult =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string }

/**
 * Splits a byte stream into frames. `push` returns the decoded messages in order; after the first
 * error (oversized frame, bad header, invalid JSON) the decoder refuses everything.
 *
 * It never keeps a reference to a chunk it was given, so the caller may read into the same buffer
 * again (the worker's channel does: `onread`, and the idle poll). A frame that lies whole inside a
 * chunk is decoded in place; one that spans chunks is copied once, into a buffer of its final size
 * allocated when its length is known (after the size check).
 */
export class FrameDecoder {
  readonly #maxFrameBytes: number
  /** The frame being received across chunks (length field included), and the bytes it has. */
  #frame: Buffer | undefined
  #filled = 0
  /** A length field split across chunks. */
  readonly #lengthBytes = Buffer.alloc(FRAME_HEADER_BYTES)
  #lengthFilled = 0
  #failed = false

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes
  }

  push(chunk: Buffer): FrameResult[] {
    if (this.#failed) return []
    const results: FrameResult[] = []
    const end = chunk.length
    let offset = 0
    while (offset < end) {
      const frame = this.#frame
      if (frame !== undefined) {
        const take = Math.min(frame.length - this.#filled, end - offset)
        chunk.copy(frame, this.#filled, offset, offset + take)
        this.#filled += take
        offset += take
        if (this.#filled < frame.length) break
        this.#frame = undefined
        if (!this.#decode(frame, 0, frame.length, results)) return results
        continue
      }
      let length: number
      if (this.#lengthFilled === 0 && end - offset >= FRAME_HEADER_BYTES) {
        length = chunk.readUInt32LE(offset)
      } else {
        const take = Math.min(FRAME_HEADER_BYTES - this.#lengthFilled, end - offset)
        chunk.copy(this.#lengthBytes, this.#lengthFilled, offset, offset + take)
        this.#lengthFilled += take
        if (this.#lengthFilled < FRAME_HEADER_BYTES) break
        // The length field came in pieces: start the frame's buffer with it.
        this.#lengthFilled = 0
        length = this.#lengthBytes.readUInt32LE(0)
        if (!this.#checkLength(length, results)) return results
        const started = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length)
        this.#lengthBytes.copy(started, 0)
        offset += take
        if (length === 0) {
          // Complete already (and malformed: no header word); say so now, not at the next chunk.
          if (!this.#decode(started, 0, started.length, results)) return results
          continue
        }
        this.#frame = started
        this.#filled = FRAME_HEADER_BYTES
        continue
      }
      if (!this.#checkLength(length, results)) return results
      const total = FRAME_HEADER_BYTES + length
      if (end - offset >= total) {
        if (!this.#decode(chunk, offset, offset + total, results)) return results
        offset += total
        continue
      }
      this.#frame = Buffer.allocUnsafe(total)
      chunk.copy(this.#frame, 0, offset, end)
      this.#filled = end - offset
      break
    }
    return results
  }

  #checkLength(length: number, results: FrameResult[]): boolean {
    if (length <= this.#maxFrameBytes) return true
    this.#fail(results, `frame of ${length} bytes exceeds the ${this.#maxFrameBytes}-byte limit`)
    return false
  }

  /** Decodes the frame in `buffer` from `from` (its length field) to `to`; false after a failure. */
  #decode(buffer: Buffer, from: number, to: number, results: FrameResult[]): boolean {
    const start = from + FRAME_HEADER_BYTES + PAYLOAD_HEADER_BYTES
    const word = to >= start ? buffer.readUInt32LE(from + FRAME_HEADER_BYTES) : -1
    const headerBytes = word < 0 ? -1 : word & HEADER_LENGTH_MASK
    if (headerBytes < 0 || start + headerBytes > to) {
      this.#fail(results, 'frame header is malformed')
      return false
    }
    try {
      const value: unknown =
        (word & COMPACT_HEADER_BIT) !== 0
          ? readCompact(buffer, start, start + headerBytes)
          : JSON.parse(buffer.toString('utf8', start, start + headerBytes))
      if (value === undefined) {
        this.#fail(results, 'frame header is malformed')
        return false
      }
      const hasPayload = word >= PAYLOAD_PRESENT_BIT
      results.push({
        ok: true,
        value: hasPayload ? join(value, buffer.toString('utf8', start + headerBytes, to)) : value,
      })
      return true
    } catch {
      this.#fail(results, 'frame is not valid JSON')
      return false
    }
  }

  #fail(results: FrameResult[], error: string): void {
    this.#failed = true
    this.#frame = undefined
    results.push({ ok: false, error })
  }
}
