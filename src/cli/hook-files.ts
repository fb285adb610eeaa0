/**
 * Hooks as the Auth0 Deploy CLI keeps them in files (compat §6.1–6.3): the entry schema, name
 * normalisation and file names shared by the directory and YAML formats.
 */
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs'
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path'
import type { CreateHookBody } from '../http/management/schemas.js'

export type TriggerId = CreateHookBody['triggerId']

/** The five `triggerId`s (compat §1.1); the CLI reaches the server only over HTTP. */
export const TRIGGER_IDS = [
  'credentials-exchange',
  'pre-user-registration',
  'post-user-registration',
  'post-change-password',
  'send-phone-message',
] as const satisfies readonly TriggerId[]

type UnlistedTrigger = Exclude<TriggerId, (typeof TRIGGER_IDS)[number]>
/** Fails to compile when the server gains a trigger that `TRIGGER_IDS` lacks. */
export const TRIGGER_IDS_ARE_COMPLETE: [UnlistedTrigger] extends [never] ? true : false = true

/** What every secret value reads as; in files it means "leave this secret alone" (compat §2.6, §6.5). */
export const HIDDEN_SECRET_VALUE = '_VALUE_NOT_SHOWN_'

/** The folder of the hook files, below the config folder (deploy-cli `HOOKS_DIRECTORY`). */
export const HOOKS_DIRECTORY = 'hooks'

/** deploy-cli's name pattern (compat §6.1): three characters at least. */
export const DEPLOY_CLI_NAME_PATTERN = /^[^-\s][a-zA-Z0-9-\s]+[^-\s]$/
/** The Management API's name pattern (compat §1.4). */
export const API_NAME_PATTERN = /^[a-zA-Z0-9]([ \-a-zA-Z0-9]*[a-zA-Z0-9])?$/

// The limits below mirror the server's documented ones (docs/management-api.md), so that an
// import fails before its first write rather than half-way. The server stays the authority.
/** Auth0's documented maximum number of secrets per hook (compat §2.6). */
export const MAX_SECRETS_PER_HOOK = 20
/** openhooks' secret name pattern (compat Q7). */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9_-]+$/
/** openhooks' longest script, in characters (compat Q4). */
export const MAX_SCRIPT_CHARS = 100 * 1024

/** A hook read from files, after keyword replacement and validation. */
export interface LocalHook {
  /** Where it came from, for messages: `hooks/add-claims.json` or `tenant.yaml`. */
  readonly file: string
  /** Prefix of its fields in messages: `` or `hooks[0].`. */
  readonly fieldPrefix: string
  readonly id?: string
  /** Normalised as deploy-cli does (lower case, whitespace → `-`). */
  readonly name: string
  /** The code, loaded from the script file. */
  readonly script: string
  readonly triggerId: TriggerId
  readonly enabled: boolean
  readonly dependencies: Readonly<Record<string, string>>
  readonly secrets: Readonly<Record<string, string>>
}

/** A hook as the server holds it, for writing files: secrets by name only. */
export interface ExportedHook {
  readonly name: string
  readonly script: string
  readonly dependencies: Readonly<Record<string, string>>
  readonly enabled: boolean
  readonly triggerId: string
  readonly secretNames: readonly string[]
}

/** A problem with the input: the file, the field and what is wrong. */
export interface InputProblem {
  readonly file: string
  readonly field: string
  readonly message: string
}

export function formatProblem(problem: InputProblem): string {
  return problem.field === ''
    ? `${problem.file}: ${problem.message}`
    : `${problem.file}: ${problem.field}: ${problem.message}`
}

/** The files of one export: relative path (with `/`) → content, in a fixed order. */
export type FileSet = ReadonlyMap<string, string>

/** deploy-cli's name normalisation on load (compat §6.3): lower case, each whitespace → `-`. */
export function normalizeFileHookName(name: string): string {
  return name.toLowerCase().replace(/\s/g, '-')
}

