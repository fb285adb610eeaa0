/**
 * The sandbox's public contract: run an untrusted CommonJS hook script with JSON arguments under
 * limits, get back an outcome. The sandbox knows nothing about triggers, HTTP or storage (STYLE §3);
 * callers hand it the script, the error classes to inject and the positional arguments.
 *
 * Read `src/sandbox/README.md` first: it lists what the sandbox does not protect against.
 */

/** Wall-clock limit of one call, from dispatch to completion (Auth0's 20 s, compat §3.7). */
export const DEFAULT_HOOK_TIMEOUT_MS = 20_000

/**
 * Limit of one synchronous entry into the isolate (the call itself, one timer callback, module
 * evaluation). isolated-vm measures it as wall time of the entry, which for synchronous code is CPU
 * time. The effective value is also capped by the time left until the call's deadline.
 */
export const DEFAULT_ENTRY_TIMEOUT_MS = 5_000

/** Heap limit of one isolate. Approximate: a determined script may reach 2–3 times it (isolated-vm README). */
export const DEFAULT_MEMORY_LIMIT_MB = 64

/** Console output kept per call; further output is dropped after one truncation marker. */
export const DEFAULT_MAX_LOG_BYTES = 64 * 1024

/** Largest serialised result or error of one call (UTF-8 JSON). */
export const DEFAULT_MAX_RESULT_BYTES = 256 * 1024

/** Timers (`setTimeout`, `setInterval`, `setImmediate`) one call may create. */
export const DEFAULT_MAX_TIMERS = 1_000

/** Warm isolates one worker keeps; the least recently used idle one goes first. */
export const DEFAULT_MAX_WARM_ISOLATES = 200

/**
 * Heap, in MB, that the warm isolates of one worker may hold together before the least recently
 * used idle ones go. With the default pool of a 2-core host (two workers) and
 * {@link DEFAULT_MAX_WORKER_RSS_MB}, the sandbox stays well inside a 2 GB host (issue 17).
 */
export const DEFAULT_MAX_WARM_HEAP_MB = 256

/**
 * Resident memory, in MB, of one worker process (heaps, external buffers, native memory) past which
 * its idle isolates are dropped and, if that is not enough, the worker is replaced (issue 17).
 */
export const DEFAULT_MAX_WORKER_RSS_MB = 640

/** Smallest resident-memory ceiling of a worker, in MB: a worker with no isolate uses about 60. */
export const MIN_WORKER_RSS_MB = 128

/**
 * How long, in µs, an idle worker keeps reading its channel without blocking after its last
 * answer, before it sleeps in its event loop (worker/channel.ts `pollChannel`); 0 turns it off. On a
 * 2-vCPU VM that halts idle vCPUs it lowered the sequential p50 by a sixth to a quarter, and left
 * the token endpoint's throughput under load unchanged (docs/performance.md, fourth pass).
 */
export const DEFAULT_IDLE_POLL_US = 300

/** Upper bound of the idle poll, in µs: past a few hundred µs it only burns CPU. */
export const MAX_IDLE_POLL_US = 10_000

/** Smallest memory limit isolated-vm accepts. */
export const MIN_MEMORY_LIMIT_MB = 8

/** The message Auth0 used for a script that does not compile (compat §3.6). */
export const COMPILE_ERROR_MESSAGE = 'Unable to compile the extensibility code as javascript'

/** Per-call limits. Every violation ends the call with an outcome naming the limit and its value. */
export interface RunLimits {
  /** Wall-clock deadline of the call. Background work after `cb` may run until it (compat Q11). */
  readonly timeoutMs: number
  /** Limit of one synchronous entry into the isolate; see {@link DEFAULT_ENTRY_TIMEOUT_MS}. */
  readonly entryTimeoutMs: number
  /** Heap limit of the isolate that runs the call (applies when the isolate is built). */
  readonly memoryMb: number
  /** Console bytes kept per call. */
  readonly maxLogBytes: number
  /** Largest serialised result or error. */
  readonly maxResultBytes: number
  /** Timers one call may create. */
  readonly maxTimers: number
}

export const DEFAULT_RUN_LIMITS: RunLimits = Object.freeze({
  timeoutMs: DEFAULT_HOOK_TIMEOUT_MS,
  entryTimeoutMs: DEFAULT_ENTRY_TIMEOUT_MS,
  memoryMb: DEFAULT_MEMORY_LIMIT_MB,
  maxLogBytes: DEFAULT_MAX_LOG_BYTES,
  maxResultBytes: DEFAULT_MAX_RESULT_BYTES,
  maxTimers: DEFAULT_MAX_TIMERS,
})

