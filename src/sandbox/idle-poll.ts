/**
 * The decision of the worker's idle poll (worker/channel.ts `pollChannel`) after a read of its channel
 * found nothing, kept apart so that its order can be tested without a scheduler.
 */

/**
 * - `back-off`: another process took this CPU during the wait; stop polling for a while.
 * - `off`: a whole window passed with nothing read; poll again only when calls come closer.
 * - `end`: the CPU budget is spent; this window ends, polling stays on.
 * - `go-on`: read again.
 */
export type EmptyReadDecision = 'back-off' | 'off' | 'end' | 'go-on'

/**
 * `preempted` wins over the window's end: a preemption lasts a scheduler slice, longer than a
 * window of a few hundred µs, so it usually ends after the window did, and still means that
 * polling competes with another process.
 */
export function afterEmptyRead(
  preempted: boolean,
  windowOver: boolean,
  budgetLeftMs: number,
): EmptyReadDecision {
  if (preempted) return 'back-off'
  if (!windowOver) return 'go-on'
  return budgetLeftMs > 0 ? 'off' : 'end'
}