const ILLEGAL_FILE_CHARS = /[/?<>\\:*|"]/g
// eslint-disable-next-line no-control-regex -- control characters are what this removes
const CONTROL_CHARS = /[\x00-\x1f\x80-\x9f]/g
const RESERVED_FILE_NAME = /^\.+$/
const WINDOWS_RESERVED_NAME = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i
const WINDOWS_TRAILING = /[. ]+$/
/** Longest file name most file systems accept, in bytes. */
const MAX_FILE_NAME_BYTES = 255

/**
 * A file name for a hook, as deploy-cli makes it (`sanitize-filename` with `-` as replacement).
 * Names the server accepts are already safe; this guards against anything else.
 */
export function sanitizeFileName(name: string): string {
  if (name === '') return 'undefined'
  let safe = name
    .replace(ILLEGAL_FILE_CHARS, '-')
    .replace(CONTROL_CHARS, '-')
    .replace(RESERVED_FILE_NAME, '-')
    .replace(WINDOWS_RESERVED_NAME, '-')
    .replace(WINDOWS_TRAILING, '-')
  while (Buffer.byteLength(safe) > MAX_FILE_NAME_BYTES) safe = safe.slice(0, -1)
  return safe
}

/** Hooks in a stable order: by name, then trigger (deploy-cli sorts YAML by name). */
export function sortByName<T extends { readonly name: string; readonly triggerId: string }>(
  hooks: readonly T[],
): T[] {
  return [...hooks].sort((a, b) =>
    a.name === b.name ? compare(a.triggerId, b.triggerId) : compare(a.name, b.name),
  )
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** The raw entry of one hook, checked field by field; `loadScript` turns `script` into code. */
export function validateHookEntry(
  raw: unknown,
  file: string,
  fieldPrefix: string,
  loadScript: (path: string) => { code: string } | { problem: string },
): { hook?: LocalHook; identity?: HookIdentity; problems: InputProblem[] } {
  const problems: InputProblem[] = []
  const problem = (field: string, message: string) =>
    problems.push({ file, field: `${fieldPrefix}${field}`, message })
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push({
      file,
      field: fieldPrefix.replace(/\.$/, ''),
      message: 'must be an object with name, script and triggerId',
    })
    return { problems }
  }
  const entry = raw as Record<string, unknown>
  for (const key of Object.keys(entry)) {
    if (!KNOWN_FIELDS.has(key)) {
      problem(
        key,
        `unknown field (a hook has ${[...KNOWN_FIELDS].filter((k) => k !== 'id').join(', ')})`,
      )
    }
  }

  let name: string | undefined
  if (typeof entry.name !== 'string') problem('name', 'is required and must be a string')
  else if (!DEPLOY_CLI_NAME_PATTERN.test(entry.name) || !API_NAME_PATTERN.test(entry.name)) {
    problem(
      'name',
      `must be at least 3 letters, digits, spaces or hyphens, and start and end with a letter or digit: ${JSON.stringify(entry.name)}`,
    )
  } else name = normalizeFileHookName(entry.name)

  let id: string | undefined
  if (entry.id !== undefined) {
    if (typeof entry.id !== 'string' || entry.id === '') problem('id', 'must be a string')
    else id = entry.id
  }

  let triggerId: TriggerId | undefined
  if (typeof entry.triggerId !== 'string') problem('triggerId', 'is required and must be a string')
  else if (!(TRIGGER_IDS as readonly string[]).includes(entry.triggerId)) {
    problem(
      'triggerId',
      `must be one of ${TRIGGER_IDS.join(', ')}: ${JSON.stringify(entry.triggerId)}`,
    )
  } else triggerId = entry.triggerId as TriggerId

  let enabled = false
  if (entry.enabled !== undefined) {
    if (typeof entry.enabled !== 'boolean') problem('enabled', 'must be true or false')
    else enabled = entry.enabled
  }

  const dependencies = stringMap(entry.dependencies, 'dependencies', problem)
  const secrets = stringMap(entry.secrets, 'secrets', problem)
  if (secrets !== undefined) {
    const names = Object.keys(secrets)
    if (names.length > MAX_SECRETS_PER_HOOK) {
      problem('secrets', `has ${names.length} secrets; a hook can have ${MAX_SECRETS_PER_HOOK}`)
    }
    for (const secretName of names) {
      if (!SECRET_NAME_PATTERN.test(secretName)) {
        problem(`secrets.${secretName}`, 'a secret name may only hold A-Z, a-z, 0-9, _ and -')
      } else if (secrets[secretName] === '') {
        problem(
          `secrets.${secretName}`,
          `must not be empty (use ${HIDDEN_SECRET_VALUE} to keep the server's value)`,
        )
      }
    }
  }

  let script: string | undefined
  if (typeof entry.script !== 'string' || entry.script === '') {
    problem('script', 'is required: the path of the script file')
  } else {
    const loaded = loadScript(entry.script)
    if ('problem' in loaded) problem('script', loaded.problem)
    else if (loaded.code.trim() === '') problem('script', `${entry.script} is empty`)
    else if (loaded.code.length > MAX_SCRIPT_CHARS) {
      problem('script', `${entry.script} is longer than ${MAX_SCRIPT_CHARS} characters`)
    } else script = loaded.code
  }

  // What the checks across hooks need, also from an entry with other problems, so that one run
  // reports every problem of the input (a missing script and a second enabled hook alike).
  const identity =
    name !== undefined && triggerId !== undefined
      ? { file, fieldPrefix, name, triggerId, enabled }
      : undefined
  if (
    problems.length > 0 ||
    name === undefined ||
    triggerId === undefined ||
    script === undefined ||
    dependencies === undefined ||
    secrets === undefined
  ) {
    return { ...(identity !== undefined ? { identity } : undefined), problems }
  }
  return {
    ...(identity !== undefined ? { identity } : undefined),
    hook: {
      file,
      fieldPrefix,
      ...(id !== undefined ? { id } : undefined),
      name,
      script,
      triggerId,
      enabled,
      dependencies,
      secrets,
    },
    problems,
  }
}

const KNOWN_FIELDS = new Set([
  'name',
  'script',
  'triggerId',
  'enabled',
  'dependencies',
  'secrets',
  'id',
])

function stringMap(
  value: unknown,
  field: string,
  problem: (field: string, message: string) => void,
): Record<string, string> | undefined {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) {
    problem(field, 'must be an object of names to strings')
    return undefined
  }
  const result: Record<string, string> = {}
  let ok = true
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (typeof item !== 'string') {
      problem(`${field}.${key}`, `must be a string, not ${JSON.stringify(item)} (quote it)`)
      ok = false
    } else result[key] = item
  }
  return ok ? result : undefined
}

