/**
 * The state of one worker process (worker.ts), in one object: its settings, its warm isolates
 * (slots) and calls, its channel to the parent and its idle poll; with the types of a slot, a call
 * and a timer, and the few helpers every part of the worker uses to talk to the parent.
 */
import type ivm from 'isolated-vm-types'
import { loadIsolatedVm } from '../isolated-vm.js'
import type { FrameWriter, WorkerMessage, WorkerOutcome } from '../protocol.js'
import {
  DEFAULT_IDLE_POLL_US,
  DEFAULT_MAX_WARM_HEAP_MB,
  DEFAULT_MAX_WARM_ISOLATES,
  DEFAULT_MAX_WORKER_RSS_MB,
} from '../runner.js'
import type { LogEntry, RunLimits } from '../runner.js'

/** Calls between two heap samples of one isolate. */
export const HEAP_SAMPLE_EVERY_CALLS = 16

/** Limit of our own short entries (loading the wrapper, forgetting a call). */
export const INTERNAL_ENTRY_TIMEOUT_MS = 1_000

/** Exit code when isolated-vm reports a catastrophic error. */
export const EXIT_CATASTROPHIC = 70

/** Exit code when the worker passed its resident-memory ceiling (process-runner.ts replaces it). */
export const EXIT_MEMORY_CEILING = 71

export const CHANNEL_FD = 3

/** Names the runtime's frames in stack traces. */
export const RUNTIME_FILENAME = 'openhooks:runtime'

/** isolated-vm, the build for this Node.js (`ivm` names its types). */
export const isolatedVm = loadIsolatedVm()

export type Dispatch = (op: string, a?: unknown, b?: unknown, c?: unknown, d?: unknown) => unknown

export interface Timer {
  readonly id: number
  readonly call: Call
  readonly repeat: boolean
  readonly delayMs: number
  handle: NodeJS.Timeout | NodeJS.Immediate | undefined
}

export interface Call {
  readonly id: number
  readonly slot: Slot
  readonly limits: RunLimits
  readonly deadlineAt: number
  /** Added to the call's outbound requests that set none (`RunMessage.traceparent`). */
  readonly traceparent: string | undefined
  deadline: NodeJS.Timeout | undefined
  readonly logs: LogEntry[]
  lateLogs: LogEntry[]
  logBytes: number
  logsFull: boolean
  cpuNs: bigint
  timersCreated: number
  readonly timers: Set<Timer>
  /** Outbound requests in flight, by the isolate's request id (egress-client.ts). */
  readonly requests: Map<number, { abort(): void }>
  requestsStarted: number
  /** The isolate side has reported completion (so it forgets the call once its timers are gone). */
  completedInIsolate: boolean
  outcome: WorkerOutcome | undefined
  sent: boolean
  ended: boolean
}

export interface Slot {
  readonly key: string
  readonly hookId: string
  readonly memoryMb: number
  isolate: ivm.Isolate | undefined
  context: ivm.Context | undefined
  dispatch: ivm.Reference<Dispatch> | undefined
  /** Wrapped script candidates still to try when the module is first loaded (Q10). */
  candidates: ivm.Reference[]
  loaded: boolean
  compileError: string | undefined
  readonly calls: Map<number, Call>
  readonly timers: Map<number, Timer>
  /** Out of the LRU; disposed when its last call ends. */
  retired: boolean
  heapBytes: number
  finishedCalls: number
}

export type WorkerSettings = {
  readonly maxWarmIsolates: number
  readonly maxWarmHeapBytes: number
  /** See channel.ts `pollChannel`; 0 turns polling off. */
  readonly idlePollMs: number
  /** Resident memory of the process past which it is replaced (ceiling.ts `checkResident`). */
  readonly maxResidentBytes: number
}

