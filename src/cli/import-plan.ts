/**
 * What an import changes: hooks from files matched against the server's, as deploy-cli matches
 * them (by `id`, then by name; compat §6.5), and each hook and secret given an action. Pure.
 */
import type { CreateHookBody, HookResponse, UpdateHookBody } from '../http/management/schemas.js'
import {
  compare,
  HIDDEN_SECRET_VALUE,
  sortByName,
  type InputProblem,
  type LocalHook,
} from './hook-files.js'

export type Action = 'create' | 'update' | 'delete' | 'unchanged'
/** `skip`: a placeholder for a secret the server does not have; there is no value to send. */
export type SecretAction = Action | 'skip'

export interface SecretPlan {
  readonly name: string
  readonly action: SecretAction
  readonly note?: string
  /** The value to send, for `create` and `update`. */
  readonly value?: string
}

export interface HookPlan {
  /** The name after the import. */
  readonly name: string
  readonly triggerId: string
  readonly action: Action
  /** Why, or which fields change. */
  readonly note?: string
  /** The server's id, for every action but `create`. */
  readonly id?: string
  readonly create?: CreateHookBody
  readonly update?: UpdateHookBody
  /** The server changes this hook as a side effect of another one (no request of its own). */
  readonly implicit?: boolean
  readonly local?: LocalHook
  readonly secrets: readonly SecretPlan[]
}

/** A hook on the server with its secret names. */
export interface RemoteHook {
  readonly hook: HookResponse
  readonly secretNames: readonly string[]
}

export interface ImportPlan {
  /** Sorted by name. */
  readonly hooks: readonly HookPlan[]
  /** Conflicts with the server's state; when any, nothing may be written. */
  readonly problems: readonly InputProblem[]
}

function sameDependencies(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
): boolean {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k])
}

const NOT_IN_FILES = 'not in the files; --delete would remove it'

export function planImport(
  local: readonly LocalHook[],
  remote: readonly RemoteHook[],
  options: { readonly allowDelete: boolean },
): ImportPlan {
  const problems: InputProblem[] = []
  const unmatched = new Map(remote.map((r) => [r.hook.id, r]))
  const matches = new Map<LocalHook, RemoteHook>()
  // deploy-cli's identifiers, in order: id, then name.
  for (const hook of local) {
    const byId = hook.id === undefined ? undefined : unmatched.get(hook.id)
    if (byId !== undefined) {
      matches.set(hook, byId)
      unmatched.delete(byId.hook.id)
    }
  }
  for (const hook of local) {
    if (matches.has(hook)) continue
    const byName = [...unmatched.values()].find((r) => r.hook.name === hook.name)
    if (byName !== undefined) {
      matches.set(hook, byName)
      unmatched.delete(byName.hook.id)
    }
  }

  const plans: HookPlan[] = []
  for (const hook of local) {
    const match = matches.get(hook)
    plans.push(match === undefined ? planCreate(hook) : planUpdate(hook, match, options, problems))
  }
  for (const other of unmatched.values()) {
    const { hook } = other
    if (options.allowDelete) {
      plans.push({
        name: hook.name,
        triggerId: hook.triggerId,
        action: 'delete',
        id: hook.id,
        secrets: [],
      })
      continue
    }
    // The server enables one hook per point: enabling one from the files disables this one.
    const enabler = hook.enabled
      ? local.find((l) => l.enabled && l.triggerId === hook.triggerId)
      : undefined
    const taken = local.find((l) => l.name === hook.name)
    if (taken !== undefined) {
      problems.push({
        file: taken.file,
        field: `${taken.fieldPrefix}name`,
        message: `"${taken.name}" is the name of another hook on the server (id ${hook.id}); choose another name, or remove that hook (--delete)`,
      })
    }
    plans.push({
      name: hook.name,
      triggerId: hook.triggerId,
      ...(enabler !== undefined
        ? {
            action: 'update',
            note: `${NOT_IN_FILES}; the server disables it because "${enabler.name}" is enabled for ${hook.triggerId}`,
            implicit: true,
          }
        : { action: 'unchanged', note: NOT_IN_FILES }),
      id: hook.id,
      secrets: [],
    })
  }
  return { hooks: sortByName(plans), problems }
}

