import { ApiError } from '../errors/api-error.js'
import type { SecretBox } from '../crypto/keys.js'
import type { Logger } from '../logging/logger.js'
import {
  DEFAULT_HOOK_VERSIONS_KEPT,
  type HookFilter,
  type HookRecord,
  type HookSettings,
  type HookSettingsPatch,
  type HookVersionActor,
  type HookVersionRecord,
  type PageRequest,
  type SealedSecret,
  type Store,
} from '../storage/store.js'
import { checkDependencies, type DependencyLoader } from './dependencies.js'
import { normalizeHookName, type TriggerId } from './hook.js'
import { MAX_HOOK_WRITE_ATTEMPTS, notCompilingError, scriptSyntaxError } from './script-check.js'

/** Most secrets one hook may hold, counted over what is stored (compat §2.6). */
export const MAX_SECRETS_PER_HOOK = 20
/** Longest secret name, in characters (compat Q7; Auth0 documents none). */
export const MAX_SECRET_NAME_CHARS = 128
/** Longest secret value, in characters: room for a 4096-bit PEM key (compat Q7). */
export const MAX_SECRET_VALUE_CHARS = 8 * 1024
/** Secret names: letters, digits, `_` and `-` (compat Q7). */
export const SECRET_NAME_PATTERN = '^[A-Za-z0-9_-]+$'
/** What every stored secret value reads as (compat §2.6, with its trailing underscore). */
export const SECRET_PLACEHOLDER = '_VALUE_NOT_SHOWN_'

export interface CreateHookInput {
  readonly name: string
  readonly script: string
  readonly triggerId: TriggerId
  readonly enabled?: boolean
  readonly dependencies?: Readonly<Record<string, string>>
}

export interface UpdateHookInput {
  readonly name?: string
  readonly script?: string
  readonly enabled?: boolean
  readonly dependencies?: Readonly<Record<string, string>>
}

/** Something about a hook changed: what ran before for it must not run again (warm isolates). */
export type HookChangeListener = (hookId: string) => void

/** Who changes a hook when the caller does not say (tests, internal writes). */
const SYSTEM_ACTOR: HookVersionActor = { type: 'system', id: 'openhooks' }

function secretContext(hookId: string, name: string): string {
  return `hook-secret:${hookId}:${name}`
}

/**
 * The rules of hooks and their secrets, independent of HTTP: name normalisation and uniqueness,
 * the enabled-hook rules (compat §1.2, §1.3, Q1), strict secret writes (compat §2.6, Q27) and
 * sealing of secret values.
 */
export class HookService {
  readonly #store: Store
  readonly #box: SecretBox
  readonly #logger: Logger
  readonly #listeners: HookChangeListener[] = []
  readonly #dependencies: DependencyLoader | undefined
  readonly #versionsKept: number

  /**
   * Without `dependencies`, declared dependencies are stored unchecked and not loaded.
   * `versionsKept`: newest versions kept per hook (`OPENHOOKS_HOOK_VERSIONS_KEPT`).
   */
  constructor(options: {
    store: Store
    secretBox: SecretBox
    logger: Logger
    dependencies?: DependencyLoader | undefined
    versionsKept?: number
  }) {
    this.#store = options.store
    this.#box = options.secretBox
    this.#logger = options.logger
    this.#dependencies = options.dependencies
    this.#versionsKept = options.versionsKept ?? DEFAULT_HOOK_VERSIONS_KEPT
  }

  onChange(listener: HookChangeListener): void {
    this.#listeners.push(listener)
  }

  #changed(hookId: string): void {
    for (const listener of this.#listeners) listener(hookId)
  }

