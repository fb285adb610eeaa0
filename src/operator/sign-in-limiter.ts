/**
 * The dashboard's limit on failed sign-ins (security review finding 4), counted per address and
 * for the account in fixed windows. One process counts in memory; the nodes of a cluster count in
 * the database (`attempt_windows`), so that spreading guesses over nodes gains nothing.
 */
import type { AttemptWindow, ClusterStore } from '../storage/store.js'

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
/** Addresses tracked at once in memory; beyond it, the oldest is forgotten. */
export const MAX_TRACKED_SIGN_IN_KEYS = 10_000
/** How often the shared counter removes ended windows, at most, in milliseconds. */
export const ATTEMPT_PRUNE_INTERVAL_MS = 60_000

/** Where the windows are counted; every method is atomic on its own. */
export interface AttemptCounter {
  /** Counts one attempt in `key`'s window (a new one when the last ended); the window after it. */
  count(key: string, nowMs: number, windowMs: number): Promise<AttemptWindow>
  /** Takes one attempt back from `key`'s window if it still started at `startMs`. */
  uncount(key: string, startMs: number): Promise<void>
  clear(key: string): Promise<void>
}

/** One process's windows. */
export class MemoryAttemptCounter implements AttemptCounter {
  readonly #windows = new Map<string, { startMs: number; attempts: number }>()

  count(key: string, nowMs: number, windowMs: number): Promise<AttemptWindow> {
    const known = this.#windows.get(key)
    const window =
      known !== undefined && nowMs - known.startMs < windowMs
        ? known
        : { startMs: nowMs, attempts: 0 }
    window.attempts += 1
    this.#windows.delete(key)
    this.#windows.set(key, window)
    if (this.#windows.size > MAX_TRACKED_SIGN_IN_KEYS) {
      const oldest = this.#windows.keys().next()
      if (oldest.done !== true) this.#windows.delete(oldest.value)
    }
    return Promise.resolve({ ...window })
  }

  uncount(key: string, startMs: number): Promise<void> {
    const window = this.#windows.get(key)
    if (window?.startMs === startMs) window.attempts = Math.max(0, window.attempts - 1)
    return Promise.resolve()
  }

  clear(key: string): Promise<void> {
    this.#windows.delete(key)
    return Promise.resolve()
  }
}

/** The windows in the database, shared by every node; ended ones are pruned now and then. */
export class SharedAttemptCounter implements AttemptCounter {
  readonly #store: Pick<
    ClusterStore,
    'countAttempt' | 'uncountAttempt' | 'clearAttempts' | 'pruneAttempts'
  >
  #lastPruneMs = 0

  constructor(
    store: Pick<
      ClusterStore,
      'countAttempt' | 'uncountAttempt' | 'clearAttempts' | 'pruneAttempts'
    >,
  ) {
    this.#store = store
  }

  async count(key: string, nowMs: number, windowMs: number): Promise<AttemptWindow> {
    const window = await this.#store.countAttempt(key, nowMs, windowMs)
    if (nowMs - this.#lastPruneMs >= ATTEMPT_PRUNE_INTERVAL_MS) {
      this.#lastPruneMs = nowMs
      await this.#store.pruneAttempts(nowMs - windowMs)
    }
    return window
  }

  uncount(key: string, startMs: number): Promise<void> {
    return this.#store.uncountAttempt(key, startMs)
  }

  clear(key: string): Promise<void> {
    return this.#store.clearAttempts(key)
  }
}

/** A sign-in attempt counted before its password is checked (`SignInLimiter.begin`). */
export type SignInAttempt =
  | { readonly allowed: false; readonly retryAfterS: number }
  | {
      readonly allowed: true
      /** This attempt, if it fails, is the one that reached a limit (log it once). */
      readonly reachesLimit: boolean
      /** The password was right: the attempt no longer counts, the address's count is cleared. */
      succeed(): Promise<void>
    }

/** The key of the account's window (the dashboard has one account). */
const ACCOUNT_KEY = 'sign-in:account'
const addressKey = (address: string): string => `sign-in:ip:${address}`

/**
 * Counts failed sign-ins per address and for the account in fixed windows. An attempt is counted
 * as failed when it BEGINS, before the (asynchronous) password check, and taken back when it
 * succeeds: concurrent attempts, on any node, cannot all pass the check while the count lags
 * behind (security review finding 4). A key past its limit is refused, without checking the
 * password, until its window ends.
 */
export class SignInLimiter {
  readonly #counter: AttemptCounter
  readonly #now: () => number
  readonly #perAddress: number
  readonly #perAccount: number

  constructor(
    now: () => number = Date.now,
    limits: { perAddress: number; perAccount: number } = {
      perAddress: MAX_FAILED_SIGN_INS_PER_ADDRESS,
      perAccount: MAX_FAILED_SIGN_INS_PER_ACCOUNT,
    },
    counter: AttemptCounter = new MemoryAttemptCounter(),
  ) {
    if (limits.perAddress >= limits.perAccount) {
      throw new RangeError('the per-address sign-in limit must be below the account limit')
    }
    this.#now = now
    this.#perAddress = limits.perAddress
    this.#perAccount = limits.perAccount
    this.#counter = counter
  }

  #refused(window: AttemptWindow, nowMs: number): SignInAttempt {
    const waitMs = window.startMs + SIGN_IN_WINDOW_MS - nowMs
    return { allowed: false, retryAfterS: Math.max(1, Math.ceil(waitMs / 1000)) }
  }

  /**
   * Starts an attempt from `address`: counted as a failure at once, before the caller checks the
   * password, and refused when that count passes a limit.
   */
  async begin(address: string): Promise<SignInAttempt> {
    const nowMs = this.#now()
    const ipKey = addressKey(address)
    const byAddress = await this.#counter.count(ipKey, nowMs, SIGN_IN_WINDOW_MS)
    if (byAddress.attempts > this.#perAddress) return this.#refused(byAddress, nowMs)
    const byAccount = await this.#counter.count(ACCOUNT_KEY, nowMs, SIGN_IN_WINDOW_MS)
    if (byAccount.attempts > this.#perAccount) {
      // Refused before its password was checked: not a failure of this address.
      await this.#counter.uncount(ipKey, byAddress.startMs)
      return this.#refused(byAccount, nowMs)
    }
    return {
      allowed: true,
      reachesLimit:
        byAddress.attempts === this.#perAddress || byAccount.attempts === this.#perAccount,
      succeed: async () => {
        // A right password clears its address's count and takes this attempt off the account's.
        await this.#counter.clear(ipKey)
        await this.#counter.uncount(ACCOUNT_KEY, byAccount.startMs)
      },
    }
  }
}
