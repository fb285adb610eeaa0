/**
 * The hooks' live logs across the nodes of a cluster (issue 20, docs/cluster.md): each node keeps
 * its executions in memory as on one node (execution-log.ts) and also writes them, in batches, to
 * the table `hook_executions`; the change bus then says "hook H has new executions", and every
 * node with a live log of H open reads the rows it has not seen and hands them to its streams.
 *
 * Not NOTIFY with the execution in it: console output (up to the sandbox's log limit, 64 KiB by
 * default) does not fit PostgreSQL's 8000-byte payload, and it must not be cut silently. The table
 * is bounded: each hook's newest MAX_EXECUTIONS_PER_HOOK rows younger than
 * STORED_EXECUTION_MAX_AGE_MS, pruned by whichever node writes. Executions hold console output
 * with the hook's secrets already removed (the dispatcher redacts before recording).
 *
 * Only executions some node streams are written: a node with a live log of a hook open says so on
 * the bus (`hook-execution-watch`, the hook's id) when the first stream opens and every
 * EXECUTION_WATCH_RENEW_MS after, and the nodes write that hook's executions until
 * EXECUTION_WATCH_TTL_MS after the last word. A node learning of a watch late (the notice on its
 * way, the node starting: it asks with an empty id, and the watching nodes answer) writes the
 * executions of the last EXECUTION_BACKFILL_MS it keeps in memory then. The token endpoint's hook
 * is not written on every exchange when no one looks (issue 20).
 */
import type { Logger } from '../logging/logger.js'
import type { ClusterStore, StoredHookExecution } from '../storage/store.js'
import {
  MAX_EXECUTIONS_PER_HOOK,
  type HookExecution,
  type HookExecutionListener,
  type HookExecutionLog,
  type HookExecutions,
  type NewHookExecution,
} from './execution-log.js'

/** The change-bus kind that says a hook (the id) has new stored executions. */
export const HOOK_EXECUTION_CHANGE_KIND = 'hook-execution'
/** How long a recorded execution waits to be written with the next ones, in milliseconds. */
export const EXECUTION_FLUSH_DELAY_MS = 10
/** Executions written in one statement at most; more wait for the next batch. */
export const MAX_EXECUTIONS_PER_BATCH = 200
/** Executions waiting to be written at most; beyond it (database unreachable) the oldest are dropped. */
export const MAX_QUEUED_EXECUTIONS = 2_000
/** How long stored executions are kept, in milliseconds. */
export const STORED_EXECUTION_MAX_AGE_MS = 60 * 60 * 1000
/** How often a writing node prunes the stored executions, at most, in milliseconds. */
export const EXECUTION_PRUNE_INTERVAL_MS = 60_000
/**
 * How often a node with open live logs reads the new executions even without a notification (one
 * lost, or the bus reconnecting), in milliseconds.
 */
export const EXECUTION_POLL_INTERVAL_MS = 1_000
/** Rows read for one hook at most per read. */
export const MAX_EXECUTIONS_PER_READ = 500
/**
 * The change-bus kind by which a node says it has a live log of a hook (the id) open, or asks
 * which hooks the other nodes stream (the empty id).
 */
export const HOOK_EXECUTION_WATCH_KIND = 'hook-execution-watch'
/** How often a node with a live log of a hook open says so again, in milliseconds. */
export const EXECUTION_WATCH_RENEW_MS = 10_000
/** How long the nodes write a hook's executions after the last word that one streams it, in ms. */
export const EXECUTION_WATCH_TTL_MS = 3 * EXECUTION_WATCH_RENEW_MS
/**
 * How far back a node writes the executions it keeps of a hook when it learns that the hook is
 * streamed, in milliseconds: those that ended while the notice was on its way.
 */
export const EXECUTION_BACKFILL_MS = 5_000

/** What this node reads of one hook while some stream of it is open here. */
interface Watched {
  /** When the first stream opened (epoch ms): older executions are kept, not streamed. */
  readonly openedMs: number
  /** Ids read already, with their end, forgotten once older than the look-back. */
  readonly seen: Map<string, number>
  /** The newest end read, epoch ms. */
  newestMs: number
  /** The first read has not been done yet. */
  first: boolean
  reading: Promise<void> | undefined
  again: boolean
}

/** The change bus as this log uses it (storage/changes.ts, ADR 0008). */
export interface ExecutionChanges {
  publish(change: { readonly kind: string; readonly id: string }): void
  subscribe(kind: string, listener: (id: string | undefined) => void): () => void
}

