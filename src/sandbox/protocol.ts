// Size: over 700 lines because it is one concern, the parent ⇄ worker wire format: the frame codec,
// the compact binary headers of the two hot messages and the validator of every message; the
// encoder and the decoder must change together.
/**
 * The parent ⇄ worker protocol: one JSON message per frame, a frame being a 4-byte little-endian
 * length followed by that many bytes of UTF-8 JSON. Both sides validate every message on receipt; a
 * frame over the size ceiling or a message that fails validation is a protocol error, which the
 * parent treats as a crash of the worker (STYLE §9.6).
 */
import { writeSync } from 'node:fs'
import type { Writable } from 'node:stream'
import type {
  InjectedErrorClass,
  LogEntry,
  LogLevel,
  RunLimits,
  SandboxModule,
  TimeoutOutcome,
  WorkerStats,
} from './runner.js'

/** Largest frame the parent accepts from a worker (results and logs are capped well below). */
export const MAX_WORKER_FRAME_BYTES = 16 * 1024 * 1024

/** Largest frame a worker accepts from the parent (script and arguments). */
export const MAX_PARENT_FRAME_BYTES = 32 * 1024 * 1024

const FRAME_HEADER_BYTES = 4

export interface RunMessage {
  readonly t: 'run'
  readonly id: number
  readonly hookId: string
  readonly versionKey: string
  /**
   * The code, sent only when the parent does not know the worker to hold a warm isolate for this
   * (hook id, version key, memory limit); a worker without one answers `need-code`.
   */
  readonly code?: HookCode
  /** JSON text of the positional arguments (an array). */
  readonly args: string
  readonly limits: RunLimits
  /** `Date.now()` value after which the call is over; both processes share the clock. */
  readonly deadlineAt: number
}

export interface HookCode {
  readonly script: string
  readonly classes: readonly InjectedErrorClass[]
  /** Bundled dependencies by package name (`RunRequest.modules`). */
  readonly modules?: Readonly<Record<string, SandboxModule>>
}

/** Names a warm isolate, the same way on both sides. */
export function isolateKey(hookId: string, versionKey: string, memoryMb: number): string {
  return `${hookId}\u0000${versionKey}\u0000${memoryMb}`
}

export interface RetireMessage {
  readonly t: 'retire'
  readonly hookId: string
}

export interface StatsRequestMessage {
  readonly t: 'stats'
  readonly id: number
}

export type ParentMessage = RunMessage | RetireMessage | StatsRequestMessage

interface WorkerOutcomeCommon {
  readonly logs: readonly LogEntry[]
  readonly cpuMs: number
}

/** What a worker reports for one call; the parent turns it into a `RunOutcome`. */
export type WorkerOutcome = WorkerOutcomeCommon &
  (
    | { readonly kind: 'ok'; readonly valueJson?: string }
    | { readonly kind: 'hook-error'; readonly errorJson: string }
    | { readonly kind: 'compile-error'; readonly description: string }
    | {
        readonly kind: 'timeout'
        readonly limit: TimeoutOutcome['limit']
        readonly limitMs: number
      }
    | { readonly kind: 'memory'; readonly limitMb: number }
    | {
        readonly kind: 'limit'
        readonly limit: 'maxTimers' | 'maxResultBytes'
        readonly value: number
      }
    | { readonly kind: 'crash'; readonly reason: string }
  )

export interface ReadyMessage {
  readonly t: 'ready'
  readonly pid: number
}

export interface ResultMessage {
  readonly t: 'result'
  readonly id: number
  readonly outcome: WorkerOutcome
}

/** The worker holds no isolate for a run that came without its code: send it again, with it. */
export interface NeedCodeMessage {
  readonly t: 'need-code'
  readonly id: number
}

export interface LateLogsMessage {
  readonly t: 'late-logs'
  readonly id: number
  readonly hookId: string
  readonly logs: readonly LogEntry[]
}

export interface StatsMessage {
  readonly t: 'stats'
  readonly id: number
  readonly stats: WorkerStats
}

