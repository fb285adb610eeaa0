/**
 * The isolate's channel to the worker: five host callbacks that take and return primitives only
 * (worker/slots.ts `prepareSlot`), kept in this module's scope, never on the global object (STYLE §9.2).
 * {@link connectHost} receives them when the runtime starts.
 *
 * It also keeps the order of what the worker learns: a completion made while the hook function runs
 * synchronously under `run` is held (it travels back as `run`'s return value), and every other call
 * out to the worker first hands that completion over ({@link releaseSync}): whatever the worker
 * learns or decides next (a log, a timer over the limit, a request) must come after the outcome, as
 * it did when completions always went out at once.
 */

/** `log(callId, level, message) → boolean`: false once the call's log budget is spent. */
export type HostLog = (callId: number, level: string, text: string) => boolean
/** `timer(op, callId, timerId, delayMs, repeat) → boolean`: `'set'` answers false past maxTimers. */
export type HostTimer = (
  op: 'set' | 'clear',
  callId: number,
  timerId: number,
  delayMs: number,
  repeat: boolean,
) => boolean
/** `done(callId, kind, payload)`: `'ok'`, `'error'`, `'extra'` or `'late-error'`. */
export type HostDone = (callId: number, kind: string, payload: string | undefined) => void
/** `http(op, callId, requestId, specJson, bodyBytes) → string`: `''` when accepted, else why not. */
export type HostHttp = (
  op: 'start' | 'abort',
  callId: number,
  requestId: number,
  spec: string | undefined,
  body: Uint8Array | undefined,
) => string
/** `service(op, a, b, c) → string`: URL parsing, random bytes, hashes (host-services.ts). */
export type HostService = (op: string, a?: unknown, b?: unknown, c?: unknown) => string

let log: HostLog
let timer: HostTimer
let done: HostDone
let http: HostHttp
let service: HostService

/** Takes the worker's callbacks, in the order worker/slots.ts passes them ($0–$4). */
export function connectHost(
  logCallback: HostLog,
  timerCallback: HostTimer,
  doneCallback: HostDone,
  httpCallback: HostHttp,
  serviceCallback: HostService,
): void {
  log = logCallback
  timer = timerCallback
  done = doneCallback
  http = httpCallback
  service = serviceCallback
}

interface HeldCompletion {
  readonly callId: number
  readonly kind: string
  readonly payload: string | undefined
  released: boolean
}

// The call whose hook function is running synchronously under run(), and the completion its cb
// made meanwhile. The completion is held until the entry is over (the next dispatch forgets it):
// run() returns it, and 'take' gives it back when the entry failed after run() returned (an
// unhandled rejection, a loop in a microtask) or before (a timeout).
let runningCallId = 0
let held: HeldCompletion | undefined

/** Marks the start of the synchronous part of `run` for a call. */
export function startRunning(callId: number): void {
  runningCallId = callId
}

/** A new entry: the previous one's completion reached the worker (or died with a failed entry). */
export function newEntry(): void {
  held = undefined
  runningCallId = 0
}

/**
 * Sends a call's outcome, or holds it when the call's hook function is running synchronously
 * under `run` (then `run`'s answer carries it). When cb was re-entered (from a toJSON of the
 * value) and completed first, the first completion stands.
 */
export function sendCompletion(callId: number, kind: string, payload: string | undefined): void {
  if (callId !== runningCallId) {
    done(callId, kind, payload)
  } else if (held === undefined) {
    held = { callId, kind, payload, released: false }
  }
}

/** A report that never waits: a second completion or an exception after completion. */
export function hostDone(callId: number, kind: string, payload: string | undefined): void {
  done(callId, kind, payload)
}

// Sends a held completion through done, so that it is not held past the point where the worker
// may decide something about the call. (The worker keeps the first outcome it gets, so a
// completion that also comes back as run()'s value after this is ignored.)
export function releaseSync(): void {
  if (held === undefined || held.released) return
  held.released = true
  done(held.callId, held.kind, held.payload)
}

/**
 * run()'s answer: 'started' (the call goes on, or its completion went out already), or the held
 * completion: 'ok' (cb with no value), 'ok:' + JSON of the value, or 'error:' + JSON of the error.
 */
export function runAnswer(): string {
  runningCallId = 0
  if (held === undefined || held.released) return 'started'
  if (held.payload === undefined) return held.kind
  return held.kind + ':' + held.payload
}

/** The 'take' entry: the held completion's answer, then forgets it. */
export function takeAnswer(): string {
  const answer = runAnswer()
  held = undefined
  return answer
}

export function hostLog(callId: number, level: string, text: string): boolean {
  releaseSync()
  return log(callId, level, text)
}

export function hostTimer(
  op: 'set' | 'clear',
  callId: number,
  timerId: number,
  delayMs: number,
  repeat: boolean,
): boolean {
  releaseSync()
  return timer(op, callId, timerId, delayMs, repeat)
}

export function hostHttp(
  op: 'start' | 'abort',
  callId: number,
  requestId: number,
  spec: string | undefined,
  body: Uint8Array | undefined,
): string {
  releaseSync()
  return http(op, callId, requestId, spec, body)
}

export function hostService(op: string, a?: unknown, b?: unknown, c?: unknown): string {
  releaseSync()
  return service(op, a, b, c)
}
