import type { RunOutcome } from '../sandbox/runner.js'
import type { HookRecord } from '../storage/store.js'

/**
 * What a tenant log event says about the hook that ran: id, name, outcome, duration and console
 * output (already bounded by the sandbox). Never the secrets, the script or the payload.
 */
export function hookLogDetails(
  hook: HookRecord,
  outcome: RunOutcome,
  error?: string,
): Record<string, unknown> {
  return {
    id: hook.id,
    name: hook.name,
    triggerId: hook.triggerId,
    outcome: outcome.kind,
    durationMs: Math.round(outcome.durationMs * 1000) / 1000,
    ...(error !== undefined ? { error } : undefined),
    logs: outcome.logs.map((l) => ({ level: l.level, message: l.message, timestamp: l.timestamp })),
  }
}

/**
 * A hook's log details, marked as failed open: the hook could not run, its failure policy is
 * `open`, and the flow went on as if no hook were enabled (issue 22).
 */
/** The `description` of a success event whose hook failed open (issue 22). */
export const FAILED_OPEN_DESCRIPTION =
  'The hook failed and its failure policy is open: the flow went on as if no hook were enabled'

/** `{ description }` for a success event when its hook failed open, else nothing. */
export function failedOpenDescription(details: Record<string, unknown> | undefined): {
  description?: string
} {
  return details?.failedOpen === true ? { description: FAILED_OPEN_DESCRIPTION } : {}
}

export function failedOpenDetails(details: Record<string, unknown>): Record<string, unknown> {
  return { ...details, failurePolicy: 'open', failedOpen: true }
}