/** A lifecycle event the worker wants logged by the parent's logger. */
export interface NoteMessage {
  readonly t: 'note'
  readonly level: 'info' | 'warn' | 'error'
  readonly event: string
  readonly hookId?: string
  readonly detail?: string
}

export type WorkerMessage =
  ReadyMessage | ResultMessage | NeedCodeMessage | LateLogsMessage | StatsMessage | NoteMessage

// ---------------------------------------------------------------------------------------------
// Framing
//
// A frame is: total length (u32 LE, of what follows), header word (u32 LE: the header's length,
// with the top bit set when a payload follows and the next bit set when the header is compact),
// the header, then the payload as UTF-8 text. The payload carries the one large JSON text of a
// message (a run's `args`, a result's `valueJson` or `errorJson`) as it is, so that it is not
// escaped into the header's JSON and parsed twice; the bit tells an empty payload (a JSON text of
// '') apart from none. Messages keep one shape in memory: the encoder takes the payload out, the
// decoder puts it back, and validation sees the message whole.
//
// The header is UTF-8 JSON, except for the two messages of every call, which have a compact
// binary header (`encodeCompact`): a warm run (one without code) and an `ok` or `hook-error`
// result. They are decoded into the same objects and validated by the same parsers.

const PAYLOAD_HEADER_BYTES = 4

/** Set in the header word of a frame that carries a payload. */
const PAYLOAD_PRESENT_BIT = 0x8000_0000
/** Set in the header word of a frame whose header is compact (binary) rather than JSON. */
const COMPACT_HEADER_BIT = 0x4000_0000
const HEADER_LENGTH_MASK = 0x3fff_ffff

/** First byte of a compact header. */
const COMPACT_RUN = 1
const COMPACT_RESULT = 2
/** The outcome of a compact result (its payload: none, the value, the error). */
const RESULT_OK_EMPTY = 0
const RESULT_OK_VALUE = 1
const RESULT_HOOK_ERROR = 2

/**
 * Compact run header: kind (u8), then id, deadlineAt and the six limits (f64 LE each: timeoutMs,
 * entryTimeoutMs, memoryMb, maxLogBytes, maxResultBytes, maxTimers), then hookId and versionKey
 * (u32 LE byte length + UTF-8 each). Compact result header: kind (u8), id (f64), the outcome (u8:
 * RESULT_*), cpuMs (f64), then the logs as JSON (u32 LE byte length + UTF-8; 0 for none). Numbers
 * travel as f64 so that any value the parsers accept round-trips.
 */
const RUN_FIXED_BYTES = 1 + 8 * 8 + 4 + 4
const RESULT_FIXED_BYTES = 1 + 8 + 1 + 8 + 4

/**
 * A compact header for `message`, written into the frame by `write`, and the message's payload
 * (as `split` would give it); undefined: use JSON.
 */
interface Compact {
  readonly bytes: number
  readonly payload: string | undefined
  write(frame: Buffer, at: number): void
}

/** A string with a lone surrogate, which UTF-8 cannot carry (JSON's escapes can). */
const LONE_SURROGATE = /\p{Surrogate}/u

