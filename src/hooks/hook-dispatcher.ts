import type { Logger } from '../logging/logger.js'
import type { HookRunner } from '../sandbox/runner.js'
import { FreshCache } from '../storage/fresh-cache.js'
import { DEFAULT_HOOK_SETTINGS, type HookRecord, type HookSettings } from '../storage/store.js'
import type { DependencyLoader } from './dependencies.js'
import type { HookExecutions, NewHookExecution } from './execution-log.js'
import { hookVersionKey, runHookForTrigger, type HookRun } from './dispatch.js'
import { redactDeep, redactOutcome } from './redact.js'
import type { TriggerId } from './hook.js'
import type { HookService } from './hook-service.js'
import { describeFailure, type TriggerDefinition, type TriggerFailure } from './triggers/trigger.js'

/**
 * Default of how long the enabled hook of a trigger and its secrets are reused without asking the
 * store, in milliseconds (`OPENHOOKS_HOOK_CACHE_TTL_MS`). A change made on any node invalidates at once (`invalidate()`, called by the change
 * bus, ADR 0008); the TTL bounds how stale a node can be when a notification is lost.
 */
export const ENABLED_HOOK_CACHE_TTL_MS = 1_000

/**
 * The failures a hook's `open` failure policy lets through (issue 22): the hook could not run or
 * finish. An error the hook returns on purpose (`cb(error)`, a throw: `hook-error`) or a result
 * it returns that the trigger refuses (`invalid-result`) still fails the flow.
 */
export const FAIL_OPEN_KINDS: ReadonlySet<string> = new Set([
  'timeout',
  'memory',
  'compile-error',
  'limit',
  'crash',
])

interface CachedHook {
  readonly hook: HookRecord | undefined
  readonly settings: HookSettings
  readonly secrets: Readonly<Record<string, string>>
  /** The sandbox version key, hashed once per read of the hook rather than once per call. */
  readonly versionKey: string
}

/** Entries of the enabled-hook cache: one per extensibility point, with room to spare. */
const ENABLED_HOOK_CACHE_MAX_ENTRIES = 64

/** The run with the hook's secret values removed from its console output. */
export function redactRun<Result, Failure extends TriggerFailure>(
  run: HookRun<Result, Failure>,
  secrets: Readonly<Record<string, string>>,
): HookRun<Result, Failure> {
  switch (run.kind) {
    case 'invalid-payload':
      return run
    case 'succeeded':
      return { ...run, outcome: redactOutcome(run.outcome, secrets) }
    case 'failed':
      // The error's text reaches the tenant log, the server log and (for some points) the client.
      return {
        ...run,
        outcome: redactOutcome(run.outcome, secrets),
        failed: redactDeep(run.failed, secrets),
        failure: redactDeep(run.failure, secrets),
      }
  }
}

/**
 * The live log's record of a run (issue 18.5), from the run with secrets already removed. Each
 * case is one object literal: on Node 20 a property added after an object spread (`{ ...base, x }`)
 * costs microseconds, and this runs on every hook call (docs/performance.md, issue 23).
 */
export function toExecution<Result, Failure extends TriggerFailure>(
  hook: HookRecord,
  run: HookRun<Result, Failure>,
  failedOpen: boolean,
): NewHookExecution {
  switch (run.kind) {
    case 'invalid-payload':
      return {
        hookId: hook.id,
        hookName: hook.name,
        triggerId: hook.triggerId,
        outcome: 'failed',
        failure: 'invalid-payload',
        error: run.message,
        durationMs: 0,
        logs: [],
      }
    case 'succeeded':
      return {
        hookId: hook.id,
        hookName: hook.name,
        triggerId: hook.triggerId,
        outcome: 'succeeded',
        durationMs: run.outcome.durationMs,
        logs: run.outcome.logs,
      }
    case 'failed':
      return {
        hookId: hook.id,
        hookName: hook.name,
        triggerId: hook.triggerId,
        outcome: 'failed',
        failure: run.failed.kind,
        error: describeFailure(run.failed),
        ...(failedOpen ? { failedOpen } : undefined),
        durationMs: run.outcome.durationMs,
        logs: run.outcome.logs,
      }
  }
}

