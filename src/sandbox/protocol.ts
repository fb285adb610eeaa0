/**
 * The parent ⇄ worker protocol: one JSON message per frame, a frame being a 4-byte little-endian
 * length followed by that many bytes of UTF-8 JSON. Both sides validate every message on receipt; a
 * frame over the size ceiling or a message that fails validation is a protocol error, which the
 * parent treats as a crash of the worker (STYLE §9.6).
 */
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

export function encodeFrame(message: ParentMessage | WorkerMessage): Buffer {
  const json = JSON.stringify(message)
  const length = Buffer.byteLength(json)
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length)
  frame.writeUInt32LE(length, 0)
  frame.write(json, FRAME_HEADER_BYTES, 'utf8')
  return frame
}

/**
 * Writes frames to a socket, coalescing the frames of one synchronous run of code into one
 * system call: each write on this VM-bound pipe costs tens of microseconds, mostly in waking the
 * other side.
 */
export class FrameWriter {
  readonly #socket: Writable
  #corked = false

  constructor(socket: Writable) {
    this.#socket = socket
  }

  write(message: ParentMessage | WorkerMessage): void {
    if (!this.#corked) {
      this.#corked = true
      this.#socket.cork()
      queueMicrotask(() => {
        this.flush()
      })
    }
    this.#socket.write(encodeFrame(message))
  }

  /** Sends what is pending now (libuv writes a pipe synchronously when it can). */
  flush(): void {
    if (!this.#corked) return
    this.#corked = false
    this.#socket.uncork()
  }
}

export type FrameResult =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string }

/**
 * Splits a byte stream into frames. `push` returns the decoded JSON values in order; after the
 * first error (oversized frame, invalid JSON) the decoder refuses everything.
 */
export class FrameDecoder {
  readonly #maxFrameBytes: number
  #buffer: Buffer = Buffer.alloc(0)
  #failed = false

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes
  }

  push(chunk: Buffer): FrameResult[] {
    if (this.#failed) return []
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk])
    const results: FrameResult[] = []
    let offset = 0
    while (this.#buffer.length - offset >= FRAME_HEADER_BYTES) {
      const length = this.#buffer.readUInt32LE(offset)
      if (length > this.#maxFrameBytes) {
        this.#failed = true
        results.push({
          ok: false,
          error: `frame of ${length} bytes exceeds the ${this.#maxFrameBytes}-byte limit`,
        })
        return results
      }
      const end = offset + FRAME_HEADER_BYTES + length
      if (this.#buffer.length < end) break
      const text = this.#buffer.toString('utf8', offset + FRAME_HEADER_BYTES, end)
      offset = end
      try {
        results.push({ ok: true, value: JSON.parse(text) as unknown })
      } catch {
        this.#failed = true
        results.push({ ok: false, error: 'frame is not valid JSON' })
        return results
      }
    }
    this.#buffer = offset === this.#buffer.length ? Buffer.alloc(0) : this.#buffer.subarray(offset)
    return results
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
    isCount(value.inFlightCalls)
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
