import { createHash } from 'node:crypto'
import { randomToken } from '../crypto/keys.js'
import type { ClusterStore } from '../storage/store.js'

/** Random bytes of a session id (the cookie value). */
export const SESSION_ID_BYTES = 32
/** A session ends after this long without a request, in milliseconds. */
export const SESSION_IDLE_TIMEOUT_MS = 2 * 60 * 60 * 1000
/** A session ends this long after sign-in whatever its use, in milliseconds. */
export const SESSION_MAX_AGE_MS = 12 * 60 * 60 * 1000
/** Sessions kept at once; beyond it, the least recently used one ends. */
export const MAX_SESSIONS = 1_000

export interface OperatorSession {
  readonly email: string
  readonly createdMs: number
  readonly lastSeenMs: number
}

type SessionTable = Pick<
  ClusterStore,
  'createDashboardSession' | 'touchDashboardSession' | 'deleteDashboardSession'
>

const digest = (id: string) => createHash('sha256').update(id).digest('base64url')

/**
 * Server-side dashboard sessions, in the database so that a sign-in holds on every node of a
 * cluster and across restarts: the cookie holds a random id and the database only its SHA-256,
 * so a database dump or log line never carries a usable cookie.
 */
export class SessionStore {
  readonly #table: SessionTable
  readonly #now: () => number

  constructor(table: SessionTable, now: () => number = Date.now) {
    this.#table = table
    this.#now = now
  }

  /** Starts a session; returns the id to put in the cookie and the session. */
  async create(email: string): Promise<{ id: string; session: OperatorSession }> {
    const id = randomToken(SESSION_ID_BYTES)
    const now = this.#now()
    const session = { email, createdMs: now, lastSeenMs: now }
    await this.#table.createDashboardSession({ idHash: digest(id), ...session }, MAX_SESSIONS)
    return { id, session }
  }

  /** The live session of `id`, refreshed; `undefined` when unknown or expired (then forgotten). */
  async touch(id: string | undefined): Promise<OperatorSession | undefined> {
    if (id === undefined || id === '') return undefined
    const found = await this.#table.touchDashboardSession(digest(id), this.#now(), {
      idleMs: SESSION_IDLE_TIMEOUT_MS,
      maxAgeMs: SESSION_MAX_AGE_MS,
    })
    return found === undefined
      ? undefined
      : { email: found.email, createdMs: found.createdMs, lastSeenMs: found.lastSeenMs }
  }

  /** When the session of `id` ends at the latest, in epoch milliseconds. */
  expiresAt(session: OperatorSession): number {
    return Math.min(
      session.lastSeenMs + SESSION_IDLE_TIMEOUT_MS,
      session.createdMs + SESSION_MAX_AGE_MS,
    )
  }

  async end(id: string | undefined): Promise<void> {
    if (id !== undefined && id !== '') await this.#table.deleteDashboardSession(digest(id))
  }
}

/**
 * Failed sign-ins one address may make within SIGN_IN_WINDOW_MS before it must wait. Lower than
 * the account's limit, so that one address alone can never lock the account (the operator signs
 * in from another address); `SignInLimiter` checks the order at construction.
 */
export const MAX_FAILED_SIGN_INS_PER_ADDRESS = 5
/** Failed sign-ins for the account, from all addresses, within SIGN_IN_WINDOW_MS. */
export const MAX_FAILED_SIGN_INS_PER_ACCOUNT = 20
/** The window failed sign-ins are counted in, in milliseconds. */
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000
/** Addresses tracked at once; beyond it, the oldest is forgotten. */
export const MAX_TRACKED_SIGN_IN_KEYS = 10_000

interface Window {
  startMs: number
  failures: number
}

/** A sign-in attempt counted before its password is checked (`SignInLimiter.begin`). */
export type SignInAttempt =
  | { readonly allowed: false; readonly retryAfterS: number }
  | {
      readonly allowed: true
      /** This attempt, if it fails, is the one that reached a limit (log it once). */
      readonly reachesLimit: boolean
      /** The password was right: the attempt no longer counts, the address's count is cleared. */
      succeed(): void
    }

/**
 * Counts failed sign-ins per address and for the account in fixed windows. An attempt is counted
 * as failed when it BEGINS, before the (asynchronous) password check, and taken back when it
 * succeeds: concurrent attempts cannot all pass the check while the count lags behind (security
 * review finding 4). A key that reached its limit is refused, without checking the password,
 * until its window ends.
 */
export class SignInLimiter {
  readonly #windows = new Map<string, Window>()
  readonly #now: () => number
  readonly #perAddress: number
  readonly #perAccount: number

  constructor(
    now: () => number = Date.now,
    limits: { perAddress: number; perAccount: number } = {
      perAddress: MAX_FAILED_SIGN_INS_PER_ADDRESS,
      perAccount: MAX_FAILED_SIGN_INS_PER_ACCOUNT,
    },
  ) {
    if (limits.perAddress >= limits.perAccount) {
      throw new RangeError('the per-address sign-in limit must be below the account limit')
    }
    this.#now = now
    this.#perAddress = limits.perAddress
    this.#perAccount = limits.perAccount
  }

  #limitOf(key: string): number {
    return key === 'account' ? this.#perAccount : this.#perAddress
  }

  #current(key: string): Window | undefined {
    const window = this.#windows.get(key)
    if (window === undefined) return undefined
    if (this.#now() - window.startMs >= SIGN_IN_WINDOW_MS) {
      this.#windows.delete(key)
      return undefined
    }
    return window
  }

  /** Seconds to wait before `address` may try again, or 0 when it may try now. */
  retryAfterS(address: string): number {
    let waitMs = 0
    for (const key of [`ip:${address}`, 'account']) {
      const window = this.#current(key)
      if (window !== undefined && window.failures >= this.#limitOf(key)) {
        waitMs = Math.max(waitMs, window.startMs + SIGN_IN_WINDOW_MS - this.#now())
      }
    }
    return Math.ceil(waitMs / 1000)
  }

  /**
   * Starts an attempt from `address`: refused when a limit is reached, otherwise counted as a
   * failure at once, synchronously, before the caller checks the password.
   */
  begin(address: string): SignInAttempt {
    const retryAfterS = this.retryAfterS(address)
    if (retryAfterS > 0) return { allowed: false, retryAfterS }
    const counted: { key: string; window: Window }[] = []
    let reachesLimit = false
    for (const key of [`ip:${address}`, 'account']) {
      const window = this.#current(key) ?? { startMs: this.#now(), failures: 0 }
      window.failures += 1
      if (window.failures === this.#limitOf(key)) reachesLimit = true
      this.#windows.delete(key)
      this.#windows.set(key, window)
      counted.push({ key, window })
    }
    if (this.#windows.size > MAX_TRACKED_SIGN_IN_KEYS) {
      const oldest = this.#windows.keys().next()
      if (oldest.done !== true) this.#windows.delete(oldest.value)
    }
    return {
      allowed: true,
      reachesLimit,
      succeed: () => {
        // A right password clears its address's count and takes this attempt off the account's.
        this.#windows.delete(`ip:${address}`)
        const account = counted.find((c) => c.key === 'account')?.window
        if (account !== undefined && this.#windows.get('account') === account) {
          account.failures = Math.max(0, account.failures - 1)
        }
      },
    }
  }
}
