/**
 * Token buckets, one per client (compat §2.8): `burst` requests at once, refilled at `perSecond`.
 * The store is an interface so that several nodes can share buckets (Redis) later; the memory
 * store serves one process.
 */

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
    const secondsToFull = (burst - bucket.tokens) / perSecond
    return Promise.resolve({
      allowed,
      limit: burst,
      remaining: Math.floor(bucket.tokens),
      resetEpochS: Math.ceil(nowMs / 1000 + secondsToFull),
    })
  }
}