export type RunLimitName = keyof RunLimits

/**
 * An error class the sandbox declares in the module scope of the script, as source text before it,
 * so that it is a lexical binding and not a `globalThis` property (compat §3.1, §3.2, Q26).
 *
 * The constructor is `(message)`, or `(message, friendlyMessage)` when `friendlyMessage` is set; it
 * sets the own property `name` to the constructing class's name and, with `friendlyMessage`, the
 * own property `friendlyMessage` to the second argument if truthy, else the message.
 *
 * @example { name: 'InvalidScopeError', extends: 'ExtensibilityUserError', friendlyMessage: false }
 */
export interface InjectedErrorClass {
  /** A JavaScript identifier. */
  readonly name: string
  /** `Error`, or the name of a class listed before this one. */
  readonly extends: string
  readonly friendlyMessage: boolean
}

/** A bundled npm dependency: a CommonJS module body that assigns `module.exports`. */
export interface SandboxModule {
  /** The exact version; `require('name@version')` must name it. */
  readonly version: string
  readonly source: string
}

/** One call of a hook script. */
export interface RunRequest {
  /** Isolates are never shared between two hook ids. */
  readonly hookId: string
  /**
   * The caller's digest of everything that defines the hook's code (script, secrets, dependencies).
   * One warm isolate exists per (hookId, versionKey); module scope persists between its calls.
   */
  readonly versionKey: string
  readonly script: string
  /** Declared in this order before the script (compat §3.2). */
  readonly injectedClasses: readonly InjectedErrorClass[]
  /**
   * Positional arguments before `cb`, JSON-like: they cross into the isolate as a JSON copy, so
   * functions, `undefined` members and prototypes are lost.
   */
  readonly args: readonly unknown[]
  readonly limits?: Partial<RunLimits>
  /**
   * Declared dependencies by package name, for `require('name')` and `require('name@version')`.
   * Each is evaluated once per isolate, on its first `require`. Part of the code: the version key
   * must change when they do.
   */
  readonly modules?: Readonly<Record<string, SandboxModule>>
  /**
   * The share of the sandbox the call counts against (the server names the extensibility point):
   * its pending calls and concurrency are bounded apart from other lanes' (lanes.ts), and a lane
   * may have workers of its own. Without it, only the runner's `maxPendingCalls` applies.
   */
  readonly lane?: string
  /**
   * A W3C `traceparent` header value (the caller's span of this call): the hook's outbound
   * requests carry it unless the hook sets its own (docs/egress.md). Ignored unless well formed.
   */
  readonly traceparent?: string
  /**
   * Told the slot of the worker process the call is handed to (0, 1, … in the pool's order, as
   * the metrics' `worker` label), when it is handed to one; the hook call's span records it.
   */
  readonly onWorker?: (slot: number) => void
}

export type LogLevel = 'log' | 'info' | 'warn' | 'error' | 'debug'

/** One line of console output. Lines the runtime adds itself start with `[openhooks]`. */
export interface LogEntry {
  readonly level: LogLevel
  readonly message: string
  /** ISO 8601, taken in the worker when the line was written. */
  readonly timestamp: string
}

/**
 * An error as Auth0 returned it: every own property of the thrown or passed Error, copied as JSON
 * (compat §3.5). Usually `message` and `stack`, plus `name` and `friendlyMessage` for the injected
 * classes and whatever own properties the script added. Read fields with {@link errorField}.
 */
export type HookErrorBody = Readonly<Record<string, unknown>>

interface OutcomeCommon {
  /** Console output during the call, in order, capped at `maxLogBytes`. */
  readonly logs: readonly LogEntry[]
  /** Wall time seen by the caller, from `run()` to the outcome. */
  readonly durationMs: number
  /** CPU time the call's entries spent in the isolate. */
  readonly cpuMs: number
}

/** `cb(null, value)`, or a returned promise that resolved to a value. `value` is absent for `cb()`. */
export interface OkOutcome extends OutcomeCommon {
  readonly kind: 'ok'
  readonly value?: unknown
}

/** `cb(error)`, a throw, or a rejected promise; also unserialisable results (compat §3.5). */
export interface HookErrorOutcome extends OutcomeCommon {
  readonly kind: 'hook-error'
  readonly error: HookErrorBody
}

/**
 * The script does not compile, throws while its module body runs, or exports no function
 * (compat §3.6, Q10). `description` is the compiler's message (Auth0's `error_description`).
 */
export interface CompileErrorOutcome extends OutcomeCommon {
  readonly kind: 'compile-error'
  readonly message: typeof COMPILE_ERROR_MESSAGE
  readonly description: string
}

