/**
 * The tenant log as a live feed for the whole cluster (issue 20): every node reads the events
 * stored after the last one it delivered, by their commit order `seq` (migration 0008), so a stream
 * opened on any node shows the events written by every node, in that order, and skips none while
 * it is open. A node reads when the change bus says some node wrote (`TENANT_LOG_CHANGE_KIND`), and
 * every `TENANT_LOG_FEED_POLL_MS` anyway in case that notification is lost. Nothing is read while
 * nobody listens.
 *
 * PostgreSQL hands out `seq` numbers at insert and makes them visible at commit, so for a moment a
 * larger number may be visible before a smaller one: the feed stops at such a hole and waits for
 * it (briefly: an insert commits within its statement timeout), and gives up on it after
 * `gapWaitMs` (an insert that failed leaves a hole for good).
 */
import type { Logger } from '../logging/logger.js'
import type { ChangeBus } from '../storage/changes.js'
import type { SequencedTenantLog, TenantLogStore } from '../storage/store.js'

/** The change-bus kind a node publishes after it wrote tenant log events. */
export const TENANT_LOG_CHANGE_KIND = 'tenant-log'
/** The feed reads at least this often while someone listens, in milliseconds (lost notifications). */
export const TENANT_LOG_FEED_POLL_MS = 1_000
/** Events read in one query. */
export const TENANT_LOG_FEED_BATCH = 200
/** How soon the feed looks again at a hole in `seq`, in milliseconds. */
export const TENANT_LOG_FEED_GAP_RETRY_MS = 20
/** Default longest wait for a hole in `seq` to fill, in milliseconds (see `gapWaitMs`). */
export const DEFAULT_TENANT_LOG_GAP_WAIT_MS = 10_000
/**
 * Shortest time between two "tenant log written" notifications of one node, in milliseconds: a
 * busy node wakes the others at most this often (one notification covers every event before it),
 * instead of once per event.
 */
export const TENANT_LOG_WAKE_INTERVAL_MS = 10

export type TenantLogFeedListener = (event: SequencedTenantLog) => void

export interface TenantLogFeedSubscription {
  /** Events up to this `seq` were stored before the subscription; later ones reach the listener. */
  readonly cursor: number
  readonly unsubscribe: () => void
}

/**
 * Tells the other nodes (and this one) that events were written, at most once per
 * `TENANT_LOG_WAKE_INTERVAL_MS`; the last call in an interval is never dropped.
 */
export function tenantLogWaker(changes: ChangeBus): () => void {
  let lastMs = -Infinity
  let timer: NodeJS.Timeout | undefined
  const publish = (): void => {
    timer = undefined
    lastMs = performance.now()
    changes.publish({ kind: TENANT_LOG_CHANGE_KIND, id: '' })
  }
  return () => {
    if (timer !== undefined) return
    const wait = lastMs + TENANT_LOG_WAKE_INTERVAL_MS - performance.now()
    if (wait <= 0) publish()
    else {
      timer = setTimeout(publish, wait)
      timer.unref()
    }
  }
}

/** One per process: shared by every open stream. */
export class TenantLogFeed {
  readonly #store: TenantLogStore
  readonly #changes: ChangeBus
  readonly #logger: Logger
  readonly #gapWaitMs: number
  readonly #listeners = new Set<TenantLogFeedListener>()
  /** The `seq` of the last event delivered (or skipped); undefined while stopped. */
  #cursor: number | undefined
  #starting: Promise<number> | undefined
  #reading = false
  #again = false
  /** When the feed first saw the hole after `#cursor` (`performance.now()`). */
  #gapSince: number | undefined
  #timer: NodeJS.Timeout | undefined
  #retry: NodeJS.Timeout | undefined
  #unsubscribeChanges: (() => void) | undefined