/** What a flow tells the dispatcher besides the payload. */
export interface DispatchOptions {
  /**
   * Values of this request the live log must not show, besides the hook's secrets (the signup
   * password, the MFA code); the flows remove them from what they log themselves.
   */
  readonly redact?: Readonly<Record<string, string>>
}

/** A hook that ran, and how. */
export interface Dispatched<Result, Failure extends TriggerFailure> {
  readonly hook: HookRecord
  readonly run: HookRun<Result, Failure>
  /**
   * The run failed in a way the hook's `open` failure policy lets through: the flow goes on as
   * if no hook were enabled, and its log event says so (issue 22).
   */
  readonly failedOpen: boolean
}

/**
 * Runs the enabled hook of a trigger, for the flows: `undefined` when the trigger has none (the
 * extensibility point is skipped, compat §1.2).
 */
export class HookDispatcher {
  readonly #hooks: HookService
  readonly #runner: HookRunner
  readonly #logger: Logger
  readonly #dependencies: DependencyLoader | undefined
  readonly #executions: HookExecutions | undefined
  /** The enabled hook of each trigger, with its settings and secrets; concurrent misses share a read. */
  readonly #cache: FreshCache<TriggerId, CachedHook>

  constructor(options: {
    hooks: HookService
    runner: HookRunner
    logger: Logger
    now?: () => number
    dependencies?: DependencyLoader | undefined
    /** How long an enabled hook is cached, in milliseconds; ENABLED_HOOK_CACHE_TTL_MS by default. */
    cacheTtlMs?: number
    /** Receives every run (the hooks' live logs, issue 18.5). */
    executions?: HookExecutions | undefined
  }) {
    this.#cache = new FreshCache({
      ttlMs: options.cacheTtlMs ?? ENABLED_HOOK_CACHE_TTL_MS,
      maxEntries: ENABLED_HOOK_CACHE_MAX_ENTRIES,
      keep: 'all',
      now: options.now,
    })
    this.#dependencies = options.dependencies
    this.#executions = options.executions
    this.#hooks = options.hooks
    this.#runner = options.runner
    this.#logger = options.logger
  }

  /**
   * Forgets every cached hook: called for every hook change on any node (the change bus). Any
   * change to any hook may change which hook of its trigger is enabled, so everything goes.
   */
  invalidate(): void {
    this.#cache.clear()
  }

  #enabled(triggerId: TriggerId): Promise<CachedHook> {
    return this.#cache.read(triggerId, () => this.#load(triggerId))
  }

  async #load(triggerId: TriggerId): Promise<CachedHook> {
    const hook = await this.#hooks.getEnabled(triggerId)
    const settings =
      hook === undefined
        ? DEFAULT_HOOK_SETTINGS
        : ((await this.#hooks.findSettings(hook.id)) ?? DEFAULT_HOOK_SETTINGS)
    const secrets = hook === undefined ? {} : await this.#hooks.readSecrets(hook.id)
    return {
      hook,
      settings,
      secrets,
      versionKey: hook === undefined ? '' : hookVersionKey(hook, secrets),
    }
  }

  async dispatch<Payload, Result, Failure extends TriggerFailure>(
    trigger: TriggerDefinition<Payload, Result, Failure>,
    payload: Payload,
    options: DispatchOptions = {},
  ): Promise<Dispatched<Result, Failure> | undefined> {
    const { hook, secrets, settings, versionKey } = await this.#enabled(trigger.id)
    if (hook === undefined) return undefined
    const run = await runHookForTrigger({
      runner: this.#runner,
      trigger,
      hook,
      secrets,
      versionKey,
      payload,
      logger: this.#logger,
      dependencies: this.#dependencies,
    })
    const failedOpen =
      run.kind === 'failed' &&
      settings.failurePolicy === 'open' &&
      FAIL_OPEN_KINDS.has(run.failed.kind)
    if (failedOpen) {
      this.#logger.warn(
        { event: 'hook.failed_open', trigger: trigger.id, hookId: hook.id },
        'the hook failed; its failure policy is open, so the flow goes on without it',
      )
    }
    const redacted = redactRun(run, secrets)
    if (this.#executions !== undefined) {
      const shown = options.redact === undefined ? redacted : redactRun(redacted, options.redact)
      this.#executions.record(toExecution(hook, shown, failedOpen))
    }
    return { hook, run: redacted, failedOpen }
  }
}
