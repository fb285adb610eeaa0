/**
 * What a worker records for a call while an entry runs: its console lines (bounded by
 * `maxLogBytes`, hook lines kept apart from the runtime's own), and its outcome, sent once the
 * entry is over (entries.ts `settle`).
 */
import type { WorkerOutcome } from '../protocol.js'
import type { LogLevel } from '../runner.js'
import { state } from './state.js'
import type { Call, Slot } from './state.js'

export function callOf(slot: Slot, callId: unknown): Call | undefined {
  return typeof callId === 'number' ? slot.calls.get(callId) : undefined
}

export function addLog(call: Call, level: LogLevel, text: string): boolean {
  if (call.logsFull) return false
  const bytes = Buffer.byteLength(text)
  const target = call.sent ? call.lateLogs : call.logs
  const timestamp = new Date().toISOString()
  if (call.logBytes + bytes > call.limits.maxLogBytes) {
    call.logsFull = true
    const room = call.limits.maxLogBytes - call.logBytes
    if (room > 0) {
      // Keep what fits of the line (a multi-byte character cut in two becomes U+FFFD).
      target.push({ level, message: Buffer.from(text).subarray(0, room).toString(), timestamp })
    }
    target.push({
      level: 'warn',
      message: `[openhooks] console output truncated: the call reached its limit of ${call.limits.maxLogBytes} bytes (maxLogBytes)`,
      timestamp,
    })
    return false
  }
  call.logBytes += bytes
  target.push({ level, message: text, timestamp })
  return true
}

/** Where a hook's line would start like one of the runtime's own (`[openhooks] …`) lines. */
const IMITATED_MARKER = /(^|\n)(\s*)\[openhooks\]/g

/**
 * The runtime's own lines start with `[openhooks]`; a hook's line, or a line of it, that starts so
 * gets `[hook] ` before it, so that no line a hook wrote reads as one of ours (issue 17).
 */
export function hookLine(text: string): string {
  return text.includes('[openhooks]')
    ? text.replace(IMITATED_MARKER, '$1$2[hook] [openhooks]')
    : text
}

/** Records the outcome; it is sent after the current entry, with the CPU time of the call. */
export function answer(call: Call, outcome: WorkerOutcome): void {
  state.touched.add(call)
  if (call.outcome !== undefined) return
  call.outcome = outcome
  state.outbox.push(call)
}

export function limitReached(
  call: Call,
  limit: 'maxTimers' | 'maxResultBytes',
  value: number,
): void {
  if (state.pendingEnds.has(call)) return
  if (call.outcome === undefined) {
    answer(call, { kind: 'limit', limit, value, logs: [], cpuMs: 0 })
  } else {
    addLog(call, 'warn', `[openhooks] background work stopped: limit ${limit} (${value}) reached`)
  }
  // The call's timers and isolate-side state go as soon as the current entry is over.
  state.pendingEnds.add(call)
}
