import { createHash } from 'node:crypto'
import { randomToken } from '../crypto/keys.js'

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
  lastSeenMs: number
}

const digest = (id: string) => createHash('sha256').update(id).digest('base64url')

/**
 * Server-side dashboard sessions, in memory: the cookie holds a random id and this map holds only
 * its SHA-256, so a heap dump or log line never carries a usable cookie. A restart signs everyone
 * out (docs/dashboard.md).
 */
export class SessionStore {
  readonly #sessions = new Map<string, OperatorSession>()
  readonly #now: () => number

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  /** Starts a session; returns the id to put in the cookie. */
  create(email: string): string {
    const id = randomToken(SESSION_ID_BYTES)
    const now = this.#now()
    this.#sessions.set(digest(id), { email, createdMs: now, lastSeenMs: now })
    if (this.#sessions.size > MAX_SESSIONS) {
      const oldest = this.#sessions.keys().next()
      if (oldest.done !== true) this.#sessions.delete(oldest.value)
    }
    return id
  }

  /** The live session of `id`, refreshed; `undefined` when unknown or expired (then forgotten). */
  touch(id: string | undefined): OperatorSession | undefined {
    if (id === undefined || id === '') return undefined
    const key = digest(id)
    const session = this.#sessions.get(key)
    if (session === undefined) return undefined
    const now = this.#now()
    if (
      now - session.lastSeenMs > SESSION_IDLE_TIMEOUT_MS ||
      now - session.createdMs > SESSION_MAX_AGE_MS
    ) {
      this.#sessions.delete(key)
      return undefined
    }
    session.lastSeenMs = now
    // Re-insert so that Map order is least recently used first.
    this.#sessions.delete(key)
    this.#sessions.set(key, session)
    return session
  }

  /** When the session of `id` ends at the latest, in epoch milliseconds. */
  expiresAt(session: OperatorSession): number {
    return Math.min(
      session.lastSeenMs + SESSION_IDLE_TIMEOUT_MS,
      session.createdMs + SESSION_MAX_AGE_MS,
    )
  }

  end(id: string | undefined): void {
    if (id !== undefined && id !== '') this.#sessions.delete(digest(id))
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
