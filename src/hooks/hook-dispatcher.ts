import type { Logger } from '../logging/logger.js'
import type { HookRunner } from '../sandbox/runner.js'
import type { HookRecord } from '../storage/store.js'
import type { DependencyLoader } from './dependencies.js'
import { runHook, type HookRun } from './dispatch.js'
import { redactDeep, redactOutcome } from './redact.js'
import type { TriggerId } from './hook.js'
import type { HookService } from './hook-service.js'
import type { TriggerDefinition, TriggerFailure } from './triggers/trigger.js'

/**
 * How long the enabled hook of a trigger and its secrets are reused without asking the store, in
 * milliseconds. Changes made through this process invalidate at once; the TTL bounds how stale
 * another node's change can be.
 */
export const ENABLED_HOOK_CACHE_TTL_MS = 1_000

interface CachedHook {
  readonly hook: HookRecord | undefined
  readonly secrets: Readonly<Record<string, string>>
  readonly expiresAt: number
}

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

/** A hook that ran, and how. */
export interface Dispatched<Result, Failure extends TriggerFailure> {
  readonly hook: HookRecord
  readonly run: HookRun<Result, Failure>
}

/**
 * Runs the enabled hook of a trigger, for the flows: `undefined` when the trigger has none (the
 * extensibility point is skipped, compat §1.2).
 */
export class HookDispatcher {
  readonly #hooks: HookService
  readonly #runner: HookRunner
  readonly #logger: Logger
  readonly #now: () => number
  readonly #dependencies: DependencyLoader | undefined
  readonly #cache = new Map<TriggerId, CachedHook>()
  /** Bumped by every change, so that a read that raced with a change is not cached. */
  #generation = 0

  constructor(options: {
    hooks: HookService
    runner: HookRunner
    logger: Logger
    now?: () => number
    dependencies?: DependencyLoader | undefined
  }) {
    this.#dependencies = options.dependencies
    this.#hooks = options.hooks
    this.#runner = options.runner
    this.#logger = options.logger
    this.#now = options.now ?? Date.now
    // Any change to any hook may change which hook of its trigger is enabled: drop everything.
    options.hooks.onChange(() => {
      this.#generation += 1
      this.#cache.clear()
    })
  }

  async #enabled(triggerId: TriggerId): Promise<CachedHook> {
    const cached = this.#cache.get(triggerId)
    if (cached !== undefined && cached.expiresAt > this.#now()) return cached
    const generation = this.#generation
    const hook = await this.#hooks.getEnabled(triggerId)
    const entry: CachedHook = {
      hook,
      secrets: hook === undefined ? {} : await this.#hooks.readSecrets(hook.id),
      expiresAt: this.#now() + ENABLED_HOOK_CACHE_TTL_MS,
    }
    if (generation === this.#generation) this.#cache.set(triggerId, entry)
    return entry
  }

  async dispatch<Payload, Result, Failure extends TriggerFailure>(
    trigger: TriggerDefinition<Payload, Result, Failure>,
    payload: Payload,
  ): Promise<Dispatched<Result, Failure> | undefined> {
    const { hook, secrets } = await this.#enabled(trigger.id)
    if (hook === undefined) return undefined
    const run = await runHook({
      runner: this.#runner,
      trigger,
      hook,
      secrets,
      payload,
      logger: this.#logger,
      dependencies: this.#dependencies,
    })
    return { hook, run: redactRun(run, secrets) }
  }
}