/** The fields of a hook entry the checks across hooks look at. */
export type HookIdentity = Pick<
  LocalHook,
  'file' | 'fieldPrefix' | 'name' | 'triggerId' | 'enabled'
>

/**
 * Checks across hooks: one enabled hook per point, unique names (compat §1.2, §6.1). Takes every
 * entry with a valid name and point, whatever else is wrong with it.
 */
export function checkHookSet(hooks: readonly HookIdentity[]): InputProblem[] {
  const problems: InputProblem[] = []
  const byName = new Map<string, HookIdentity>()
  const enabledByTrigger = new Map<string, HookIdentity>()
  for (const hook of hooks) {
    const same = byName.get(hook.name)
    if (same !== undefined) {
      problems.push({
        file: hook.file,
        field: `${hook.fieldPrefix}name`,
        message: `"${hook.name}" is also the name of the hook in ${same.file}${same.file === hook.file ? ` (${same.fieldPrefix.replace(/\.$/, '')})` : ''}`,
      })
    } else byName.set(hook.name, hook)
    if (!hook.enabled) continue
    const other = enabledByTrigger.get(hook.triggerId)
    if (other !== undefined) {
      problems.push({
        file: hook.file,
        field: `${hook.fieldPrefix}enabled`,
        message: `only one hook per extensibility point may be enabled, and "${other.name}" (${other.file}) already is for ${hook.triggerId}`,
      })
    } else enabledByTrigger.set(hook.triggerId, hook)
  }
  return problems
}

/**
 * Resolves a script path inside `root` (backslashes as `/`, like deploy-cli). Paths that leave
 * the folder, directly or through a symbolic link, are refused: deploy-cli only warns (§6.2).
 */
export function resolveInside(
  root: string,
  base: string,
  path: string,
): { path: string } | { problem: string } {
  const normalized = path.replace(/\\/g, '/')
  if (isAbsolute(normalized)) return { problem: `${path} must be a path relative to the file` }
  const target = resolve(base, normalized)
  if (!isWithin(resolve(root), target)) {
    return { problem: `${path} leads outside the folder ${root}` }
  }
  let real: string
  try {
    real = realpathSync(target)
  } catch {
    return { problem: `${path} does not exist` }
  }
  if (!isWithin(realpathSync(root), real)) {
    return { problem: `${path} leads outside the folder ${root} (through a symbolic link)` }
  }
  return { path: real }
}

/**
 * `path` with symbolic links resolved, when that stays inside `root` (also resolved): every file
 * the importer reads (hook JSON, `tenant.yaml`, scripts) must be inside the input folder, so a
 * link to `/etc/passwd` is refused before it is read.
 */
export function confineToFolder(
  root: string,
  path: string,
  label: string,
): { path: string } | { problem: string } {
  let real: string
  try {
    real = realpathSync(path)
  } catch {
    return { problem: 'does not exist' }
  }
  let realRoot: string
  try {
    realRoot = realpathSync(root)
  } catch {
    return { problem: `cannot be read: the folder ${root} does not exist` }
  }
  if (!isWithin(realRoot, real)) {
    return {
      problem: `leads outside the folder ${root} (through a symbolic link); ${label} is not read`,
    }
  }
  return { path: real }
}

function isWithin(root: string, target: string): boolean {
  const rel = relative(root, target)
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel)
}

/** Writes a file set below `root`, creating folders; returns the paths written, in order. */
export function writeFileSet(root: string, files: FileSet): string[] {
  const written: string[] = []
  for (const [path, content] of files) {
    const target = resolve(root, path)
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, content)
    written.push(path)
  }
  return written
}
