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
 * Writes tenant log events. Writing never fails the flow that logs: a storage error is reported
 * on the server log instead. Callers never put secrets or passwords in an event.
 */
export class TenantLog {
  readonly #store: TenantLogStore
  readonly #logger: Logger
  readonly #now: () => Date
  readonly #listeners = new Set<TenantLogListener>()
  readonly #onWritten: () => void

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

  async record(event: TenantLogEvent): Promise<TenantLogRecord | undefined> {
    try {
      const stored = await this.#store.appendLog({
        ...event,
        date: this.#now().toISOString(),
        description: event.description ?? TENANT_LOG_TYPES[event.type],
        details: event.details ?? {},
      })
      this.#onWritten()
      for (const listener of this.#listeners) {
        try {
          listener(stored)
        } catch (error) {
          this.#logger.warn({ err: error, event: 'tenant_log.listener_failed' }, 'listener failed')
        }
      }
      return stored
    } catch (error) {
      this.#logger.error(
        { err: error, event: 'tenant_log.failed', type: event.type },
        'tenant log write failed',
      )
      return undefined
    }
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
