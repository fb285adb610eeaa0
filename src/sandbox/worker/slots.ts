/**
 * A new slot of a worker: an isolate for one (hook id, version key, memory limit), its context with
 * the runtime and the host callbacks (callbacks.ts), the hook's dependencies declared, and the
 * hook's script compiled into its candidate wrappers (compat Q10), or its compile error.
 */
import type ivm from 'isolated-vm-types'
import { hostService } from '../host-services.js'
import { looksLikeBareFunction, SCRIPT_FILENAME, wrapBareFunction, wrapModule } from '../prelude.js'
import type { WrappedScript } from '../prelude.js'
import type { HookCode, RunMessage } from '../protocol.js'
import { describeSyntaxError, findSyntaxError } from '../script-syntax.js'
import { onDone, onHttp, onLog, onTimer } from './callbacks.js'
import { declareModule, disposeIsolate, runtimeFactory, sampleHeap } from './isolates.js'
import {
  EXIT_CATASTROPHIC,
  INTERNAL_ENTRY_TIMEOUT_MS,
  isolatedVm,
  messageOf,
  state,
} from './state.js'
import type { Dispatch, Slot } from './state.js'

function onCatastrophicError(hookId: string) {
  return (message: string): void => {
    // isolated-vm: v8 lost control of the isolate; the process must end. Best effort to tell the
    // parent why, synchronously (only if no partial frame is queued, which the note would cut
    // into), then stop at once (the parent fails the calls and replaces us).
    // When nothing is written, the parent learns from the exit.
    state.writer?.writeFinal({
      t: 'note',
      level: 'error',
      event: 'isolate.catastrophic',
      hookId,
      detail: message,
    })
    process.exitCode = EXIT_CATASTROPHIC
    process.kill(process.pid, 'SIGKILL')
  }
}

export function buildSlot(message: RunMessage, code: HookCode, key: string): Slot {
  const slot: Slot = {
    key,
    hookId: message.hookId,
    memoryMb: message.limits.memoryMb,
    isolate: undefined,
    context: undefined,
    dispatch: undefined,
    candidates: [],
    loaded: false,
    compileError: undefined,
    calls: new Map(),
    timers: new Map(),
    retired: false,
    heapBytes: 0,
    finishedCalls: 0,
  }
  state.isolatesCreated++
  slot.isolate = new isolatedVm.Isolate({
    memoryLimit: message.limits.memoryMb,
    onCatastrophicError: onCatastrophicError(message.hookId),
  })
  try {
    prepareSlot(slot, slot.isolate, code)
  } catch (error) {
    disposeIsolate(slot)
    throw error
  }
  slot.heapBytes = sampleHeap(slot)
  return slot
}

function prepareSlot(slot: Slot, isolate: ivm.Isolate, code: HookCode): void {
  const context = isolate.createContextSync()
  slot.context = context
  const factory = runtimeFactory(isolate, context)
  try {
    slot.dispatch = factory.applySync(
      undefined,
      [
        new isolatedVm.Callback((callId: unknown, level: unknown, text: unknown) =>
          onLog(slot, callId, level, text),
        ),
        new isolatedVm.Callback(
          (op: unknown, callId: unknown, timerId: unknown, delayMs: unknown, repeat: unknown) =>
            onTimer(slot, op, callId, timerId, delayMs, repeat),
        ),
        new isolatedVm.Callback((callId: unknown, kind: unknown, payload: unknown) => {
          onDone(slot, callId, kind, payload)
        }),
        new isolatedVm.Callback(
          (op: unknown, callId: unknown, requestId: unknown, spec: unknown, body: unknown) =>
            onHttp(slot, op, callId, requestId, spec, body),
        ),
        new isolatedVm.Callback((op: unknown, a: unknown, b: unknown, c: unknown) =>
          hostService(op, a, b, c),
        ),
      ],
      { result: { reference: true }, timeout: INTERNAL_ENTRY_TIMEOUT_MS },
    ) as ivm.Reference<Dispatch>
  } finally {
    factory.release()
  }

  for (const [name, module] of Object.entries(code.modules ?? {})) {
    declareModule(isolate, context, slot.dispatch, name, module)
  }

  // compat Q10: the module body first; a bare function expression when the body exports nothing.
  const attempts: WrappedScript[] = [wrapModule(code.script, code.classes)]
  if (looksLikeBareFunction(code.script)) {
    attempts.push(wrapBareFunction(code.script, code.classes))
  }
  let firstError: string | undefined
  for (const attempt of attempts) {
    try {
      const script = isolate.compileScriptSync(attempt.source, {
        filename: SCRIPT_FILENAME,
        lineOffset: attempt.lineOffset,
      })
      try {
        slot.candidates.push(
          script.runSync(context, { reference: true, timeout: INTERNAL_ENTRY_TIMEOUT_MS }),
        )
      } finally {
        script.release()
      }
    } catch (error) {
      firstError ??= messageOf(error)
    }
  }
  if (slot.candidates.length === 0) {
    // Report the script's own line, column and tokens, not the wrapper's (script-syntax.ts).
    const own = findSyntaxError(
      code.script,
      code.classes.map((item) => item.name),
    )
    slot.compileError =
      own !== undefined
        ? describeSyntaxError(own)
        : (firstError ?? 'the script could not be compiled')
    disposeIsolate(slot)
  }
}