export interface SharedExecutionLogOptions {
  readonly local: HookExecutionLog
  readonly store: Pick<
    ClusterStore,
    'insertHookExecutions' | 'listHookExecutions' | 'pruneHookExecutions'
  >
  readonly changes: ExecutionChanges
  readonly logger: Logger
  /**
   * How far back each read looks, in milliseconds: a row is visible at its commit, which may come
   * after rows that ended later (another node's batch, its statement timeout).
   */
  readonly lookBackMs: number
  readonly now?: () => number
}

export class SharedHookExecutionLog implements HookExecutions {
  readonly #local: HookExecutionLog
  readonly #store: SharedExecutionLogOptions['store']
  readonly #changes: ExecutionChanges
  readonly #logger: Logger
  readonly #lookBackMs: number
  readonly #now: () => number
  readonly #queue: StoredHookExecution[] = []
  #flushTimer: NodeJS.Timeout | undefined
  #flushing: Promise<void> | undefined
  #lastPruneMs = 0
  readonly #watched = new Map<string, Watched>()
  /** Hooks some node (this one included) streams, and until when their executions are written. */
  readonly #streamed = new Map<string, number>()
  #announcedMs = 0
  readonly #poll: NodeJS.Timeout
  readonly #unsubscribe: () => void
  readonly #unsubscribeWatch: () => void
  #closed = false

