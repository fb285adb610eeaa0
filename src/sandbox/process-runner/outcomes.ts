/**
 * A worker's outcome as the runner's `RunOutcome`: JSON from the worker parsed without `__proto__`
 * keys, and the messages of the outcomes the parent produces itself (host deadline, pending-call
 * limit, crash).
 */
import { COMPILE_ERROR_MESSAGE } from '../runner.js'
import type { HookErrorBody, RunOutcome } from '../runner.js'
import type { WorkerOutcome } from '../protocol.js'

/**
 * Removes every own key named `__proto__`, walking the value with an explicit stack: a reviver
 * would recurse, and a hook could send a result deep enough to overflow the server's stack.
 */
function dropProtoKeys(root: unknown): void {
  const stack: unknown[] = [root]
  while (stack.length > 0) {
    const item = stack.pop()
    if (typeof item !== 'object' || item === null) continue
    if (Object.hasOwn(item, '__proto__')) Reflect.deleteProperty(item, '__proto__')
    for (const child of Object.values(item)) {
      if (typeof child === 'object' && child !== null) stack.push(child)
    }
  }
}

/**
 * Parses JSON from a worker. Keys named `__proto__` are dropped, so that no caller can turn a hook
 * result into a prototype change by merging it with `Object.assign` or a spread of a spread.
 * (V8's `JSON.parse` itself is iterative: deep nesting does not exhaust the stack.)
 */
function parseJsonCopy(text: string): unknown {
  const value: unknown = JSON.parse(text)
  if (text.includes('__proto__') || text.includes('\\u')) dropProtoKeys(value)
  return value
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function toRunOutcome(outcome: WorkerOutcome, durationMs: number): RunOutcome {
  const common = { logs: outcome.logs, durationMs, cpuMs: outcome.cpuMs }
  switch (outcome.kind) {
    case 'ok':
      return outcome.valueJson === undefined
        ? { kind: 'ok', ...common }
        : { kind: 'ok', value: parseJsonCopy(outcome.valueJson), ...common }
    case 'hook-error': {
      const parsed = parseJsonCopy(outcome.errorJson)
      const error: HookErrorBody = isPlainObject(parsed) ? parsed : { message: String(parsed) }
      return { kind: 'hook-error', error, ...common }
    }
    case 'compile-error':
      return {
        kind: 'compile-error',
        message: COMPILE_ERROR_MESSAGE,
        description: outcome.description,
        ...common,
      }
    case 'timeout':
      return timeoutOutcome(outcome.limit, outcome.limitMs, common)
    case 'memory':
      return {
        kind: 'memory',
        limitMb: outcome.limitMb,
        message: `The hook exceeded its memory limit of ${outcome.limitMb} MB (memoryMb); its isolate was discarded`,
        ...common,
      }
    case 'limit':
      return limitOutcome(outcome.limit, outcome.value, common)
    case 'crash':
      return { kind: 'crash', reason: outcome.reason, ...common }
  }
}

type Common = { logs: RunOutcome['logs']; durationMs: number; cpuMs: number }

export function timeoutOutcome(
  limit: 'timeoutMs' | 'entryTimeoutMs',
  limitMs: number,
  common: Common,
) {
  return {
    kind: 'timeout' as const,
    limit,
    limitMs,
    message:
      limit === 'timeoutMs'
        ? `The hook did not complete within its time limit of ${limitMs} ms (timeoutMs)`
        : `The hook ran for more than ${limitMs} ms without yielding (entryTimeoutMs)`,
    ...common,
  }
}

export function limitOutcome(
  limit: 'maxTimers' | 'maxResultBytes' | 'maxPendingCalls',
  value: number,
  common: Common,
  lane?: string,
): RunOutcome {
  const what = {
    maxTimers: `The hook created more than ${value} timers in one call (maxTimers)`,
    maxResultBytes: `The hook's result or error is larger than ${value} bytes (maxResultBytes)`,
    maxPendingCalls:
      lane === undefined
        ? `The sandbox already has ${value} calls pending (maxPendingCalls)`
        : `The sandbox already has ${value} calls pending for ${lane} (maxPendingCalls)`,
  }[limit]
  return { kind: 'limit', limit, value, message: what, ...common }
}

export function crash(reason: string, startedAt: number): RunOutcome {
  return { kind: 'crash', reason, logs: [], durationMs: performance.now() - startedAt, cpuMs: 0 }
}
