/**
 * Runs one given hook for one trigger (`runHookForTrigger`): argument checks, `context.webtask`, the
 * sandbox call, and the trigger's reading of the outcome. Flows call this through
 * hook-dispatcher.ts, which first finds the trigger's enabled hook, or directly when the hook is
 * given (the Runner, flows/test-run.ts; `openhooks run`), and turn the `HookRun` into their
 * response.
 */
import { createHash } from 'node:crypto'
import type { Logger } from 'pino'
import type {
  HookRunner,
  OkOutcome,
  RunLimits,
  RunOutcome,
  SandboxModule,
} from '../sandbox/runner.js'
import { toSandboxModules, type DependencyLoader } from './dependencies.js'
import type { FailedRun, TriggerDefinition, TriggerFailure } from './triggers/trigger.js'

/** What of a hook the sandbox needs. */
export interface RunnableHook {
  readonly id: string
  readonly script: string
  readonly dependencies: Readonly<Record<string, string>>
}

export interface RunHookInput<Payload, Result, Failure extends TriggerFailure> {
  readonly runner: HookRunner
  readonly trigger: TriggerDefinition<Payload, Result, Failure>
  readonly hook: RunnableHook
  /** The hook's decrypted secrets, and only its own (compat §2.6, §3.8). */
  readonly secrets: Readonly<Record<string, string>>
  /** `hookVersionKey(hook, secrets)`, when the caller computed it once for many runs. */
  readonly versionKey?: string
  /** The trigger's wire body (compat §4); checked before the script is called. */
  readonly payload: unknown
  /** Overrides of the trigger's and the sandbox's limits. */
  readonly limits?: Partial<RunLimits>
  /** When given, receives the `hook.executed` event (STYLE §8). */
  readonly logger?: Logger
  /** Loads the hook's declared npm dependencies (issue 9); without it, none are available. */
  readonly dependencies?: DependencyLoader | undefined
}

/** The outcome of `runHookForTrigger`, for the flow to act on. */
export type HookRun<Result, Failure extends TriggerFailure> =
  /** The payload failed the trigger's argument checks; the script was not called (compat §3.3). */
  | { readonly kind: 'invalid-payload'; readonly message: string }
  | { readonly kind: 'succeeded'; readonly result: Result; readonly outcome: OkOutcome }
  | {
      readonly kind: 'failed'
      readonly failure: Failure
      readonly failed: FailedRun
      readonly outcome: RunOutcome
    }

/** JSON with object keys sorted at every level, so that equal maps give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'object' && item !== null && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  )
}

/**
 * The sandbox version key of a hook: SHA-256 over its id, script, secrets and dependencies. Any
 * change to one of them gives a new key, hence a new isolate with fresh module state.
 */
export function hookVersionKey(
  hook: RunnableHook,
  secrets: Readonly<Record<string, string>>,
): string {
  return createHash('sha256')
    .update(canonicalJson([hook.id, hook.script, secrets, hook.dependencies]))
    .digest('hex')
}

/**
 * Runs `hook` for `trigger` with `payload`.
 *
 * @example
 * const run = await runHookForTrigger({ runner, trigger: credentialsExchange, hook, secrets, payload })
 * if (run.kind === 'failed') return oauthError(run.failure)
 */
export async function runHookForTrigger<Payload, Result, Failure extends TriggerFailure>(
  input: RunHookInput<Payload, Result, Failure>,
): Promise<HookRun<Result, Failure>> {
  const { trigger, hook } = input
  const check = trigger.validatePayload(input.payload)
  if (!check.ok) return { kind: 'invalid-payload', message: check.message }

  let modules: Record<string, SandboxModule> | undefined
  let outcome: RunOutcome | undefined
  if (input.dependencies !== undefined && Object.keys(hook.dependencies).length > 0) {
    const started = performance.now()
    try {
      modules = toSandboxModules(await input.dependencies.load(hook.dependencies))
    } catch (error) {
      // The cache lost a bundle and the registry cannot give it back: the hook cannot run.
      outcome = {
        kind: 'crash',
        reason: `the hook's dependencies could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
        logs: [],
        durationMs: performance.now() - started,
        cpuMs: 0,
      }
    }
  }
  outcome ??= await input.runner.run({
    hookId: hook.id,
    versionKey: input.versionKey ?? hookVersionKey(hook, input.secrets),
    script: hook.script,
    injectedClasses: trigger.errorClasses,
    args: trigger.buildArgs(check.payload, input.secrets),
    limits: { ...trigger.limits, ...input.limits },
    ...(modules !== undefined ? { modules } : undefined),
    // Each extensibility point has its own share of the sandbox (issue 17).
    lane: trigger.id,
  })

  if (outcome.kind === 'ok' && outcome.value == null && trigger.noDataResult === 'empty-object') {
    // The user-registration compiler's `cb()` → `{}` (compat §3.3), for every reader of the run.
    outcome = { ...outcome, value: {} }
  }
  let run: HookRun<Result, Failure>
  if (outcome.kind === 'ok') {
    const parsed = trigger.parseResult(outcome.value)
    if (parsed.ok) {
      run = { kind: 'succeeded', result: parsed.result, outcome }
    } else {
      const failed: FailedRun = { kind: 'invalid-result', message: parsed.message }
      run = { kind: 'failed', failure: trigger.mapFailure(failed), failed, outcome }
    }
  } else {
    run = { kind: 'failed', failure: trigger.mapFailure(outcome), failed: outcome, outcome }
  }

  if (input.logger !== undefined) {
    const fields: ExecutedFields = {
      event: 'hook.executed',
      trigger: trigger.id,
      hookId: hook.id,
      outcome: run.kind === 'failed' ? run.failed.kind : outcome.kind,
      durationMs: outcome.durationMs,
      cpuMs: outcome.cpuMs,
    }
    const logger = executedLogger(input.logger)
    if (run.kind === 'succeeded') logger.info(fields, 'hook executed')
    else logger.warn(fields, 'hook failed')
  }
  return run
}

/**
 * The fields of the `hook.executed` line, and the only ones: identifiers the server chose, an
 * outcome's kind and two numbers. None can hold a secret, a script or a request's body.
 */
interface ExecutedFields {
  readonly event: 'hook.executed'
  readonly trigger: string
  readonly hookId: string
  readonly outcome: string
  readonly durationMs: number
  readonly cpuMs: number
}

const executedLoggers = new WeakMap<Logger, Logger>()

/**
 * The logger of the `hook.executed` line: the caller's, without its redaction paths. The line is
 * written on every hook call, and the paths' walk over its object (wildcards look at every key)
 * cost about as much as the rest of the line; its fields (`ExecutedFields`) hold nothing those
 * paths remove. Every other line keeps the redaction (docs/performance.md, issue 23).
 */
function executedLogger(logger: Logger): Logger {
  let plain = executedLoggers.get(logger)
  if (plain === undefined) {
    plain = logger.child({}, { redact: [] })
    executedLoggers.set(logger, plain)
  }
  return plain
}
