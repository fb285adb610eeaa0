/**
 * The memory rules of a worker process that isolated-vm's per-isolate `memoryLimit` does not cover
 * (issue 17): no WebAssembly in the isolates, whose memories live outside the V8 heap, and a ceiling
 * on the resident memory of the whole process, which counts everything (heaps, external buffers,
 * native allocations of isolated-vm and of this process).
 */
import { setFlagsFromString } from 'node:v8'
import { isolateV8Flags } from './isolated-vm.js'

/** How often a worker compares its resident memory with its ceiling, in ms. */
export const RESIDENT_CHECK_INTERVAL_MS = 250

/** Hooks named in the log when a worker passes its ceiling: the ones holding the most heap. */
const NAMED_HOOKS = 5

const MB = 1024 * 1024

/**
 * Where V8 has `--no-expose-wasm` (Node.js 20 and 22), leaves the `WebAssembly` global out of every
 * context created afterwards, that is out of every isolate of this worker. V8 reads `expose_wasm`
 * when it builds a context, so the flag is set once the process has its own context: the worker's
 * own `WebAssembly` (undici compiles its HTTP parser with it) stays. `--no-expose-wasm` on the
 * command line would remove that one too. The V8 of Node.js 24 and later has no such flag: there
 * the isolate runtime's deletion of the global (src/sandbox/isolate/runtime.ts), done on every
 * line, is what removes it.
 */
export function removeWebAssemblyFromIsolates(): void {
  for (const flag of isolateV8Flags(process.versions.v8)) setFlagsFromString(flag)
}

/** Resident memory of this process, in bytes: what the kernel counts, whatever allocated it. */
export function residentBytes(): number {
  return process.memoryUsage.rss()
}

/** What the log says about the isolates of a worker over its ceiling: the heaviest hooks first. */
export function heaviestHooks(
  slots: Iterable<{ readonly hookId: string; readonly heapBytes: number; readonly busy: boolean }>,
): string[] {
  return [...slots]
    .sort((a, b) => Number(b.busy) - Number(a.busy) || b.heapBytes - a.heapBytes)
    .slice(0, NAMED_HOOKS)
    .map(
      (slot) =>
        `${slot.hookId} (${Math.round(slot.heapBytes / MB)} MB heap${slot.busy ? ', running' : ''})`,
    )
}

export function megabytes(bytes: number): number {
  return Math.round(bytes / MB)
}
