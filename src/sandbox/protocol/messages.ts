/**
 * The messages of the parent ⇄ worker protocol, their size ceilings, and the key of a worker's
 * isolate.
 */
import type {
  InjectedErrorClass,
  LogEntry,
  RunLimits,
  SandboxModule,
  TimeoutOutcome,
  WorkerStats,
} from '../runner.js'

/** Largest frame the parent accepts from a worker (results and logs are capped well below). */
export const MAX_WORKER_FRAME_BYTES = 16 * 1024 * 1024

/** Largest frame a worker accepts from the parent (script and arguments). */
export const MAX_PARENT_FRAME_BYTES = 32 * 1024 * 1024

/**
 * A W3C trace-context `traceparent` value (version, trace id, parent id, flags, lowercase hex):
 * the only form the worker adds to a hook's outbound requests.
 */
export const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/

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
  /** `RunRequest.traceparent`, for the call's outbound requests. */
  readonly traceparent?: string
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