/** The idle poll's state and counters (channel.ts). */
export interface IdlePollState {
  on: boolean
  /** `performance.now()` before which polling stays off (after a descheduled stop). */
  offUntil: number
  /** Frames the poll read, for the worker's stats (tests check that the poll runs at all). */
  frames: number
  /** Gaps in a poll that were not another process taking the CPU, and polls ended by one that was. */
  pauses: number
  backoffs: number
  /** `performance.now()` when the worker last went idle without polling. */
  idleSince: number
  /** Start of the current budget period, and the time spent waiting in polls during it (ms). */
  budgetStart: number
  budgetSpentMs: number
}

/** Everything a worker process holds between two events. */
export interface WorkerState {
  readonly settings: WorkerSettings
  /** Insertion order is recency order: a used slot is deleted and re-inserted. */
  readonly warm: Map<string, Slot>
  readonly retiredSlots: Set<Slot>
  /** Calls whose outcome is to be sent after the current entry (entries.ts `settle`). */
  readonly outbox: Call[]
  writer: FrameWriter | undefined
  /** Calls of this worker that are not over (outcome sent and background work done or dropped). */
  liveCalls: number
  /** Calls to end (timers dropped, isolate-side state forgotten) once the current entry is over. */
  readonly pendingEnds: Set<Call>
  /** Calls whose completion or timers changed during the current entry. */
  readonly touched: Set<Call>
  readonly poll: IdlePollState
  /** Isolates created (cold starts) since this worker started (WorkerStats). */
  isolatesCreated: number
  /** Outbound requests of hooks by outcome since this worker started (WorkerStats). */
  readonly egress: {
    sent: number
    refused: number
    timedOut: number
    tooLarge: number
    failed: number
  }
}

// The worker is an entry point of its own: its settings come from the environment that
// process-runner.ts gives it (and nothing else is in that environment).

function settingsFromEnv(): WorkerSettings {
  return {
    maxWarmIsolates: positiveIntFromEnv(
      'OPENHOOKS_SANDBOX_MAX_WARM_ISOLATES',
      DEFAULT_MAX_WARM_ISOLATES,
    ),
    maxWarmHeapBytes:
      positiveIntFromEnv('OPENHOOKS_SANDBOX_MAX_WARM_HEAP_MB', DEFAULT_MAX_WARM_HEAP_MB) *
      1024 *
      1024,
    idlePollMs:
      nonNegativeIntFromEnv('OPENHOOKS_SANDBOX_IDLE_POLL_US', DEFAULT_IDLE_POLL_US) / 1000,
    maxResidentBytes:
      positiveIntFromEnv('OPENHOOKS_SANDBOX_MAX_RSS_MB', DEFAULT_MAX_WORKER_RSS_MB) * 1024 * 1024,
  }
}

/** The state of this worker process. */
export const state: WorkerState = {
  settings: settingsFromEnv(),
  warm: new Map(),
  retiredSlots: new Set(),
  outbox: [],
  writer: undefined,
  liveCalls: 0,
  pendingEnds: new Set(),
  touched: new Set(),
  poll: {
    on: true,
    offUntil: 0,
    frames: 0,
    pauses: 0,
    backoffs: 0,
    idleSince: 0,
    budgetStart: 0,
    budgetSpentMs: 0,
  },
  isolatesCreated: 0,
  egress: { sent: 0, refused: 0, timedOut: 0, tooLarge: 0, failed: 0 },
}

function positiveIntFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]
  const value = raw === undefined ? NaN : Number(raw)
  return Number.isSafeInteger(value) && value > 0 ? value : fallback
}

function nonNegativeIntFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]
  const value = raw === undefined ? NaN : Number(raw)
  return Number.isSafeInteger(value) && value >= 0 ? value : fallback
}

export function send(message: WorkerMessage): void {
  state.writer?.write(message)
}

export function note(
  level: 'info' | 'warn' | 'error',
  event: string,
  hookId?: string,
  detail?: string,
) {
  send({
    t: 'note',
    level,
    event,
    ...(hookId !== undefined ? { hookId } : undefined),
    ...(detail !== undefined ? { detail } : undefined),
  })
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
