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
