/**
 * A worker's channel to the parent (file descriptor 3): frames decoded and handed to run.ts, and
 * the idle poll that reads the channel without blocking for a moment after the worker went idle.
 */
import { readSync } from 'node:fs'
import { afterEmptyRead } from '../idle-poll.js'
import { FrameDecoder, MAX_PARENT_FRAME_BYTES } from '../protocol.js'
import { onFrame } from './run.js'
import { CHANNEL_FD, note, state } from './state.js'

const decoder = new FrameDecoder(MAX_PARENT_FRAME_BYTES)

/** Handles the frames completed by `chunk`; returns how many there were. */
function onChunk(chunk: Buffer): number {
  const frames = decoder.push(chunk)
  for (const frame of frames) {
    if (!frame.ok) {
      note('error', 'worker.protocol_error', undefined, frame.error)
      process.exit(1)
    }
    onFrame(frame.value)
  }
  return frames.length
}

/**
 * The idle poll. Once the worker has answered everything and has no background work, it reads its
 * channel without blocking for up to `idlePollMs` before it returns to its event loop and sleeps.
 * A call that arrives meanwhile is handled at once by a process that is still running, and the
 * parent's write has nobody to wake: on VMs that halt idle vCPUs a wake-up costs more than a warm
 * hook (docs/performance.md). Each frame handled restarts the window.
 *
 * It only pays off when calls follow each other closely, so it bounds itself two ways:
 * - a window that ends with nothing read turns polling off, and a frame that arrives through the
 *   event loop within `idlePollMs` of the worker going idle turns it back on, so sparse traffic
 *   costs at most one window per burst;
 * - polling may take at most `IDLE_POLL_CPU_SHARE` of each `IDLE_POLL_BUDGET_PERIOD_MS`, so that a
 *   steady stream of calls spaced just under the window cannot keep a core spinning;
 * - a poll that finds another process took its CPU (the kernel counted an involuntary context
 *   switch since the window began) and then reads nothing turns polling off for
 *   `IDLE_POLL_BACKOFF_MS` at least: on a busy machine spinning competes with the processes that
 *   make the next call, and the next call alone says nothing about whether the contention is
 *   over. A gap between two reads alone is not enough: on a VM the host stops a vCPU now and then
 *   (steal time) without any process of this machine wanting it, and a gap test turned the poll
 *   off after most calls there (docs/performance.md, fourth pass).
 * It also leaves (and does not start) while the socket holds part of a frame the kernel has not
 * taken yet: that queue only drains from the event loop, which the poll would be blocking.
 *
 * Only a frame that arrives through the event loop can start a poll: a call that ends later (after
 * a timer or an outbound request) leaves the worker idle in its event loop until the next frame
 * (src/sandbox/README.md).
 * Nothing else can be due meanwhile: with no live call there are no hook timers or requests.
 */
const IDLE_POLL_BUDGET_PERIOD_MS = 100
const IDLE_POLL_CPU_SHARE = 0.5
/**
 * A gap this long (ms) between two reads of a poll means the worker was stopped: by the host of the
 * VM, or by this kernel for another process, which the context-switch count tells apart.
 */
const IDLE_POLL_GAP_MS = 0.05
/** After a poll stopped because the worker was descheduled, polling stays off this long (ms). */
const IDLE_POLL_BACKOFF_MS = 100
/** The buffers the channel is read into, again and again (`onread`, and the idle poll), in bytes. */
export const CHANNEL_READ_BYTES = 64 * 1024
const pollBuffer = Buffer.allocUnsafe(CHANNEL_READ_BYTES)

export function onChannelData(chunk: Buffer): void {
  const now = performance.now()
  if (
    !state.poll.on &&
    now - state.poll.idleSince <= state.settings.idlePollMs &&
    now >= state.poll.offUntil
  )
    state.poll.on = true
  onChunk(chunk)
  state.writer?.flush()
  if (state.liveCalls > 0 || state.settings.idlePollMs === 0) return
  if (state.poll.on && !writerBusy()) pollChannel()
  state.poll.idleSince = performance.now()
}

/** The socket holds bytes the kernel has not taken: only the event loop sends them. */
function writerBusy(): boolean {
  return (state.writer?.queuedBytes ?? 0) > 0
}

function pollChannel(): void {
  const stackLimit = Error.stackTraceLimit
  let now = performance.now()
  if (now - state.poll.budgetStart >= IDLE_POLL_BUDGET_PERIOD_MS) {
    state.poll.budgetStart = now
    state.poll.budgetSpentMs = 0
  }
  if (budgetLeft() === 0) return
  // Only the waiting counts against the budget: handling the calls read is work the worker owes.
  let waitingSince = now
  let until = now + Math.min(state.settings.idlePollMs, budgetLeft())
  let previous = now
  // Compared again only after a gap (the count is a system call), and taken anew after each frame
  // read, since handling the call may have been preempted itself.
  let switchesAtStart = involuntarySwitches()
  try {
    while (state.liveCalls === 0) {
      now = performance.now()
      // One read takes a few µs; after a longer gap, ask whether another process had this CPU.
      let preempted = false
      if (now - previous > IDLE_POLL_GAP_MS) {
        preempted = involuntarySwitches() !== switchesAtStart
        if (!preempted) state.poll.pauses++
      }
      previous = now
      // The window's end is checked after a read that found nothing, so that a preemption running
      // past it still backs off, and what came meanwhile is still read.
      let bytes: number
      try {
        // The descriptor is non-blocking: an empty channel throws EAGAIN, whose stack trace would
        // cost more than the read itself.
        Error.stackTraceLimit = 0
        bytes = readSync(CHANNEL_FD, pollBuffer, 0, CHANNEL_READ_BYTES, null)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return // the socket reports it
        switch (afterEmptyRead(preempted, now >= until, budgetLeft() - (now - waitingSince))) {
          case 'go-on':
            continue
          case 'back-off':
            // Another process wanted this CPU and we were not waiting for it: stop competing.
            state.poll.backoffs++
            state.poll.on = false
            state.poll.offUntil = now + IDLE_POLL_BACKOFF_MS
            return
          case 'off':
            state.poll.on = false
            return
          case 'end':
            return
        }
      } finally {
        Error.stackTraceLimit = stackLimit
      }
      if (bytes === 0) return // end of stream: the socket sees it too
      state.poll.budgetSpentMs += performance.now() - waitingSince
      // The decoder keeps no reference to the chunk, so the buffer can be read into again.
      state.poll.frames += onChunk(pollBuffer.subarray(0, bytes))
      state.writer?.flush()
      // Part of an answer is still queued: give the event loop the chance to send it.
      if (writerBusy()) return
      waitingSince = performance.now()
      previous = waitingSince
      until = waitingSince + Math.min(state.settings.idlePollMs, budgetLeft())
      switchesAtStart = involuntarySwitches()
    }
  } finally {
    state.poll.budgetSpentMs += performance.now() - waitingSince
  }
}

/**
 * Times the kernel took a CPU from this process for another task. The count covers all of the
 * worker's threads: one of V8's helpers preempted while it finishes a collection also counts. That
 * only errs toward backing off, and with no live call the other threads are mostly asleep.
 */
function involuntarySwitches(): number {
  return process.resourceUsage().involuntaryContextSwitches
}

function budgetLeft(): number {
  return Math.max(0, IDLE_POLL_BUDGET_PERIOD_MS * IDLE_POLL_CPU_SHARE - state.poll.budgetSpentMs)
}
