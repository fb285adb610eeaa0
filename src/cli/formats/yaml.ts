/**
 * The Deploy CLI's YAML format (compat §6.3): `tenant.yaml` with a `hooks:` list whose `script`
 * entries point to `./hooks/<name>.js`, relative to the YAML file.
 */
import { existsSync, statSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { parseDocument, stringify } from 'yaml'
import {
  compare,
  HIDDEN_SECRET_VALUE,
  HOOKS_DIRECTORY,
  sanitizeFileName,
  sortByName,
  validateHookEntry,
  type ExportedHook,
  type FileSet,
  type InputProblem,
  type HookIdentity,
  type LocalHook,
} from '../hook-files.js'
import { errorText, type KeywordMappings } from '../keywords.js'
import { addFile } from './directory.js'
import { loadScriptFile, loadTextFile, yamlSyntaxProblem, type LoadedHooks } from './load.js'

/** The YAML file's name in a config folder, as `a0deploy export -f yaml` writes it. */
export const TENANT_YAML = 'tenant.yaml'

/**
 * Output options that reproduce js-yaml's `dump()` (deploy-cli's writer) for hook files: YAML 1.1
 * quoting (so `'yes'` and `'on'` stay strings), single quotes, no folding.
 */
const YAML_OUTPUT = { version: '1.1', singleQuote: true, lineWidth: 0 } as const

/** The YAML file of a `--in` argument: a folder holding `tenant.yaml`, or the file itself. */
export function yamlFileOf(input: string): string {
  return existsSync(input) && statSync(input).isDirectory() ? join(input, TENANT_YAML) : input
}

/** Reads the `hooks:` of a `tenant.yaml` (or of the given YAML file), with keyword replacement. */
export function readYamlFormat(input: string, mappings: KeywordMappings): LoadedHooks {
  const file = yamlFileOf(input)
  const label = basename(file)
  const base = dirname(file)
  const problems: InputProblem[] = []
  const warnings: string[] = []
  const hooks: LocalHook[] = []
  const identities: HookIdentity[] = []
  const text = loadTextFile(base, file, label, mappings, warnings)
  if ('problem' in text) {
    problems.push({ file: label, field: '', message: text.problem })
    return { hooks, identities, problems, warnings }
  }
  const doc = parseDocument(text.text, { prettyErrors: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      problems.push({ file: label, field: '', message: yamlSyntaxProblem(error.message) })
    }
    return { hooks, identities, problems, warnings }
  }
  let content: unknown
  try {
    content = doc.toJS()
  } catch (error) {
    problems.push({ file: label, field: '', message: `is not valid YAML: ${errorText(error)}` })
    return { hooks, identities, problems, warnings }
  }
  if (typeof content !== 'object' || content === null || Array.isArray(content)) {
    problems.push({ file: label, field: '', message: 'must be a mapping with a hooks: list' })
    return { hooks, identities, problems, warnings }
  }
  const record = content as Record<string, unknown>
  const others = Object.keys(record).filter((k) => k !== 'hooks')
  if (others.length > 0) {
    warnings.push(`${label}: ignoring ${others.join(', ')}: openhooks imports only hooks`)
  }
  if (!('hooks' in record)) {
    problems.push({
      file: label,
      field: 'hooks',
      message: 'not found: nothing to import (`hooks: []` means "no hooks")',
    })
    return { hooks, identities, problems, warnings }
  }
  const list = record.hooks ?? []
  if (!Array.isArray(list)) {
    problems.push({ file: label, field: 'hooks', message: 'must be a list' })
    return { hooks, identities, problems, warnings }
  }
  list.forEach((entry: unknown, index) => {
    const result = validateHookEntry(entry, label, `hooks[${index}].`, (path) =>
      loadScriptFile(base, base, path, mappings, warnings, `${label}: hooks[${index}].script`),
    )
    problems.push(...result.problems)
    if (result.hook !== undefined) hooks.push(result.hook)
    if (result.identity !== undefined) identities.push(result.identity)
  })
  return { hooks, identities, problems, warnings }
}

/**
 * The files `a0deploy export -f yaml` writes for these hooks, byte for byte: hooks sorted by
 * name; in each, `name` and `script` first, then the other keys in alphabetical order.
 */
export function renderYamlFormat(hooks: readonly ExportedHook[]): FileSet {
  const files = new Map<string, string>()
  const entries = sortByName(hooks).map((hook) => {
    const codeName = sanitizeFileName(`${hook.name}.js`)
    addFile(files, `${HOOKS_DIRECTORY}/${codeName}`, hook.script)
    const rest: Record<string, unknown> = {
      dependencies: hook.dependencies,
      enabled: hook.enabled,
      secrets: Object.fromEntries(hook.secretNames.map((n) => [n, HIDDEN_SECRET_VALUE])),
      triggerId: hook.triggerId,
    }
    const sorted = Object.keys(rest)
      .sort(compare)
      .map((k) => [k, rest[k]] as const)
    return {
      name: hook.name,
      script: `./${HOOKS_DIRECTORY}/${codeName}`,
      ...Object.fromEntries(sorted),
    }
  })
  addFile(files, TENANT_YAML, stringify({ hooks: entries }, YAML_OUTPUT))
  return files
}