/** The call missed its deadline, or one synchronous entry ran too long. */
export interface TimeoutOutcome extends OutcomeCommon {
  readonly kind: 'timeout'
  readonly limit: 'timeoutMs' | 'entryTimeoutMs'
  readonly limitMs: number
  readonly message: string
}

/** The isolate hit its heap limit and was disposed; the next call builds a new one. */
export interface MemoryOutcome extends OutcomeCommon {
  readonly kind: 'memory'
  readonly limitMb: number
  readonly message: string
}

/** Another limit was hit: too many timers, a result too large, too many pending calls. */
export interface LimitOutcome extends OutcomeCommon {
  readonly kind: 'limit'
  readonly limit: 'maxTimers' | 'maxResultBytes' | 'maxPendingCalls'
  readonly value: number
  readonly message: string
}

/** The runtime failed: the worker process died, sent garbage, or the runner is closed. */
export interface CrashOutcome extends OutcomeCommon {
  readonly kind: 'crash'
  readonly reason: string
}

export type RunOutcome =
  | OkOutcome
  | HookErrorOutcome
  | CompileErrorOutcome
  | TimeoutOutcome
  | MemoryOutcome
  | LimitOutcome
  | CrashOutcome

export type RunOutcomeKind = RunOutcome['kind']

/** Every outcome other than `ok`. */
export type FailedRunOutcome = Exclude<RunOutcome, OkOutcome>

/** Console output a call wrote after its outcome was returned (background work, compat Q11). */
export interface LateLogs {
  readonly hookId: string
  readonly logs: readonly LogEntry[]
}

export interface WorkerStats {
  readonly pid: number
  readonly warmIsolates: number
  /** Sum of the isolates' heap sizes (used heap plus external memory) at their last sample. */
  readonly isolateHeapBytes: number
  readonly rssBytes: number
  readonly inFlightCalls: number
  /** Frames from the parent that the idle poll read (not the event loop), since the worker started. */
  readonly idlePollFrames: number
  /**
   * Pauses inside a poll with no other process taking the CPU (a VM's host stopping the vCPU, a
   * SIGSTOP): the poll went on after each.
   */
  readonly idlePollPauses: number
  /** Polls ended because another process wanted the CPU (polling then stays off for a while). */
  readonly idlePollBackoffs: number
  /** Isolates created (cold starts), since the worker started. */
  readonly isolatesCreated: number
  /** Outbound requests of hooks by how they ended, since the worker started (docs/egress.md). */
  readonly egress: EgressCounts
}

/** Outbound requests of hooks by outcome: counts since a worker started. */
export interface EgressCounts {
  /** Sent, and a response came back (whatever its status). */
  readonly sent: number
  /** Refused by the egress policy or a per-call limit before anything was sent. */
  readonly refused: number
  /** Ended by their timeout or the call's deadline. */
  readonly timedOut: number
  /** The request or response body was larger than its limit. */
  readonly tooLarge: number
  /** Failed otherwise (connection, TLS, invalid URL, too many redirects). */
  readonly failed: number
}

export interface RunnerStats {
  readonly workers: readonly WorkerStats[]
  /** Worker processes started to replace one that died, since the runner started. */
  readonly workerRestarts: number
  readonly pendingCalls: number
}

export interface HookRunner {
  /** Runs one call. Never rejects: every failure is an outcome. */
  run(request: RunRequest): Promise<RunOutcome>
  /** Drops the warm isolates of a hook in every worker (after a save, a secrets change, a delete). */
  retire(hookId: string): void
  /** Stops every worker; pending calls end as `crash`. Bounded by a deadline. */
  close(): Promise<void>
  stats(): Promise<RunnerStats>
}

/** Reads a string field of a serialised error, or `undefined`. */
export function errorField(error: HookErrorBody, field: string): string | undefined {
  const value = Object.hasOwn(error, field) ? error[field] : undefined
  return typeof value === 'string' ? value : undefined
}

/** Fills the unset limits of a request with the defaults. */
export function resolveLimits(
  limits: Partial<RunLimits> | undefined,
  defaults: RunLimits = DEFAULT_RUN_LIMITS,
): RunLimits {
  return limits === undefined ? defaults : { ...defaults, ...stripUndefined(limits) }
}

function stripUndefined(limits: Partial<RunLimits>): Partial<RunLimits> {
  const out: Partial<Record<RunLimitName, number>> = {}
  for (const [key, value] of Object.entries(limits) as [RunLimitName, number | undefined][]) {
    if (value !== undefined) out[key] = value
  }
  return out
}
