/**
 * Token buckets, one per client (compat §2.8): `burst` requests at once, refilled at `perSecond`.
 * The memory store serves one process (SQLite); the shared store keeps the buckets in the
 * database, so that a client sending to several nodes (PostgreSQL) draws from one bucket.
 */
import type { ClusterStore } from '../storage/store.js'

export interface BucketSettings {
  /** Bucket size: requests allowed at once. */
  readonly burst: number
  /** Refill rate, in requests per second. */
  readonly perSecond: number
}

export interface BucketState {
  readonly allowed: boolean
  /** Bucket size, for `X-RateLimit-Limit`. */
  readonly limit: number
  /** Whole requests left, for `X-RateLimit-Remaining`. */
  readonly remaining: number
  /** When the bucket is full again, in epoch seconds, for `X-RateLimit-Reset`. */
  readonly resetEpochS: number
}

export interface RateLimitStore {
  /** Takes one token from `key`'s bucket if there is one. */
  take(key: string, nowMs: number): Promise<BucketState>
}

/** Buckets tracked at once by the memory store; the least recently used is forgotten first. */
export const MAX_TRACKED_BUCKETS = 100_000

interface Bucket {
  tokens: number
  updatedMs: number
}

/** The `X-RateLimit-*` view of a bucket holding `tokens` after a take (the same for both stores). */
function stateOf(
  settings: BucketSettings,
  allowed: boolean,
  tokens: number,
  nowMs: number,
): BucketState {
  const secondsToFull = (settings.burst - tokens) / settings.perSecond
  return {
    allowed,
    limit: settings.burst,
    remaining: Math.floor(tokens),
    resetEpochS: Math.ceil(nowMs / 1000 + secondsToFull),
  }
}

/** How often the shared store removes buckets that are full again, at most, in milliseconds. */
export const BUCKET_PRUNE_INTERVAL_MS = 60_000

/** The limits that keep buckets in the database; each has its own keys (`<namespace>:<key>`). */
export type BucketNamespace = 'management' | 'signup'

/**
 * Buckets in the database, shared by every node: each take is one atomic statement
 * (`ClusterStore.takeRateLimitToken`). Buckets untouched for longer than a refill from empty are
 * full again and are removed now and then, by whichever node takes after the interval; each limit
 * prunes only its own namespace, since another limit's buckets refill at another rate.
 */
export class SharedRateLimitStore implements RateLimitStore {
  readonly #settings: BucketSettings
  readonly #store: Pick<ClusterStore, 'takeRateLimitToken' | 'pruneRateLimitBuckets'>
  readonly #prefix: string
  #lastPruneMs = 0

  constructor(
    settings: BucketSettings,
    store: Pick<ClusterStore, 'takeRateLimitToken' | 'pruneRateLimitBuckets'>,
    namespace: BucketNamespace,
  ) {
    this.#settings = settings
    this.#store = store
    this.#prefix = `${namespace}:`
  }

  async take(key: string, nowMs: number): Promise<BucketState> {
    const { allowed, tokens } = await this.#store.takeRateLimitToken(
      `${this.#prefix}${key}`,
      this.#settings,
      nowMs,
    )
    if (nowMs - this.#lastPruneMs >= BUCKET_PRUNE_INTERVAL_MS) {
      this.#lastPruneMs = nowMs
      const fullAfterMs = (this.#settings.burst / this.#settings.perSecond) * 1000
      await this.#store.pruneRateLimitBuckets(
        nowMs - fullAfterMs - BUCKET_PRUNE_INTERVAL_MS,
        this.#prefix,
      )
    }
    return stateOf(this.#settings, allowed, tokens, nowMs)
  }
}

export class MemoryRateLimitStore implements RateLimitStore {
  readonly #settings: BucketSettings
  readonly #buckets = new Map<string, Bucket>()

  constructor(settings: BucketSettings) {
    this.#settings = settings
  }

  take(key: string, nowMs: number): Promise<BucketState> {
    const { burst, perSecond } = this.#settings
    const bucket = this.#buckets.get(key) ?? { tokens: burst, updatedMs: nowMs }
    const elapsedS = Math.max(0, nowMs - bucket.updatedMs) / 1000
    bucket.tokens = Math.min(burst, bucket.tokens + elapsedS * perSecond)
    bucket.updatedMs = nowMs
    const allowed = bucket.tokens >= 1
    if (allowed) bucket.tokens -= 1
    // Re-insert so that Map order is least recently used first.
    this.#buckets.delete(key)
    this.#buckets.set(key, bucket)
    if (this.#buckets.size > MAX_TRACKED_BUCKETS) {
      const oldest = this.#buckets.keys().next()
      if (oldest.done !== true) this.#buckets.delete(oldest.value)
    }
    return Promise.resolve(stateOf(this.#settings, allowed, bucket.tokens, nowMs))
  }
}