function compactHeader(message: ParentMessage | WorkerMessage): Compact | undefined {
  if (message.t === 'run') {
    if (message.code !== undefined) return undefined
    if (LONE_SURROGATE.test(message.hookId) || LONE_SURROGATE.test(message.versionKey)) {
      return undefined
    }
    const hookBytes = Buffer.byteLength(message.hookId)
    const versionBytes = Buffer.byteLength(message.versionKey)
    return {
      bytes: RUN_FIXED_BYTES + hookBytes + versionBytes,
      payload: message.args,
      write(frame, start) {
        const limits = message.limits
        let at = frame.writeUInt8(COMPACT_RUN, start)
        at = frame.writeDoubleLE(message.id, at)
        at = frame.writeDoubleLE(message.deadlineAt, at)
        at = frame.writeDoubleLE(limits.timeoutMs, at)
        at = frame.writeDoubleLE(limits.entryTimeoutMs, at)
        at = frame.writeDoubleLE(limits.memoryMb, at)
        at = frame.writeDoubleLE(limits.maxLogBytes, at)
        at = frame.writeDoubleLE(limits.maxResultBytes, at)
        at = frame.writeDoubleLE(limits.maxTimers, at)
        at = frame.writeUInt32LE(hookBytes, at)
        at += frame.write(message.hookId, at, hookBytes, 'utf8')
        at = frame.writeUInt32LE(versionBytes, at)
        frame.write(message.versionKey, at, versionBytes, 'utf8')
      },
    }
  }
  if (message.t === 'result') {
    const outcome = message.outcome
    let kind: number
    let payload: string | undefined
    if (outcome.kind === 'ok') {
      kind = outcome.valueJson === undefined ? RESULT_OK_EMPTY : RESULT_OK_VALUE
      payload = outcome.valueJson
    } else if (outcome.kind === 'hook-error') {
      kind = RESULT_HOOK_ERROR
      payload = outcome.errorJson
    } else {
      return undefined
    }
    const logs = outcome.logs.length === 0 ? '' : JSON.stringify(outcome.logs)
    const logBytes = Buffer.byteLength(logs)
    return {
      bytes: RESULT_FIXED_BYTES + logBytes,
      payload,
      write(frame, start) {
        let at = frame.writeUInt8(COMPACT_RESULT, start)
        at = frame.writeDoubleLE(message.id, at)
        at = frame.writeUInt8(kind, at)
        at = frame.writeDoubleLE(outcome.cpuMs, at)
        at = frame.writeUInt32LE(logBytes, at)
        frame.write(logs, at, logBytes, 'utf8')
      },
    }
  }
  return undefined
}

const RESULT_KINDS = ['ok', 'ok', 'hook-error'] as const

/**
 * Reads a compact header from `start` to `end` back into the message's JSON shape (payload not yet
 * joined); undefined when it is cut short, runs long or names an unknown kind. The parsers
 * validate the values as usual.
 */
function readCompact(buffer: Buffer, start: number, end: number): object | undefined {
  if (end - start < 1) return undefined
  const kind = buffer.readUInt8(start)
  if (kind === COMPACT_RUN) {
    if (end - start < RUN_FIXED_BYTES) return undefined
    let at = start + 1
    const id = buffer.readDoubleLE(at)
    const deadlineAt = buffer.readDoubleLE(at + 8)
    const limits = {
      timeoutMs: buffer.readDoubleLE(at + 16),
      entryTimeoutMs: buffer.readDoubleLE(at + 24),
      memoryMb: buffer.readDoubleLE(at + 32),
      maxLogBytes: buffer.readDoubleLE(at + 40),
      maxResultBytes: buffer.readDoubleLE(at + 48),
      maxTimers: buffer.readDoubleLE(at + 56),
    }
    at += 64
    const hookBytes = buffer.readUInt32LE(at)
    at += 4
    if (end - at < hookBytes + 4) return undefined
    const hookId = buffer.toString('utf8', at, at + hookBytes)
    at += hookBytes
    const versionBytes = buffer.readUInt32LE(at)
    at += 4
    if (end - at !== versionBytes) return undefined
    const versionKey = buffer.toString('utf8', at, end)
    return { t: 'run', id, hookId, versionKey, limits, deadlineAt }
  }
  if (kind === COMPACT_RESULT) {
    if (end - start < RESULT_FIXED_BYTES) return undefined
    const id = buffer.readDoubleLE(start + 1)
    const outcomeKind = RESULT_KINDS[buffer.readUInt8(start + 9)]
    const cpuMs = buffer.readDoubleLE(start + 10)
    const logBytes = buffer.readUInt32LE(start + 18)
    const at = start + RESULT_FIXED_BYTES
    if (outcomeKind === undefined || end - at !== logBytes) return undefined
    const logs: unknown = logBytes === 0 ? [] : JSON.parse(buffer.toString('utf8', at, end))
    return { t: 'result', id, outcome: { kind: outcomeKind, logs, cpuMs } }
  }
  return undefined
}

