/**
 * The live log of each hook (issue 18.5): every execution by a real request, success or failure,
 * with its console output, outcome and duration, kept in memory and handed to the listeners of
 * that hook (the dashboard's Live logs, `GET /api/v2/hooks/{id}/logs/stream`).
 *
 * It is fed by the dispatcher, the one place every extensibility point runs through, so no flow
 * can forget it, and it is not the tenant log: Auth0's log event types stay as they are (there
 * is no success event for post-user-registration), and `/api/v2/logs` lists only those.
 * docs/management-api.md ("Live log of a hook") describes it.
 */
import { randomBytes } from 'node:crypto'
import type { LogEntry } from '../sandbox/runner.js'

/** Executions kept per hook for a reconnecting stream, newest last. */
export const MAX_EXECUTIONS_PER_HOOK = 100
/** Hooks whose executions are kept; the one that ran least recently is dropped first. */
export const MAX_HOOKS_WITH_EXECUTIONS = 1_000

export interface HookExecution {
  /** `<process id>-<sequence>`: increasing within one server process. */
  readonly id: string
  /** When the execution ended, ISO 8601. */
  readonly date: string
  readonly hookId: string
  readonly hookName: string
  readonly triggerId: string
  readonly outcome: 'succeeded' | 'failed'
  /** How it failed: a sandbox outcome (`timeout`, `hook-error`, …), or `invalid-payload`. */
  readonly failure?: string
  /** The failure in one line (secrets removed). */
  readonly error?: string
  /** The failure policy `open` let the flow go on without the hook (issue 22). */
  readonly failedOpen?: boolean
  readonly durationMs: number
  /** The console output, as bounded by the sandbox, secrets removed. */
  readonly logs: readonly LogEntry[]
}

export type NewHookExecution = Omit<HookExecution, 'id' | 'date'>
export type HookExecutionListener = (execution: HookExecution) => void

/**
 * What the dispatcher and the live-log stream use: this process's log (one node, SQLite), or the
 * shared one that also shows the executions of the other nodes (PostgreSQL, shared-execution-log.ts).
 */
export interface HookExecutions {
  /** Records an execution that just ended here and hands it to the listeners of its hook. */
  record(entry: NewHookExecution): HookExecution
  /** The kept executions of a hook after `lastId` (all kept when `lastId` is not among them). */
  since(hookId: string, lastId: string): HookExecution[] | Promise<HookExecution[]>
  /** Calls `listener` with each execution of `hook` from now on; returns the function that stops it. */
  subscribe(hookId: string, listener: HookExecutionListener): () => void
}

const SEQUENCE_DIGITS = 12

/** One process's executions, by hook; listeners are called synchronously. */
export class HookExecutionLog implements HookExecutions {
  /** Tells this process's ids from another's (a restart, another node). */
  readonly #processId = randomBytes(4).toString('hex')
  #sequence = 0
  /** Map order is recency: a hook that runs moves to the end. */
  readonly #byHook = new Map<string, HookExecution[]>()
  readonly #listeners = new Map<string, Set<HookExecutionListener>>()
  readonly #now: () => number

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  /** The prefix of this process's execution ids (`<process id>-`). */
  get idPrefix(): string {
    return `${this.#processId}-`
  }

  record(entry: NewHookExecution): HookExecution {
    this.#sequence += 1
    const execution: HookExecution = {
      id: `${this.#processId}-${String(this.#sequence).padStart(SEQUENCE_DIGITS, '0')}`,
      date: new Date(this.#now()).toISOString(),
      ...entry,
    }
    this.#keep(execution)
    this.#notify(execution)
    return execution
  }

  /**
   * Keeps an execution another node recorded (in the order of the end dates) unless it is kept
   * already, and with `notify` hands it to the hook's listeners.
   */
  receive(execution: HookExecution, notify: boolean): void {
    const kept = this.#byHook.get(execution.hookId)
    if (kept?.some((e) => e.id === execution.id) !== true) this.#keep(execution)
    if (notify) this.#notify(execution)
  }

  /** Whether some stream of this process listens to `hookId`. */
  listened(hookId: string): boolean {
    return (this.#listeners.get(hookId)?.size ?? 0) > 0
  }

  #keep(execution: HookExecution): void {
    const kept = this.#byHook.get(execution.hookId) ?? []
    this.#byHook.delete(execution.hookId)
    let at = kept.length
    while (at > 0 && (kept[at - 1]?.date ?? '') > execution.date) at -= 1
    kept.splice(at, 0, execution)
    if (kept.length > MAX_EXECUTIONS_PER_HOOK) kept.shift()
    this.#byHook.set(execution.hookId, kept)
    if (this.#byHook.size > MAX_HOOKS_WITH_EXECUTIONS) {
      const oldest = this.#byHook.keys().next().value
      if (oldest !== undefined) this.#byHook.delete(oldest)
    }
  }

  #notify(execution: HookExecution): void {
    for (const listener of this.#listeners.get(execution.hookId) ?? []) {
      try {
        listener(execution)
      } catch {
        // A listener that fails (a stream closing) must not fail the flow that ran the hook.
      }
    }
  }

  /**
   * The kept executions of a hook after `lastId`: those kept after it, or all kept when it is not
   * among them (the stream reconnected to a restarted server, or `lastId` is too old).
   */
  since(hookId: string, lastId: string): HookExecution[] {
    const kept = this.#byHook.get(hookId) ?? []
    const at = kept.findIndex((execution) => execution.id === lastId)
    return at < 0 ? [...kept] : kept.slice(at + 1)
  }

  /** Calls `listener` with each execution of `hook` from now on; returns the function that stops it. */
  subscribe(hookId: string, listener: HookExecutionListener): () => void {
    const set = this.#listeners.get(hookId) ?? new Set()
    set.add(listener)
    this.#listeners.set(hookId, set)
    return () => {
      set.delete(listener)
      if (set.size === 0 && this.#listeners.get(hookId) === set) this.#listeners.delete(hookId)
    }
  }
}
