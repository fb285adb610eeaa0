/**
 * The isolates of a worker's slots: the runtime compiled into a new context (with V8's code cache),
 * bundled dependencies declared to the runtime's `require`, heap sampling, disposal, and the LRU's
 * bounds by count and by heap.
 */
import { createHash } from 'node:crypto'
import type ivm from 'isolated-vm-types'
import { ISOLATE_RUNTIME_SOURCE } from '../isolate-runtime.js'
import type { SandboxModule } from '../runner.js'
import { INTERNAL_ENTRY_TIMEOUT_MS, RUNTIME_FILENAME, state } from './state.js'
import type { Dispatch, Slot } from './state.js'

/** The runtime as a script that evaluates to a function of its five host callbacks ($0–$4). */
const RUNTIME_SCRIPT_SOURCE = `(function ($0, $1, $2, $3, $4) {${ISOLATE_RUNTIME_SOURCE}\n})`

/**
 * V8's code cache of the runtime, made by the first isolate of this worker and used by the next
 * ones: the runtime is about 120 KB of source, and parsing it again for every new isolate would
 * double the cost of a cold call.
 */
let runtimeCodeCache: ivm.ExternalCopy<ArrayBuffer> | undefined

export function runtimeFactory(isolate: ivm.Isolate, context: ivm.Context): ivm.Reference {
  const cache = runtimeCodeCache
  const script = isolate.compileScriptSync(RUNTIME_SCRIPT_SOURCE, {
    filename: RUNTIME_FILENAME,
    ...(cache !== undefined ? { cachedData: cache } : { produceCachedData: true }),
    // isolated-vm sets these on the script; its typings leave them out
  }) as ivm.Script & ivm.CachedDataResult & { cachedDataRejected?: boolean }
  if (cache === undefined) runtimeCodeCache = script.cachedData
  else if (script.cachedDataRejected === true) runtimeCodeCache = undefined
  try {
    return script.runSync(context, { reference: true, timeout: INTERNAL_ENTRY_TIMEOUT_MS })
  } finally {
    script.release()
  }
}

/**
 * V8 code caches of dependency bundles, by SHA-256 of the wrapped source: made by this process
 * from bundles the server built (never taken from a user, STYLE §9.7), and bounded by count.
 */
const moduleCodeCache = new Map<string, ivm.ExternalCopy<ArrayBuffer>>()
const MAX_MODULE_CODE_CACHES = 256

/** Compiles a bundled dependency as a function and hands it to the runtime's `require`. */
export function declareModule(
  isolate: ivm.Isolate,
  context: ivm.Context,
  dispatch: ivm.Reference<Dispatch>,
  name: string,
  module: SandboxModule,
): void {
  const source = `(function (exports, require, module, __filename, __dirname) {${module.source}\n})`
  const hash = createHash('sha256').update(source).digest('hex')
  const cachedData = moduleCodeCache.get(hash)
  const script: ivm.Script & ivm.CachedDataResult & { cachedDataRejected?: boolean } =
    isolate.compileScriptSync(source, {
      filename: `node_modules/${name}@${module.version}.js`,
      ...(cachedData !== undefined ? { cachedData } : { produceCachedData: true }),
    })
  try {
    if (cachedData === undefined && script.cachedData !== undefined) {
      if (moduleCodeCache.size >= MAX_MODULE_CODE_CACHES) {
        const oldest = moduleCodeCache.keys().next().value
        if (oldest !== undefined) {
          moduleCodeCache.get(oldest)?.release()
          moduleCodeCache.delete(oldest)
        }
      }
      moduleCodeCache.set(hash, script.cachedData)
    } else if (cachedData !== undefined && script.cachedDataRejected === true) {
      moduleCodeCache.delete(hash)
      cachedData.release()
    }
    const factory = script.runSync(context, { reference: true, timeout: INTERNAL_ENTRY_TIMEOUT_MS })
    try {
      dispatch.applySync(undefined, ['module', name, module.version, factory.derefInto()], {
        timeout: INTERNAL_ENTRY_TIMEOUT_MS,
      })
    } finally {
      factory.release()
    }
  } finally {
    script.release()
  }
}

export function sampleHeap(slot: Slot): number {
  if (slot.isolate === undefined || slot.isolate.isDisposed) return 0
  try {
    const heap = slot.isolate.getHeapStatisticsSync()
    return heap.used_heap_size + heap.externally_allocated_size
  } catch {
    return 0
  }
}

export function disposeIsolate(slot: Slot): void {
  for (const candidate of slot.candidates) candidate.release()
  slot.candidates = []
  slot.dispatch?.release()
  slot.context?.release()
  if (slot.isolate !== undefined && !slot.isolate.isDisposed) {
    try {
      slot.isolate.dispose()
    } catch {
      // already gone
    }
  }
  slot.dispatch = undefined
  slot.context = undefined
  slot.isolate = undefined
  slot.heapBytes = 0
}

/** Takes a slot out of the LRU; it is disposed as soon as no call uses it. */
export function retireSlot(slot: Slot): void {
  if (state.warm.get(slot.key) === slot) state.warm.delete(slot.key)
  if (slot.calls.size === 0) {
    disposeIsolate(slot)
    state.retiredSlots.delete(slot)
  } else {
    slot.retired = true
    state.retiredSlots.add(slot)
  }
}

export function enforceBounds(keep: Slot): void {
  let heap = 0
  for (const slot of state.warm.values()) heap += slot.heapBytes
  for (const slot of state.warm.values()) {
    if (
      state.warm.size <= state.settings.maxWarmIsolates &&
      heap <= state.settings.maxWarmHeapBytes
    )
      return
    if (slot === keep || slot.calls.size > 0) continue
    heap -= slot.heapBytes
    retireSlot(slot)
  }
}
