/**
 * Lanes: each caller-named share of the sandbox (the server names one per extensibility point,
 * issue 17) has its own bound on pending calls and on calls handed to workers at once, so that a
 * flood of calls at one point is refused at that point and never takes the share of another.
 * Calls past a lane's concurrency wait in the lane's queue, in the parent, in arrival order.
 *
 * A request without a lane has no share of its own: only the runner's `maxPendingCalls` applies.
 */

/** Calls of one lane waiting for an outcome (queued or running) before new ones are refused. */
export const DEFAULT_LANE_MAX_PENDING_CALLS = 250

/**
 * Calls of one lane handed to workers at once; the others wait in the lane's queue. A worker runs
 * one entry at a time, so this also bounds how long a lane of CPU-bound calls can keep another
 * lane's call waiting on a shared worker (this many entries).
 */
export const DEFAULT_LANE_MAX_CONCURRENT_CALLS = 8

export interface LaneLimits {
  readonly maxPendingCalls: number
  readonly maxConcurrentCalls: number
}

export const DEFAULT_LANE_LIMITS: LaneLimits = Object.freeze({
  maxPendingCalls: DEFAULT_LANE_MAX_PENDING_CALLS,
  maxConcurrentCalls: DEFAULT_LANE_MAX_CONCURRENT_CALLS,
})

/** Largest lane bound accepted, for either limit. */
const MAX_LANE_LIMIT = 1_000_000

/** Throws a TypeError naming the bad bound. */
export function checkLaneLimits(limits: LaneLimits): void {
  for (const name of ['maxPendingCalls', 'maxConcurrentCalls'] as const) {
    const value = limits[name]
    if (!Number.isSafeInteger(value) || value < 1 || value > MAX_LANE_LIMIT) {
      throw new TypeError(`sandbox lane ${name} must be an integer from 1 to ${MAX_LANE_LIMIT}`)
    }
  }
}

/** One lane's counts and queue. `T` is the runner's pending call. */
export class Lane<T> {
  readonly name: string
  /** `undefined`: the lane of requests that name none, bounded only by the runner. */
  readonly limits: LaneLimits | undefined
  /** Calls of the lane not yet answered, queued or running. */
  pending = 0
  /** Calls handed to a worker and not yet answered. */
  running = 0
  #queue: T[] = []
  #head = 0

  constructor(name: string, limits: LaneLimits | undefined) {
    this.name = name
    this.limits = limits
  }

  /** No room for another pending call. */
  get full(): boolean {
    return this.limits !== undefined && this.pending >= this.limits.maxPendingCalls
  }

  /** Room to hand another call to a worker. */
  get canRun(): boolean {
    return this.limits === undefined || this.running < this.limits.maxConcurrentCalls
  }

  get queued(): number {
    return this.#queue.length - this.#head
  }

  enqueue(call: T): void {
    this.#queue.push(call)
  }

  /** The oldest queued call, left in the queue. */
  peek(): T | undefined {
    return this.#head < this.#queue.length ? this.#queue[this.#head] : undefined
  }

  shift(): T | undefined {
    if (this.#head >= this.#queue.length) return undefined
    const call = this.#queue[this.#head]
    this.#head++
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head)
      this.#head = 0
    }
    return call
  }

  /** Queued calls, oldest first (for deadline sweeps); `keep` false drops one. */
  sweep(keep: (call: T) => boolean): void {
    const kept = this.#queue.slice(this.#head).filter(keep)
    this.#queue = kept
    this.#head = 0
  }
}