/** The header of a message whose payload travels apart, and that payload; or the message alone. */
function split(
  message: ParentMessage | WorkerMessage,
): [header: object, payload: string | undefined] {
  if (message.t === 'run') {
    const header = {
      t: message.t,
      id: message.id,
      hookId: message.hookId,
      versionKey: message.versionKey,
      code: message.code,
      limits: message.limits,
      deadlineAt: message.deadlineAt,
    }
    return [header, message.args]
  }
  if (message.t === 'result') {
    const outcome = message.outcome
    const payload =
      outcome.kind === 'ok'
        ? outcome.valueJson
        : outcome.kind === 'hook-error'
          ? outcome.errorJson
          : undefined
    if (payload !== undefined) {
      const head = { kind: outcome.kind, logs: outcome.logs, cpuMs: outcome.cpuMs }
      return [{ t: message.t, id: message.id, outcome: head }, payload]
    }
  }
  return [message, undefined]
}

/** Puts a frame's payload back where `split` took it from (validation follows). */
function join(value: unknown, payload: string): unknown {
  if (!isObject(value)) return value
  if (value.t === 'run') {
    value.args = payload
  } else if (value.t === 'result' && isObject(value.outcome)) {
    if (value.outcome.kind === 'ok') value.outcome.valueJson = payload
    else if (value.outcome.kind === 'hook-error') value.outcome.errorJson = payload
  }
  return value
}

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
 * Writes frames to a socket, coalescing the frames of one synchronous run of code into one
 * system call: each write on this VM-bound pipe costs tens of microseconds, mostly in waking the
 * other side. When nothing is queued in the socket, the frames go out with one `writeSync` on its
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
      queueMicrotask(() => {
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

// ---------------------------------------------------------------------------------------------
// Validation. Each parser returns the typed message, or undefined when anything is off.

type Obj = Record<string, unknown>

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function isFiniteNonNegative(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
}

const LOG_LEVELS: ReadonlySet<string> = new Set<LogLevel>(['log', 'info', 'warn', 'error', 'debug'])

function parseLogs(value: unknown): LogEntry[] | undefined {
  if (!Array.isArray(value)) return undefined
  for (const entry of value as unknown[]) {
    if (
      !isObject(entry) ||
      typeof entry.level !== 'string' ||
      !LOG_LEVELS.has(entry.level) ||
      typeof entry.message !== 'string' ||
      typeof entry.timestamp !== 'string'
    ) {
      return undefined
    }
  }
  return value as LogEntry[]
}

function parseLimits(value: unknown): RunLimits | undefined {
  if (!isObject(value)) return undefined
  const keys: (keyof RunLimits)[] = [
    'timeoutMs',
    'entryTimeoutMs',
    'memoryMb',
    'maxLogBytes',
    'maxResultBytes',
    'maxTimers',
  ]
  for (const key of keys) {
    if (!isCount(value[key])) return undefined
  }
  return value as unknown as RunLimits
}

function parseClasses(value: unknown): InjectedErrorClass[] | undefined {
  if (!Array.isArray(value)) return undefined
  for (const item of value as unknown[]) {
    if (
      !isObject(item) ||
      typeof item.name !== 'string' ||
      typeof item.extends !== 'string' ||
      typeof item.friendlyMessage !== 'boolean'
    ) {
      return undefined
    }
  }
  return value as InjectedErrorClass[]
}

function parseModules(value: unknown): boolean {
  return (
    value === undefined ||
    (isObject(value) &&
      Object.values(value).every(
        (m) => isObject(m) && typeof m.version === 'string' && typeof m.source === 'string',
      ))
  )
}

function parseCode(value: unknown): boolean {
  return (
    isObject(value) &&
    typeof value.script === 'string' &&
    parseClasses(value.classes) !== undefined &&
    parseModules(value.modules)
  )
}

export function parseParentMessage(value: unknown): ParentMessage | undefined {
  if (!isObject(value)) return undefined
  switch (value.t) {
    case 'run':
      if (
        isCount(value.id) &&
        typeof value.hookId === 'string' &&
        typeof value.versionKey === 'string' &&
        typeof value.args === 'string' &&
        isFiniteNonNegative(value.deadlineAt) &&
        (value.code === undefined || parseCode(value.code)) &&
        parseLimits(value.limits) !== undefined
      ) {
        return value as unknown as RunMessage
      }
      return undefined
    case 'retire':
      return typeof value.hookId === 'string' ? (value as unknown as RetireMessage) : undefined
    case 'stats':
      return isCount(value.id) ? (value as unknown as StatsRequestMessage) : undefined
    default:
      return undefined
  }
}

function parseOutcome(value: unknown): WorkerOutcome | undefined {
  if (!isObject(value) || parseLogs(value.logs) === undefined) return undefined
  if (!isFiniteNonNegative(value.cpuMs)) return undefined
  const outcome = value as unknown as WorkerOutcome
  switch (value.kind) {
    case 'ok':
      return value.valueJson === undefined || typeof value.valueJson === 'string'
        ? outcome
        : undefined
    case 'hook-error':
      return typeof value.errorJson === 'string' ? outcome : undefined
    case 'compile-error':
      return typeof value.description === 'string' ? outcome : undefined
    case 'timeout':
      return (value.limit === 'timeoutMs' || value.limit === 'entryTimeoutMs') &&
        isCount(value.limitMs)
        ? outcome
        : undefined
    case 'memory':
      return isCount(value.limitMb) ? outcome : undefined
    case 'limit':
      return (value.limit === 'maxTimers' || value.limit === 'maxResultBytes') &&
        isCount(value.value)
        ? outcome
        : undefined
    case 'crash':
      return typeof value.reason === 'string' ? outcome : undefined
    default:
      return undefined
  }
}

function parseStats(value: unknown): WorkerStats | undefined {
  if (
    isObject(value) &&
    isCount(value.pid) &&
    isCount(value.warmIsolates) &&
    isCount(value.isolateHeapBytes) &&
    isCount(value.rssBytes) &&
    isCount(value.inFlightCalls) &&
    isCount(value.idlePollFrames) &&
    isCount(value.idlePollPauses) &&
    isCount(value.idlePollBackoffs) &&
    isCount(value.isolatesCreated) &&
    isObject(value.egress) &&
    isCount(value.egress.sent) &&
    isCount(value.egress.refused) &&
    isCount(value.egress.timedOut) &&
    isCount(value.egress.tooLarge) &&
    isCount(value.egress.failed)
  ) {
    return value as unknown as WorkerStats
  }
  return undefined
}

export function parseWorkerMessage(value: unknown): WorkerMessage | undefined {
  if (!isObject(value)) return undefined
  switch (value.t) {
    case 'ready':
      return isCount(value.pid) ? (value as unknown as ReadyMessage) : undefined
    case 'result':
      return isCount(value.id) && parseOutcome(value.outcome) !== undefined
        ? (value as unknown as ResultMessage)
        : undefined
    case 'need-code':
      return isCount(value.id) ? (value as unknown as NeedCodeMessage) : undefined
    case 'late-logs':
      return isCount(value.id) &&
        typeof value.hookId === 'string' &&
        parseLogs(value.logs) !== undefined
        ? (value as unknown as LateLogsMessage)
        : undefined
    case 'stats':
      return isCount(value.id) && parseStats(value.stats) !== undefined
        ? (value as unknown as StatsMessage)
        : undefined
    case 'note':
      return (value.level === 'info' || value.level === 'warn' || value.level === 'error') &&
        typeof value.event === 'string' &&
        (value.hookId === undefined || typeof value.hookId === 'string') &&
        (value.detail === undefined || typeof value.detail === 'string')
        ? (value as unknown as NoteMessage)
        : undefined
    default:
      return undefined
  }
}
