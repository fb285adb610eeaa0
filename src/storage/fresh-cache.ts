/**
 * A short-lived cache of database reads, shared by the read paths of the token endpoint (the
 * read cache of clients, grants and APIs; the enabled hook of each extensibility point; the
 * attack-protection settings). Three rules hold for every user:
 *
 * - an entry is used for at most `ttlMs`, the bound on staleness should a change notification
 *   between nodes be lost;
 * - a read that was in flight when the cache was invalidated is returned to its callers but not
 *   kept, so a change is never hidden by a read that started before it;
 * - when an entry is missing or has expired, the requests that want it at the same time share one
 *   database read instead of each making their own (without this, every request in flight when an
 *   entry expired read it again: on PostgreSQL, about six reads where one was needed, issue 23).
 */

/** Whether a loaded value is kept: `found` keeps only values other than `undefined`. */
export type KeepPolicy = 'all' | 'found'

interface Entry<T> {
  readonly value: T
  readonly expiresAt: number
}

interface Pending<T> {
  readonly generation: number
  readonly promise: Promise<T>
}

export class FreshCache<K, T> {
  readonly #entries = new Map<K, Entry<T>>()
  readonly #pending = new Map<K, Pending<T>>()
  readonly #ttlMs: number
  readonly #maxEntries: number
  readonly #keep: KeepPolicy
  readonly #now: () => number
  /** Bumped by every invalidation: a read that started before it is not kept nor shared. */
  #generation = 0

  constructor(options: {
    /** How long an entry is used, in milliseconds. */
    ttlMs: number
    /** Entries kept; past it the oldest is dropped first. */
    maxEntries: number
    keep: KeepPolicy
    now?: (() => number) | undefined
  }) {
    this.#ttlMs = options.ttlMs
    this.#maxEntries = options.maxEntries
    this.#keep = options.keep
    this.#now = options.now ?? Date.now
  }

  /** The fresh entry of `key`, or the value of `load()`, shared with concurrent readers. */
  read(key: K, load: () => Promise<T>): Promise<T> {
    const hit = this.#entries.get(key)
    if (hit !== undefined && hit.expiresAt > this.#now()) return Promise.resolve(hit.value)
    const generation = this.#generation
    const pending = this.#pending.get(key)
    if (pending !== undefined && pending.generation === generation) return pending.promise
    const promise = load().then(
      (value) => {
        if (this.#pending.get(key)?.promise === promise) this.#pending.delete(key)
        if (generation === this.#generation && (this.#keep === 'all' || value !== undefined)) {
          this.#set(key, value)
        }
        return value
      },
      (error: unknown) => {
        if (this.#pending.get(key)?.promise === promise) this.#pending.delete(key)
        throw error
      },
    )
    this.#pending.set(key, { generation, promise })
    return promise
  }

  #set(key: K, value: T): void {
    this.#entries.delete(key)
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next()
      if (oldest.done !== true) this.#entries.delete(oldest.value)
    }
    this.#entries.set(key, { value, expiresAt: this.#now() + this.#ttlMs })
  }

  /** Forgets `key`; reads in flight are neither kept nor shared any more. */
  drop(key: K): void {
    this.#generation += 1
    this.#entries.delete(key)
  }

  /** Forgets everything; reads in flight are neither kept nor shared any more. */
  clear(): void {
    this.#generation += 1
    this.#entries.clear()
  }

  /** Entries held (tests, stats). */
  get size(): number {
    return this.#entries.size
  }
}
