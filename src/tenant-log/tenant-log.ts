import { AsyncResource } from 'node:async_hooks'
import type { Logger } from '../logging/logger.js'
import type { TenantLogRecord, TenantLogStore } from '../storage/store.js'

/**
 * Auth0's log event types that openhooks writes (compat §5), so that existing log tooling reads
 * them.
 */
export const TENANT_LOG_TYPES = {
  seccft: 'Success Exchange (Client Credentials for Access Token)',
  feccft: 'Failed Exchange (Client Credentials for Access Token)',
  sepft: 'Success Exchange (Password for Access Token)',
  fepft: 'Failed Exchange (Password for Access Token)',
  seoobft: 'Success Exchange (Password and OOB Challenge for Access Token)',
  feoobft: 'Failed Exchange (Password and OOB Challenge for Access Token)',
  ss: 'Success Signup',
  fs: 'Failed Signup',
  fpurh: 'Failed Post User Registration Hook',
  scph: 'Success Post Change Password Hook',
  fcph: 'Failed Post Change Password Hook',
  gd_send_sms: 'MFA SMS Sent',
  gd_send_sms_failure: 'Error Sending MFA SMS',
  gd_enrollment_complete: 'Guardian Enrollment Complete',
  gd_auth_succeed: 'OTP Auth success',
  gd_auth_failed: 'OTP Auth failed',
  gd_otp_rate_limit_exceed: 'Too many failures',
  gd_send_voice: 'MFA Voice Call Sent',
  gd_send_voice_failure: 'Error Sending MFA Voice Call',
  s: 'Success Login',
  fp: 'Failed Login (Incorrect Password)',
  fu: 'Failed Login (Invalid Email/Username)',
  limit_mu: 'Blocked IP Address',
  limit_wc: 'Blocked Account',
  slo: 'Success Logout',
  sapi: 'Success API Operation',
  fapi: 'Failed API Operation',
} as const

export type TenantLogType = keyof typeof TENANT_LOG_TYPES

/** Receives every event as it is written (the dashboard's real-time stream). */
export type TenantLogListener = (event: TenantLogRecord) => void

/** How often old tenant log events are deleted, in milliseconds. */
export const TENANT_LOG_PRUNE_INTERVAL_MS = 10 * 60 * 1000
const DAY_MS = 24 * 60 * 60 * 1000

export type TenantLogEvent = Omit<TenantLogRecord, 'logId' | 'date' | 'type' | 'details'> & {
  readonly type: TenantLogType
  readonly details?: Readonly<Record<string, unknown>>
}

/**
 * Longest an event waits in memory before its batch is written, in milliseconds: with
 * {@link TENANT_LOG_MAX_BATCH}, the most a crash can lose (issue 23, docs/performance.md).
 */
export const TENANT_LOG_MAX_DELAY_MS = 20
/** Events written in one statement; a batch this full is written at once. */
export const TENANT_LOG_MAX_BATCH = 200
/**
 * Events waiting to be written (a database that stopped answering): past it, new events are
 * dropped, counted ({@link TenantLog.dropped}) and reported on the server log.
 */
export const TENANT_LOG_MAX_QUEUED = 10_000
/** At most one server log line about dropped events per this interval, in milliseconds. */
export const TENANT_LOG_DROP_REPORT_INTERVAL_MS = 1_000

type Entry = Omit<TenantLogRecord, 'logId'>

interface Queued {
  readonly entry: Entry
  readonly done: (stored: TenantLogRecord | undefined) => void
}

/**
 * Writes tenant log events, in small batches off the request path (group commit, issue 23): an
 * event is written at most {@link TENANT_LOG_MAX_DELAY_MS} after it was recorded, or at once when
 * {@link TENANT_LOG_MAX_BATCH} are waiting; `flush()` writes what is waiting now and `close()`
 * writes everything before shutdown. Writing never fails the flow that logs: a storage error is
 * reported on the server log, and every event lost to it or to a full queue is counted. Callers
 * never put secrets or passwords in an event.
 */
export class TenantLog {
  readonly #store: TenantLogStore
  readonly #logger: Logger
  readonly #now: () => Date
  readonly #listeners = new Set<TenantLogListener>()
  readonly #onWritten: () => void
  #queue: Queued[] = []
  /** Events taken from the queue whose write has not finished. */
  #writing = 0
  /** The chain of batch writes: one at a time, in order. */
  #written: Promise<void> = Promise.resolve()
  #timer: NodeJS.Timeout | undefined
  #dropped = 0
  #droppedReported = 0
  #lastDropReport = Number.NEGATIVE_INFINITY
  #closed = false
  /**
   * The async context the batches are written in: the one this log was made in (the start), not
   * the request whose event filled or started a batch. A batch holds the events of many requests,
   * so its INSERT belongs to none of their traces (docs/observability.md).
   */
  readonly #scope = new AsyncResource('openhooks.tenant-log')

  /** `onWritten` is called after each stored event (it wakes every node's `TenantLogFeed`). */
  constructor(
    store: TenantLogStore,
    logger: Logger,
    now: () => Date = () => new Date(),
    onWritten: () => void = () => {},
  ) {
    this.#store = store
    this.#logger = logger
    this.#now = now
    this.#onWritten = onWritten
  }

