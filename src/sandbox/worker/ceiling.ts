/**
 * The resident-memory ceiling of a worker (issue 17): measured from the process, so it counts what
 * the isolates' heap limits do not (external buffers, native allocations).
 */
import { heaviestHooks, megabytes, residentBytes } from '../worker-memory.js'
import { retireSlot, sampleHeap } from './isolates.js'
import { EXIT_MEMORY_CEILING, note, state } from './state.js'

/**
 * Past the ceiling, the idle warm isolates go first; if that is not enough, the worker names the
 * hooks that hold the most and exits, and the parent replaces it (its calls in flight end as
 * `crash`). Checked every `RESIDENT_CHECK_INTERVAL_MS` (worker-memory.ts) while the worker runs.
 */
export function checkResident(): void {
  const before = residentBytes()
  if (before <= state.settings.maxResidentBytes) return
  const hooks = heaviestHooks(
    [...state.warm.values(), ...state.retiredSlots].map((slot) => {
      if (slot.calls.size > 0) slot.heapBytes = sampleHeap(slot)
      return { hookId: slot.hookId, heapBytes: slot.heapBytes, busy: slot.calls.size > 0 }
    }),
  )
  for (const slot of [...state.warm.values()]) if (slot.calls.size === 0) retireSlot(slot)
  const after = residentBytes()
  const detail = `resident memory ${megabytes(before)} MB, ceiling ${megabytes(state.settings.maxResidentBytes)} MB (maxWorkerRssMb); hooks: ${hooks.join(', ')}`
  if (after <= state.settings.maxResidentBytes) {
    note('warn', 'worker.memory_evicted', undefined, `${detail}; idle isolates dropped`)
    return
  }
  state.writer?.writeFinal({ t: 'note', level: 'error', event: 'worker.memory_ceiling', detail })
  process.exit(EXIT_MEMORY_CEILING)
}
