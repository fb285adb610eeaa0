/**
 * The Runner (compat §4.6, Q23): run a hook, enabled or not, with a payload of its trigger's shape,
 * and report its result, error and console output (secrets redacted). Nothing is saved. The
 * Management API's test routes call this; they reach the hooks and the sandbox through it only.
 */
import { ApiError } from '../errors/api-error.js'
import type { DependencyLoader } from '../hooks/dependencies.js'
import { runHookForTrigger } from '../hooks/dispatch.js'
import type { TriggerId } from '../hooks/hook.js'
import { redactRun } from '../hooks/hook-dispatcher.js'
import type { HookService } from '../hooks/hook-service.js'
import { runReport, type RunReport } from '../hooks/run-report.js'
import { scriptSyntaxError } from '../hooks/script-check.js'
import { findTrigger, getTrigger } from '../hooks/triggers/index.js'
import type { TriggerDefinition, TriggerFailure } from '../hooks/triggers/trigger.js'
import type { Logger } from '../logging/logger.js'
import type { HookRunner } from '../sandbox/runner.js'

export type { RunReport } from '../hooks/run-report.js'

export interface TestRunDeps {
  readonly hooks: HookService
  readonly runner: HookRunner
  /** Receives the `hook.executed` event of each run. */
  readonly logger: Logger
  /** Loads the hook's npm dependencies (issue 9). */
  readonly dependencies?: DependencyLoader | undefined
}

export interface TestRunRequest {
  readonly hookId: string
  /** Runs this text instead of the saved script; nothing is saved (compat Q23). */
  readonly script: string | undefined
  /** The trigger's wire body, unchecked: the trigger's own checks run first. */
  readonly payload: unknown
  /** The HTTP request's id, for the log. */
  readonly requestId: string
}

/**
 * Runs the hook once with the test payload. A payload that fails the trigger's checks is the
 * Management API's `InvalidBody`; an unknown hook its `NotFound` (from the hook service).
 */
export async function testRunHook(deps: TestRunDeps, request: TestRunRequest): Promise<RunReport> {
  const hook = await deps.hooks.get(request.hookId)
  // The payload is unknown until the trigger's own checks have run, inside runHookForTrigger.
  const trigger = getTrigger(hook.triggerId as TriggerId) as unknown as TriggerDefinition<
    unknown,
    unknown,
    TriggerFailure
  >
  const secrets = await deps.hooks.readSecrets(hook.id)
  const run = redactRun(
    await runHookForTrigger({
      runner: deps.runner,
      trigger,
      hook: {
        id: hook.id,
        script: request.script ?? hook.script,
        dependencies: hook.dependencies,
      },
      secrets,
      payload: request.payload,
      logger: deps.logger.child({ reqId: request.requestId, runner: true }),
      dependencies: deps.dependencies,
    }),
    secrets,
  )
  if (run.kind === 'invalid-payload') {
    throw new ApiError('InvalidBody', { message: run.message })
  }
  return runReport(run)
}

/** The Runner's default payload of a trigger; `NotFound` for an id that is not a trigger. */
export function samplePayload(triggerId: string): unknown {
  const trigger = findTrigger(triggerId)
  if (trigger === undefined) throw new ApiError('NotFound')
  return trigger.samplePayload
}

/** What the syntax check of a script answers (`POST /hooks/triggers/{triggerId}/syntax-check`). */
export type SyntaxCheck =
  | { readonly compiles: true }
  | {
      readonly compiles: false
      readonly message: string
      readonly line: number
      readonly column: number
    }

/**
 * Whether `script` compiles for a trigger (issue 18.7): the compile check of enabling, for the
 * dashboard to ask before saving and `openhooks import` to report before writing. Parsed, never run.
 */
export function checkScriptSyntax(triggerId: string, script: string): SyntaxCheck {
  if (findTrigger(triggerId) === undefined) throw new ApiError('NotFound')
  const error = scriptSyntaxError(script, triggerId)
  return error === undefined ? { compiles: true } : { compiles: false, ...error }
}
