/**
 * The layout of a frame after its length: the header word, the header (JSON, or compact binary for
 * the two messages of every call) and the payload that carries a message's one large JSON text.
 */
import type { ParentMessage, WorkerMessage } from './messages.js'
import { isObject } from './validate.js'

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

export const PAYLOAD_HEADER_BYTES = 4

/** Set in the header word of a frame that carries a payload. */
export const PAYLOAD_PRESENT_BIT = 0x8000_0000
/** Set in the header word of a frame whose header is compact (binary) rather than JSON. */
export const COMPACT_HEADER_BIT = 0x4000_0000
export const HEADER_LENGTH_MASK = 0x3fff_ffff

/** First byte of a compact header. */
const COMPACT_RUN = 1
const COMPACT_RESULT = 2
/** The outcome of a compact result (its payload: none, the value, the error). */
const RESULT_OK_EMPTY = 0
const RESULT_OK_VALUE = 1
const RESULT_HOOK_ERROR = 2

/**
 * Compact run header: kind (u8), then id, deadlineAt and the six limits (f64 LE each: timeoutMs,
 * entryTimeoutMs, memoryMb, maxLogBytes, maxResultBytes, maxTimers), then hookId, versionKey and
 * traceparent (u32 LE byte length + UTF-8 each; a traceparent of length 0 is none). A traced call
 * keeps the compact header: with tracing on every call has a traceparent (issue 21).
 *
 * Compact result header: kind (u8), id (f64), the outcome (u8: RESULT_*), cpuMs (f64), then the
 * logs as JSON (u32 LE byte length + UTF-8; 0 for none). Numbers travel as f64 so that any value
 * the parsers accept round-trips.
 */
const RUN_FIXED_BYTES = 1 + 8 * 8 + 4 + 4 + 4
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

export function compactHeader(message: ParentMessage | WorkerMessage): Compact | undefined {
  if (message.t === 'run') {
    // A run with code (a cold start) travels as JSON.
    if (message.code !== undefined) return undefined
    const traceparent = message.traceparent ?? ''
    if (
      LONE_SURROGATE.test(message.hookId) ||
      LONE_SURROGATE.test(message.versionKey) ||
      LONE_SURROGATE.test(traceparent)
    ) {
      return undefined
    }
    const hookBytes = Buffer.byteLength(message.hookId)
    const versionBytes = Buffer.byteLength(message.versionKey)
    const traceBytes = Buffer.byteLength(traceparent)
    return {
      bytes: RUN_FIXED_BYTES + hookBytes + versionBytes + traceBytes,
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
        at += frame.write(message.versionKey, at, versionBytes, 'utf8')
        at = frame.writeUInt32LE(traceBytes, at)
        frame.write(traceparent, at, traceBytes, 'utf8')
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
export function readCompact(buffer: Buffer, start: number, end: number): object | undefined {
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
    if (end - at < versionBytes + 4) return undefined
    const versionKey = buffer.toString('utf8', at, at + versionBytes)
    at += versionBytes
    const traceBytes = buffer.readUInt32LE(at)
    at += 4
    if (end - at !== traceBytes) return undefined
    const run = { t: 'run', id, hookId, versionKey, limits, deadlineAt }
    return traceBytes === 0 ? run : { ...run, traceparent: buffer.toString('utf8', at, end) }
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
export function split(
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
      traceparent: message.traceparent,
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
export function join(value: unknown, payload: string): unknown {
  if (!isObject(value)) return value
  if (value.t === 'run') {
    value.args = payload
  } else if (value.t === 'result' && isObject(value.outcome)) {
    if (value.outcome.kind === 'ok') value.outcome.valueJson = payload
    else if (value.outcome.kind === 'hook-error') value.outcome.errorJson = payload
  }
  return value
}
