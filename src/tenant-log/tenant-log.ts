import type { Logger } from '../logging/logger.js'
import type { TenantLogRecord, TenantLogStore } from '../storage/store.js'

/**
 * Auth0's log event types that openhooks writes (compat §5), so that existing log tooling reads
 * them.
 */
export const TENANT_LOG_TYPES = {
  seccft: 'Success Exchange (Client Credentials for Access Token)',
  feccft: 'Failed Exchange (Client Credentials for Access Token)',
  ss: 'Success Signup',
  fs: 'Failed Signup',
  fpurh: 'Failed Post User Registration Hook',
  scph: 'Success Post Change Password Hook',
  fcph: 'Failed Post Change Password Hook',
  gd_send_sms: 'MFA SMS Sent',
  gd_send_sms_failure: 'Error Sending MFA SMS',
  gd_send_voice: 'MFA Voice Call Sent',
  gd_send_voice_failure: 'Error Sending MFA Voice Call',
  sapi: 'Success API Operation',
  fapi: 'Failed API Operation',
} as const

export type TenantLogType = keyof typeof TENANT_LOG_TYPES

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

  constructor(store: TenantLogStore, logger: Logger, now: () => Date = () => new Date()) {
    this.#store = store
    this.#logger = logger
    this.#now = now
  }

  async record(event: TenantLogEvent): Promise<TenantLogRecord | undefined> {
    try {
      return await this.#store.appendLog({
        ...event,
        date: this.#now().toISOString(),
        description: event.description ?? TENANT_LOG_TYPES[event.type],
        details: event.details ?? {},
      })
    } catch (error) {
      this.#logger.error(
        { err: error, event: 'tenant_log.failed', type: event.type },
        'tenant log write failed',
      )
      return undefined
    }
  }
}