function planCreate(hook: LocalHook): HookPlan {
  const secrets = Object.keys(hook.secrets)
    .sort(compare)
    .map((name): SecretPlan => {
      const value = hook.secrets[name] ?? ''
      return value === HIDDEN_SECRET_VALUE ? skipped(name) : { name, action: 'create', value }
    })
  return {
    name: hook.name,
    triggerId: hook.triggerId,
    action: 'create',
    create: {
      name: hook.name,
      script: hook.script,
      // Always explicit, like deploy-cli: the server would enable the first hook of a point.
      enabled: hook.enabled,
      dependencies: { ...hook.dependencies },
      triggerId: hook.triggerId,
    },
    local: hook,
    secrets,
  }
}

function skipped(name: string): SecretPlan {
  return {
    name,
    action: 'skip',
    note: `${HIDDEN_SECRET_VALUE} and not on the server: set its value in the files`,
  }
}

function planUpdate(
  hook: LocalHook,
  match: RemoteHook,
  options: { readonly allowDelete: boolean },
  problems: InputProblem[],
): HookPlan {
  const current = match.hook
  if (current.triggerId !== hook.triggerId) {
    problems.push({
      file: hook.file,
      field: `${hook.fieldPrefix}triggerId`,
      message: `the hook "${current.name}" on the server is a ${current.triggerId} hook, and a hook's triggerId cannot change; give this one another name, or delete that hook first`,
    })
  }
  const update: { -readonly [K in keyof UpdateHookBody]: UpdateHookBody[K] } = {}
  if (current.name !== hook.name) update.name = hook.name
  if (current.script !== hook.script) update.script = hook.script
  if (current.enabled !== hook.enabled) update.enabled = hook.enabled
  if (!sameDependencies(current.dependencies, hook.dependencies)) {
    update.dependencies = { ...hook.dependencies }
  }
  const changed = Object.keys(update)

  const secrets: SecretPlan[] = []
  const onServer = new Set(match.secretNames)
  for (const name of Object.keys(hook.secrets)) {
    const value = hook.secrets[name] ?? ''
    if (value === HIDDEN_SECRET_VALUE) {
      // The placeholder never overwrites a real value (compat §6.5).
      secrets.push(onServer.has(name) ? { name, action: 'unchanged' } : skipped(name))
    } else {
      secrets.push({ name, action: onServer.has(name) ? 'update' : 'create', value })
    }
  }
  for (const name of match.secretNames) {
    if (name in hook.secrets) continue
    secrets.push(
      options.allowDelete
        ? { name, action: 'delete' }
        : { name, action: 'unchanged', note: NOT_IN_FILES },
    )
  }
  secrets.sort((a, b) => compare(a.name, b.name))
  return {
    name: hook.name,
    triggerId: hook.triggerId,
    action: changed.length > 0 ? 'update' : 'unchanged',
    ...(changed.length > 0 ? { note: changed.join(', '), update } : undefined),
    id: current.id,
    local: hook,
    secrets,
  }
}

/** The plan as text, one line per hook and per secret, in a fixed order. */
export function renderPlan(plan: ImportPlan): string {
  const lines: string[] = []
  for (const hook of plan.hooks) {
    lines.push(`hook ${hook.name} (${hook.triggerId}): ${hook.action}${noteText(hook.note)}`)
    for (const secret of hook.secrets) {
      lines.push(`  secret ${secret.name}: ${secret.action}${noteText(secret.note)}`)
    }
  }
  const count = (items: readonly { readonly action: string }[], action: string) =>
    items.filter((i) => i.action === action).length
  const secrets = plan.hooks.flatMap((h) => h.secrets)
  const hookCounts = (['create', 'update', 'delete', 'unchanged'] as const)
    .map((a) => `${count(plan.hooks, a)} ${a}`)
    .join(', ')
  const secretCounts = (['create', 'update', 'delete', 'unchanged', 'skip'] as const)
    .map((a) => `${count(secrets, a)} ${a}`)
    .join(', ')
  lines.push(`hooks: ${hookCounts}; secrets: ${secretCounts}`)
  return `${lines.join('\n')}\n`
}

function noteText(note: string | undefined): string {
  return note === undefined ? '' : ` (${note})`
}
