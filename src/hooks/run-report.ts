/**
 * What the Runner (`POST /api/v2/hooks/{id}/test`) and the local `openhooks run`/`openhooks test`
 * show of a run: `{status, data, logs, durationMs}`, with a failed run's error as its own
 * properties, as Auth0's runner did (compat §4.6, Q23).
 */
import type { HookRun } from './dispatch.js'
import type { FailedRun, TriggerFailure } from './triggers/trigger.js'

export interface RunReport {
  readonly status: 'success' | 'error'
  readonly data: unknown
  readonly logs: readonly { level: string; message: string; timestamp: string }[]
  readonly durationMs: number
}

/** A failed run's error, as the Runner shows it. */
export function errorData(failed: FailedRun): Record<string, unknown> {
  switch (failed.kind) {
    case 'hook-error':
      return { ...failed.error }
    case 'compile-error':
      return { message: failed.message, error_description: failed.description }
    case 'invalid-result':
      return { message: failed.message }
    case 'timeout':
      return { message: failed.message, limit: failed.limit, limitMs: failed.limitMs }
    case 'memory':
      return { message: failed.message, limit: 'memoryMb', limitMb: failed.limitMb }
    case 'limit':
      return { message: failed.message, limit: failed.limit, value: failed.value }
    case 'crash':
      return { message: `The hook could not be run: ${failed.reason}` }
  }
}

/** The report of a run whose payload passed the trigger's checks. */
export function runReport<Result, Failure extends TriggerFailure>(
  run: Exclude<HookRun<Result, Failure>, { kind: 'invalid-payload' }>,
): RunReport {
  return {
    status: run.kind === 'succeeded' ? 'success' : 'error',
    data: run.kind === 'succeeded' ? (run.outcome.value ?? null) : errorData(run.failed),
    logs: run.outcome.logs.map((l) => ({
      level: l.level,
      message: l.message,
      timestamp: l.timestamp,
    })),
    durationMs: run.outcome.durationMs,
  }
}