  /**
   * Calls `listener` with every event written from now on, in this process. Returns the function
   * that stops it. The live streams use `TenantLogFeed` instead, which sees every node's events.
   */
  subscribe(listener: TenantLogListener): () => void {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  /** Events lost since the start: the queue was full, or their batch could not be written. */
  get dropped(): number {
    return this.#dropped
  }

  /**
   * Queues an event; resolves with it once written (`undefined` if it was dropped). Flows need
   * not wait: the event is written within {@link TENANT_LOG_MAX_DELAY_MS} either way.
   */
  record(event: TenantLogEvent): Promise<TenantLogRecord | undefined> {
    const entry: Entry = {
      ...event,
      date: this.#now().toISOString(),
      description: event.description ?? TENANT_LOG_TYPES[event.type],
      details: event.details ?? {},
    }
    if (this.#queue.length + this.#writing >= TENANT_LOG_MAX_QUEUED) {
      this.#drop(1, event.type)
      return Promise.resolve(undefined)
    }
    return new Promise((done) => {
      this.#queue.push({ entry, done })
      if (this.#closed || this.#queue.length >= TENANT_LOG_MAX_BATCH) void this.flush()
      else {
        this.#timer ??= this.#scope.runInAsyncScope(() =>
          setTimeout(() => void this.flush(), TENANT_LOG_MAX_DELAY_MS),
        )
      }
    })
  }

  /** Writes every event recorded so far; resolves when they are written (or counted as lost). */
  flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    }
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, TENANT_LOG_MAX_BATCH)
      this.#writing += batch.length
      this.#written = this.#scope.runInAsyncScope(() =>
        this.#written.then(() => this.#write(batch)),
      )
    }
    return this.#written
  }

  /** Writes what is queued and writes later events at once (shutdown). */
  async close(): Promise<void> {
    this.#closed = true
    await this.flush()
  }

  async #write(batch: readonly Queued[]): Promise<void> {
    let stored: TenantLogRecord[] | undefined
    try {
      stored = await this.#store.appendLogs(batch.map((q) => q.entry))
      this.#onWritten()
    } catch (error) {
      this.#logger.error(
        { err: error, event: 'tenant_log.failed', events: batch.length },
        'tenant log write failed; its events are lost',
      )
      this.#drop(batch.length, undefined)
    } finally {
      this.#writing -= batch.length
    }
    for (let i = 0; i < batch.length; i++) {
      const record = stored?.[i]
      batch[i]?.done(record)
      if (record !== undefined) this.#notify(record)
    }
  }

  #notify(record: TenantLogRecord): void {
    for (const listener of this.#listeners) {
      try {
        listener(record)
      } catch (error) {
        this.#logger.warn({ err: error, event: 'tenant_log.listener_failed' }, 'listener failed')
      }
    }
  }

  /** Counts lost events and says so on the server log, at most once per interval. */
  #drop(count: number, type: TenantLogType | undefined): void {
    this.#dropped += count
    const now = Date.now()
    if (now - this.#lastDropReport < TENANT_LOG_DROP_REPORT_INTERVAL_MS) return
    this.#lastDropReport = now
    this.#logger.error(
      {
        event: 'tenant_log.dropped',
        dropped: this.#dropped - this.#droppedReported,
        droppedTotal: this.#dropped,
        ...(type !== undefined ? { type } : undefined),
      },
      'tenant log events dropped',
    )
    this.#droppedReported = this.#dropped
  }
}

/**
 * Deletes tenant log events older than `retentionDays` and beyond `maxEvents`, now and every
 * `TENANT_LOG_PRUNE_INTERVAL_MS`. Returns the function that stops it.
 */
export function startTenantLogRetention(options: {
  readonly store: TenantLogStore
  readonly retentionDays: number
  readonly maxEvents: number
  readonly logger: Logger
  readonly now?: () => Date
}): () => void {
  const now = options.now ?? (() => new Date())
  const prune = async (): Promise<void> => {
    const before = new Date(now().getTime() - options.retentionDays * DAY_MS).toISOString()
    try {
      const removed = await options.store.pruneLogs(before, options.maxEvents)
      if (removed > 0) {
        options.logger.info(
          { event: 'tenant_log.pruned', removed, before },
          'old log events deleted',
        )
      }
    } catch (error) {
      options.logger.error({ err: error, event: 'tenant_log.prune_failed' }, 'pruning failed')
    }
  }
  void prune()
  const timer = setInterval(() => void prune(), TENANT_LOG_PRUNE_INTERVAL_MS)
  timer.unref()
  return () => {
    clearInterval(timer)
  }
}

/**
 * `store` whose log reads first write what `log` has queued, so that a reader on this node sees
 * every event recorded before its read (the Management API, the log stream, tests).
 */
export function readAfterFlush<S extends TenantLogStore>(store: S, log: TenantLog): S {
  const listLogs: TenantLogStore['listLogs'] = async (query) => {
    await log.flush()
    return store.listLogs(query)
  }
  const getLog: TenantLogStore['getLog'] = async (logId) => {
    await log.flush()
    return store.getLog(logId)
  }
  return new Proxy(store, {
    get(target, property) {
      if (property === 'listLogs') return listLogs
      if (property === 'getLog') return getLog
      const value: unknown = Reflect.get(target, property, target)
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value
    },
  })
}