  #logSwitch(hook: HookRecord, disabledIds: readonly string[]): void {
    if (disabledIds.length > 0) {
      // compat Q1: enabling is an exclusive switch; say which hooks it turned off.
      this.#logger.info(
        { event: 'hook.enabled', hookId: hook.id, trigger: hook.triggerId, disabledIds },
        'hook enabled; the previously enabled hook of its trigger was disabled',
      )
    }
    for (const id of disabledIds) this.#changed(id)
  }

  async list(
    filter: HookFilter,
    page?: PageRequest,
  ): Promise<{ hooks: HookRecord[]; total: number }> {
    return this.#store.listHooks(filter, page)
  }

  async get(id: string): Promise<HookRecord> {
    const hook = await this.#store.getHook(id)
    if (hook === undefined) throw new ApiError('HookDoesNotExist')
    return hook
  }

  /** The enabled hook of a trigger, if any (compat §1.2). */
  getEnabled(triggerId: TriggerId): Promise<HookRecord | undefined> {
    return this.#store.getEnabledHook(triggerId)
  }

  async create(
    input: CreateHookInput,
    actor: HookVersionActor = SYSTEM_ACTOR,
  ): Promise<HookRecord> {
    // issue 9: a dependency that cannot run rejects the save before anything is written.
    await checkDependencies(this.#dependencies, input.dependencies)
    // compat §1.3: without `enabled`, the first hook of a trigger is enabled, later ones not.
    let enabled: boolean | 'if-first' = input.enabled ?? 'if-first'
    const syntax = enabled === false ? undefined : scriptSyntaxError(input.script, input.triggerId)
    if (syntax !== undefined) {
      // issue 18.7: a script that does not compile is stored only disabled.
      if (enabled === true || (await this.#store.getEnabledHook(input.triggerId)) === undefined) {
        throw notCompilingError(syntax)
      }
      // Another hook of the point is enabled, so this one would not be the first: stored disabled
      // (said explicitly, so that the other being removed meanwhile cannot enable this one).
      enabled = false
    }
    const result = await this.#store.createHook(
      {
        name: normalizeHookName(input.name),
        script: input.script,
        triggerId: input.triggerId,
        enabled,
        dependencies: input.dependencies ?? {},
      },
      { actor, keep: this.#versionsKept },
    )
    if (!result.ok) throw new ApiError('HookNameTakenOnCreate')
    // A new enabled hook changes what its trigger runs.
    this.#changed(result.hook.id)
    this.#logSwitch(result.hook, result.disabledIds)
    return result.hook
  }

  async update(
    id: string,
    input: UpdateHookInput,
    actor: HookVersionActor = SYSTEM_ACTOR,
    deployedFrom?: number,
  ): Promise<HookRecord> {
    if (input.dependencies !== undefined && (await this.#store.getHook(id)) === undefined) {
      throw new ApiError('HookDoesNotExist')
    }
    await checkDependencies(this.#dependencies, input.dependencies)
    for (let attempt = 1; attempt <= MAX_HOOK_WRITE_ATTEMPTS; attempt += 1) {
      const expect = await this.#checkCompiles(id, input)
      const result = await this.#store.updateHook(
        id,
        {
          ...(input.name !== undefined ? { name: normalizeHookName(input.name) } : undefined),
          ...(input.script !== undefined ? { script: input.script } : undefined),
          ...(input.enabled !== undefined ? { enabled: input.enabled } : undefined),
          ...(input.dependencies !== undefined ? { dependencies: input.dependencies } : undefined),
          ...(expect !== undefined ? { expect } : undefined),
        },
        {
          actor,
          keep: this.#versionsKept,
          ...(deployedFrom !== undefined ? { deployedFrom } : undefined),
        },
      )
      if (!result.ok && result.reason === 'changed') continue
      if (!result.ok) {
        throw new ApiError(
          result.reason === 'not-found' ? 'HookDoesNotExist' : 'HookNameTakenOnUpdate',
        )
      }
      this.#changed(id)
      this.#logSwitch(result.hook, result.disabledIds)
      return result.hook
    }
    throw new ApiError('HookChangedConcurrently')
  }

  /**
   * issue 18.7: a write that leaves the hook enabled with a new script, or enables it, needs a
   * script that compiles; a disabled hook may hold any script (as on Auth0). Returns the part of
   * the hook's state the decision depended on, which the write then requires (so a concurrent
   * enable or script change cannot slip past it), or undefined when the decision depended on
   * none: a new script that compiles may be written whatever the hook's state, so concurrent
   * saves of good scripts never conflict.
   */
  async #checkCompiles(
    id: string,
    input: UpdateHookInput,
  ): Promise<{ script?: string; enabled?: boolean } | undefined> {
    if (input.enabled === false) return undefined
    if (input.script === undefined && input.enabled !== true) return undefined
    const current = await this.#store.getHook(id)
    if (current === undefined) throw new ApiError('HookDoesNotExist')
    if (input.script === undefined) {
      // Enabling the stored script: it must compile, and still be the one stored at the write.
      const syntax = scriptSyntaxError(current.script, current.triggerId)
      if (syntax !== undefined) throw notCompilingError(syntax)
      return { script: current.script }
    }
    const syntax = scriptSyntaxError(input.script, current.triggerId)
    if (syntax === undefined) return undefined
    // A script that does not compile: only into a hook that stays disabled.
    if (input.enabled === true || current.enabled) throw notCompilingError(syntax)
    return { enabled: false }
  }

  /** Newest first (issue 22). */
  async listVersions(
    hookId: string,
    page?: PageRequest,
  ): Promise<{ items: HookVersionRecord[]; total: number }> {
    const found = await this.#store.listHookVersions(hookId, page)
    if (found === undefined) throw new ApiError('HookDoesNotExist')
    return found
  }

  async getVersion(hookId: string, number: number): Promise<HookVersionRecord> {
    const version = await this.#store.getHookVersion(hookId, number)
    if (version !== undefined) return version
    if ((await this.#store.getHook(hookId)) === undefined) throw new ApiError('HookDoesNotExist')
    throw new ApiError('HookVersionDoesNotExist')
  }

  /**
   * Makes a version's script and dependencies current, as a new version (history is never
   * rewritten). Its dependencies are checked like a save's: when they cannot run, nothing changes.
   */
  async deployVersion(
    hookId: string,
    number: number,
    actor: HookVersionActor,
  ): Promise<HookRecord> {
    const version = await this.getVersion(hookId, number)
    return this.update(
      hookId,
      { script: version.script, dependencies: version.dependencies },
      actor,
      number,
    )
  }

  /** The settings of a hook, or `undefined` when it does not exist (for the dispatcher). */
  findSettings(hookId: string): Promise<HookSettings | undefined> {
    return this.#store.getHookSettings(hookId)
  }

  /** The hook's openhooks settings (issue 22): the failure policy. */
  async getSettings(hookId: string): Promise<HookSettings> {
    const settings = await this.#store.getHookSettings(hookId)
    if (settings === undefined) throw new ApiError('HookDoesNotExist')
    return settings
  }

  async updateSettings(
    hookId: string,
    patch: HookSettingsPatch,
    actor: HookVersionActor = SYSTEM_ACTOR,
  ): Promise<HookSettings> {
    const settings = await this.#store.updateHookSettings(hookId, patch)
    if (settings === undefined) throw new ApiError('HookDoesNotExist')
    this.#logger.info(
      { event: 'hook.settings.updated', hookId, settings, actor },
      "hook's settings updated",
    )
    this.#changed(hookId)
    return settings
  }

  async delete(id: string): Promise<void> {
    if (!(await this.#store.deleteHook(id))) throw new ApiError('HookDoesNotExist')
    this.#changed(id)
  }

  /** Every secret name mapped to the placeholder; values are write-only. */
  async listSecrets(hookId: string): Promise<Record<string, string>> {
    const names = await this.#store.listSecretNames(hookId)
    if (names === undefined) throw new ApiError('HookDoesNotExist')
    return Object.fromEntries(names.map((name) => [name, SECRET_PLACEHOLDER]))
  }

  #seal(hookId: string, secrets: Readonly<Record<string, string>>): SealedSecret[] {
    return Object.entries(secrets).map(([name, value]) => ({
      name,
      value: this.#box.seal(value, secretContext(hookId, name)),
    }))
  }

  async addSecrets(hookId: string, secrets: Readonly<Record<string, string>>): Promise<void> {
    const result = await this.#store.addSecrets(
      hookId,
      this.#seal(hookId, secrets),
      MAX_SECRETS_PER_HOOK,
    )
    if (!result.ok) {
      switch (result.reason) {
        case 'hook-not-found':
          throw new ApiError('HookDoesNotExist')
        case 'name-exists':
          throw new ApiError('HookSecretAlreadyExists')
        case 'too-many':
          throw new ApiError('TooManySecrets')
        case 'name-missing':
          throw new TypeError('addSecrets cannot report a missing name')
      }
    }
    this.#changed(hookId)
  }

  async updateSecrets(hookId: string, secrets: Readonly<Record<string, string>>): Promise<void> {
    const result = await this.#store.updateSecrets(hookId, this.#seal(hookId, secrets))
    if (!result.ok) {
      switch (result.reason) {
        case 'hook-not-found':
          throw new ApiError('HookDoesNotExist')
        case 'name-missing':
          throw new ApiError('HookSecretDoesNotExist')
        case 'name-exists':
        case 'too-many':
          throw new TypeError(`updateSecrets cannot report ${result.reason}`)
      }
    }
    this.#changed(hookId)
  }

  async deleteSecrets(hookId: string, names: readonly string[]): Promise<void> {
    const result = await this.#store.deleteSecrets(hookId, names)
    if (!result.ok) throw new ApiError('HookDoesNotExist')
    this.#changed(hookId)
  }

  /** The hook's secrets in plaintext, for its own runs only. */
  async readSecrets(hookId: string): Promise<Record<string, string>> {
    const sealed = await this.#store.readSecrets(hookId)
    return Object.fromEntries(
      sealed.map((s) => [s.name, this.#box.open(s.value, secretContext(hookId, s.name))]),
    )
  }
}