  constructor(options: {
    readonly store: TenantLogStore
    readonly changes: ChangeBus
    readonly logger: Logger
    /** Longest wait for a hole in `seq`, in milliseconds: more than the statement timeout. */
    readonly gapWaitMs?: number
  }) {
    this.#store = options.store
    this.#changes = options.changes
    this.#logger = options.logger
    this.#gapWaitMs = options.gapWaitMs ?? DEFAULT_TENANT_LOG_GAP_WAIT_MS
  }

  /** Calls `listener` with every event stored from now on, by any node, in `seq` order. */
  async subscribe(listener: TenantLogFeedListener): Promise<TenantLogFeedSubscription> {
    while (this.#cursor === undefined) await this.#start()
    // Read after the wait: a read may have moved the cursor before this listener was added.
    const cursor = this.#cursor
    this.#listeners.add(listener)
    return {
      cursor,
      unsubscribe: () => {
        this.#listeners.delete(listener)
        if (this.#listeners.size === 0) this.#stop()
      },
    }
  }

  #start(): Promise<number> {
    this.#starting ??= (async () => {
      try {
        const last = await this.#store.lastLogSeq()
        this.#cursor ??= last
        this.#unsubscribeChanges = this.#changes.subscribe(TENANT_LOG_CHANGE_KIND, () => {
          void this.#read()
        })
        this.#timer = setInterval(() => void this.#read(), TENANT_LOG_FEED_POLL_MS)
        this.#timer.unref()
        return this.#cursor
      } finally {
        this.#starting = undefined
      }
    })()
    return this.#starting
  }

  #stop(): void {
    this.#unsubscribeChanges?.()
    this.#unsubscribeChanges = undefined
    clearInterval(this.#timer)
    clearTimeout(this.#retry)
    this.#cursor = undefined
    this.#gapSince = undefined
  }

  /** Reads and delivers what follows the cursor; a read asked for during a read runs after it. */
  async #read(): Promise<void> {
    if (this.#reading) {
      this.#again = true
      return
    }
    this.#reading = true
    try {
      do {
        this.#again = false
        await this.#readOnce()
      } while (this.#askedAgain())
    } catch (error) {
      this.#logger.warn({ err: error, event: 'tenant_log.feed_failed' }, 'log feed read failed')
    } finally {
      this.#reading = false
    }
  }

  /** A read was asked for while the last one ran (a separate method: the flag changes across awaits). */
  #askedAgain(): boolean {
    return this.#again && this.#cursor !== undefined
  }

  async #readOnce(): Promise<void> {
    for (;;) {
      const cursor = this.#cursor
      if (cursor === undefined) return
      const events = await this.#store.listLogsBySeq({
        afterSeq: cursor,
        take: TENANT_LOG_FEED_BATCH,
      })
      if (this.#cursor !== cursor) return // stopped (and maybe restarted) meanwhile
      for (const event of events) {
        if (event.seq !== this.#cursor + 1 && !this.#holeExpired()) {
          this.#retryAfterHole()
          return
        }
        this.#gapSince = undefined
        this.#cursor = event.seq
        for (const listener of this.#listeners) {
          try {
            listener(event)
          } catch (error) {
            this.#logger.warn({ err: error, event: 'tenant_log.listener_failed' }, 'failed')
          }
        }
      }
      if (events.length < TENANT_LOG_FEED_BATCH) return
    }
  }

  #holeExpired(): boolean {
    const now = performance.now()
    this.#gapSince ??= now
    if (now - this.#gapSince < this.#gapWaitMs) return false
    this.#logger.warn(
      { event: 'tenant_log.feed_gap_skipped', afterSeq: this.#cursor },
      'a tenant log number never appeared (an insert failed); the live stream goes on after it',
    )
    return true
  }

  #retryAfterHole(): void {
    if (this.#retry !== undefined) return
    this.#retry = setTimeout(() => {
      this.#retry = undefined
      void this.#read()
    }, TENANT_LOG_FEED_GAP_RETRY_MS)
    this.#retry.unref()
  }
}
