/**
 * The state of the parent's worker pool (process-runner.ts), in one object: its settings as
 * resolved at start, its workers and their calls, the lanes and the counters. The parts of the pool
 * (calls.ts, supervisor.ts, process-runner.ts) take it as their first argument.
 */
import type { ChildProcess } from 'node:child_process'
import type { Socket } from 'node:net'
import type { Logger } from 'pino'
import type { Lane, LaneLimits } from '../lanes.js'
import type { FrameWriter, HookCode, RunMessage } from '../protocol.js'
import type { InjectedErrorClass, LateLogs, RunLimits, RunOutcome, WorkerStats } from '../runner.js'

export interface PendingCall {
  readonly id: number
  readonly hookId: string
  readonly startedAt: number
  readonly limits: RunLimits
  /** Set when the call is handed to a worker; a call waiting in its lane's queue has none. */
  worker: WorkerHandle | undefined
  readonly lane: Lane<PendingCall>
  settled: boolean
  readonly resolve: (outcome: RunOutcome) => void
  /** `performance.now()` value after which the parent answers the call itself. */
  readonly hostDeadlineAt: number
  /** The run message without its code, kept to resend it with the code on `need-code`. */
  readonly message: RunMessage
  /** The code, taken from the request when the call starts, sent when the worker needs it. */
  readonly code: HookCode
  readonly isolateKey: string
  /** The request's `onWorker`. */
  readonly onWorker: ((slot: number) => void) | undefined
}

export interface WorkerHandle {
  readonly index: number
  readonly child: ChildProcess
  readonly channel: Socket
  readonly writer: FrameWriter
  readonly calls: Map<number, PendingCall>
  /**
   * Isolates this worker was sent the code for. Runs for them go without the code (a script is
   * most of a run message); a worker that lost one answers `need-code`.
   */
  readonly sentCode: Set<string>
  readonly statsWaiters: Map<number, (stats: WorkerStats | undefined) => void>
  ready: boolean
  exited: boolean
  killReason: string | undefined
  probing: boolean
  readonly exitPromise: Promise<void>
}

/** A group of workers: `[start, start + size)` of the pool's workers. */
export interface WorkerGroup {
  readonly start: number
  readonly size: number
}

export interface PoolState {
  readonly logger: Logger
  /** Shared workers: `[0, poolSize)`. */
  readonly poolSize: number
  /** The workers of each dedicated lane, after the shared ones. */
  readonly groups: Map<string, WorkerGroup>
  readonly sharedGroup: WorkerGroup
  /** Niceness of the shared workers (0 when no lane has workers of its own). */
  readonly sharedNice: number
  readonly laneLimits: LaneLimits
  readonly lanes: Map<string, Lane<PendingCall>>
  /** The lane of calls that name none. */
  readonly noLane: Lane<PendingCall>
  readonly defaults: RunLimits
  readonly maxPendingCalls: number
  readonly onLateLogs: (late: LateLogs) => void
  /** The worker's entry file and the Node.js options it starts with. */
  readonly entry: { readonly path: string; readonly execArgv: string[] }
  /** The whole environment of a worker (its settings; nothing else of the server's). */
  readonly workerEnv: NodeJS.ProcessEnv
  readonly workers: (WorkerHandle | undefined)[]
  /** Deaths before `ready` in a row, per worker index (the restart delay grows with them). */
  readonly earlyDeaths: number[]
  readonly readyWaiters: Map<WorkerHandle, () => void>
  /** Injected class lists already validated (trigger definitions pass the same array each time). */
  readonly checkedClassLists: WeakSet<readonly InjectedErrorClass[]>
  nextId: number
  /** Calls waiting for an outcome, across all workers and lanes. */
  pending: number
  restarts: number
  closed: boolean
  /** Every worker was spawned once (a later spawn is a replacement). */
  started: boolean
  /** The host-deadline sweep (supervisor.ts `sweepHostDeadlines`), while calls are pending. */
  sweeper: NodeJS.Timeout | undefined
}