  constructor(options: SharedExecutionLogOptions) {
    this.#local = options.local
    this.#store = options.store
    this.#changes = options.changes
    this.#logger = options.logger
    this.#lookBackMs = options.lookBackMs
    this.#now = options.now ?? Date.now
    this.#unsubscribe = this.#changes.subscribe(HOOK_EXECUTION_CHANGE_KIND, (hookId) => {
      if (hookId === undefined) for (const id of this.#watched.keys()) this.#read(id)
      else if (this.#watched.has(hookId)) this.#read(hookId)
    })
    this.#unsubscribeWatch = this.#changes.subscribe(HOOK_EXECUTION_WATCH_KIND, (hookId) => {
      // Undefined: the bus reconnected and notices may be lost; ask again, and answer.
      if (hookId === undefined) this.#ask()
      else if (hookId === '') this.#announce()
      else this.#streamedBySomeNode(hookId)
    })
    this.#poll = setInterval(() => {
      for (const id of this.#watched.keys()) this.#read(id)
      const now = this.#now()
      if (now - this.#announcedMs >= EXECUTION_WATCH_RENEW_MS) this.#announce()
      for (const [id, untilMs] of this.#streamed) if (untilMs <= now) this.#streamed.delete(id)
    }, EXECUTION_POLL_INTERVAL_MS)
    this.#poll.unref()
    // Which hooks do the other nodes stream already?
    this.#ask()
  }

  record(entry: NewHookExecution): HookExecution {
    const execution = this.#local.record(entry)
    if ((this.#streamed.get(execution.hookId) ?? 0) > this.#now()) this.#enqueue(execution)
    return execution
  }

  #enqueue(execution: HookExecution): void {
    this.#queue.push({
      id: execution.id,
      hookId: execution.hookId,
      endedMs: Date.parse(execution.date),
      body: JSON.stringify(execution),
    })
    if (this.#queue.length > MAX_QUEUED_EXECUTIONS) this.#queue.shift()
    this.#schedule()
  }

  /** Asks the nodes which hooks they stream (and says which this one does). */
  #ask(): void {
    this.#changes.publish({ kind: HOOK_EXECUTION_WATCH_KIND, id: '' })
  }

  /** Says which hooks this node streams. */
  #announce(): void {
    this.#announcedMs = this.#now()
    for (const hookId of this.#watched.keys()) {
      this.#changes.publish({ kind: HOOK_EXECUTION_WATCH_KIND, id: hookId })
    }
  }

  /** A node streams `hookId`: write its executions, from the recent ones kept here on. */
  #streamedBySomeNode(hookId: string): void {
    const now = this.#now()
    const wasStreamed = (this.#streamed.get(hookId) ?? 0) > now
    this.#streamed.set(hookId, now + EXECUTION_WATCH_TTL_MS)
    if (wasStreamed) return
    for (const execution of this.#local.since(hookId, '')) {
      if (
        execution.id.startsWith(this.#local.idPrefix) &&
        Date.parse(execution.date) >= now - EXECUTION_BACKFILL_MS &&
        !this.#queue.some((queued) => queued.id === execution.id)
      ) {
        this.#enqueue(execution)
      }
    }
  }

  /** Starts the next batch after EXECUTION_FLUSH_DELAY_MS unless one is pending or running. */
  #schedule(): void {
    if (this.#flushTimer !== undefined || this.#flushing !== undefined || this.#closed) return
    if (this.#queue.length === 0) return
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined
      this.#flushing = this.#flush().finally(() => {
        this.#flushing = undefined
        this.#schedule()
      })
    }, EXECUTION_FLUSH_DELAY_MS)
  }

  /** Writes the queued executions, then tells the nodes which hooks have new ones. */
  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, MAX_EXECUTIONS_PER_BATCH)
      try {
        await this.#store.insertHookExecutions(batch)
      } catch (err) {
        this.#logger.warn(
          { err, event: 'hook_executions.write_failed', lost: batch.length },
          'executions could not be stored: live logs on other nodes miss them',
        )
        continue
      }
      for (const hookId of new Set(batch.map((e) => e.hookId))) {
        this.#changes.publish({ kind: HOOK_EXECUTION_CHANGE_KIND, id: hookId })
      }
    }
    const now = this.#now()
    if (now - this.#lastPruneMs >= EXECUTION_PRUNE_INTERVAL_MS) {
      this.#lastPruneMs = now
      try {
        await this.#store.pruneHookExecutions(
          now - STORED_EXECUTION_MAX_AGE_MS,
          MAX_EXECUTIONS_PER_HOOK,
        )
      } catch (err) {
        this.#logger.warn({ err, event: 'hook_executions.prune_failed' }, 'pruning failed')
      }
    }
  }

  /**
   * On a reconnect: reads the stored executions of the hook first (another node ran them, or
   * this node restarted), then answers from what this node keeps.
   */
  async since(hookId: string, lastId: string): Promise<HookExecution[]> {
    const rows = await this.#store.listHookExecutions(
      hookId,
      this.#now() - STORED_EXECUTION_MAX_AGE_MS,
      MAX_EXECUTIONS_PER_HOOK,
    )
    for (const row of rows) {
      if (!row.id.startsWith(this.#local.idPrefix)) this.#local.receive(parse(row), false)
    }
    return this.#local.since(hookId, lastId)
  }

  subscribe(hookId: string, listener: HookExecutionListener): () => void {
    if (!this.#watched.has(hookId)) {
      const openedMs = this.#now()
      this.#watched.set(hookId, {
        openedMs,
        seen: new Map(),
        newestMs: openedMs,
        first: true,
        reading: undefined,
        again: false,
      })
      // Every node (this one through its own bus) starts writing the hook's executions.
      this.#changes.publish({ kind: HOOK_EXECUTION_WATCH_KIND, id: hookId })
      this.#read(hookId)
    }
    const stop = this.#local.subscribe(hookId, listener)
    return () => {
      stop()
      if (!this.#local.listened(hookId)) this.#watched.delete(hookId)
    }
  }

  /** Reads `hookId`'s new rows; one read per hook at a time, one more if asked meanwhile. */
  #read(hookId: string): void {
    const watched = this.#watched.get(hookId)
    if (watched === undefined) return
    if (watched.reading !== undefined) {
      watched.again = true
      return
    }
    watched.reading = this.#readOnce(hookId, watched)
      .catch((err: unknown) => {
        this.#logger.warn(
          { err, event: 'hook_executions.read_failed', hookId },
          'live log: executions of other nodes could not be read',
        )
      })
      .finally(() => {
        watched.reading = undefined
        if (watched.again && this.#watched.get(hookId) === watched) {
          watched.again = false
          this.#read(hookId)
        }
      })
  }

  async #readOnce(hookId: string, watched: Watched): Promise<void> {
    const fromMs = (watched.first ? watched.openedMs : watched.newestMs) - this.#lookBackMs
    const rows = await this.#store.listHookExecutions(hookId, fromMs, MAX_EXECUTIONS_PER_READ)
    watched.first = false
    for (const row of rows) {
      if (watched.seen.has(row.id)) continue
      watched.seen.set(row.id, row.endedMs)
      watched.newestMs = Math.max(watched.newestMs, row.endedMs)
      // This node's own were streamed when they were recorded.
      if (row.id.startsWith(this.#local.idPrefix)) continue
      // What ended before the first stream opened is history, not live, whenever it is read (a
      // node writes what ended shortly before it learnt of the stream).
      this.#local.receive(parse(row), row.endedMs >= watched.openedMs)
    }
    const forgetBefore = watched.newestMs - 2 * this.#lookBackMs
    for (const [id, endedMs] of watched.seen) {
      if (endedMs < forgetBefore) watched.seen.delete(id)
    }
  }

  /** Stops reading and writes what is queued (bounded by the store's statement timeout). */
  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#poll)
    this.#unsubscribe()
    this.#unsubscribeWatch()
    if (this.#flushTimer !== undefined) {
      clearTimeout(this.#flushTimer)
      this.#flushTimer = undefined
    }
    await this.#flushing
    await this.#flush()
  }
}

function parse(row: StoredHookExecution): HookExecution {
  return JSON.parse(row.body) as HookExecution
}
