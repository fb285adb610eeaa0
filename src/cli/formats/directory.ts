/**
 * The Deploy CLI's directory format (compat §6.2): `<dir>/hooks/<name>.json` holds the hook,
 * with `script` relative to `hooks/`, and `<dir>/hooks/<name>.js` its code.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import {
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
import type { KeywordMappings } from '../keywords.js'
import { jsonSyntaxProblem, loadTextFile, loadScriptFile, type LoadedHooks } from './load.js'

/** Reads every `hooks/*.json` below `root` (in file-name order), with keyword replacement. */
export function readDirectoryFormat(root: string, mappings: KeywordMappings): LoadedHooks {
  const problems: InputProblem[] = []
  const warnings: string[] = []
  const hooks: LocalHook[] = []
  const identities: HookIdentity[] = []
  const folder = join(root, HOOKS_DIRECTORY)
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    problems.push({ file: root, field: '', message: 'is not a folder' })
    return { hooks, identities, problems, warnings }
  }
  if (!existsSync(folder)) {
    problems.push({
      file: `${HOOKS_DIRECTORY}/`,
      field: '',
      message: `not found in ${root}: nothing to import (an empty ${HOOKS_DIRECTORY}/ folder means "no hooks")`,
    })
    return { hooks, identities, problems, warnings }
  }
  if (!statSync(folder).isDirectory()) {
    problems.push({
      file: HOOKS_DIRECTORY,
      field: '',
      message: `expected ${folder} to be a folder but got a file`,
    })
    return { hooks, identities, problems, warnings }
  }
  const names = readdirSync(folder)
    .filter((f) => f.endsWith('.json') && statSync(join(folder, f)).isFile())
    .sort()
  for (const fileName of names) {
    const label = `${HOOKS_DIRECTORY}/${fileName}`
    const text = loadTextFile(root, join(folder, fileName), label, mappings, warnings)
    if ('problem' in text) {
      problems.push({ file: label, field: '', message: text.problem })
      continue
    }
    let raw: unknown
    try {
      raw = JSON.parse(text.text)
    } catch (error) {
      problems.push({ file: label, field: '', message: jsonSyntaxProblem(text.text, error) })
      continue
    }
    const result = validateHookEntry(raw, label, '', (path) =>
      loadScriptFile(root, folder, path, mappings, warnings, label),
    )
    problems.push(...result.problems)
    if (result.hook !== undefined) hooks.push(result.hook)
    if (result.identity !== undefined) identities.push(result.identity)
  }
  return { hooks, identities, problems, warnings }
}

/**
 * The files `a0deploy export -f directory` writes for these hooks, byte for byte: the JSON keys
 * in the order deploy-cli writes them (the API's GET order without `id`, then `secrets`).
 */
export function renderDirectoryFormat(hooks: readonly ExportedHook[]): FileSet {
  const files = new Map<string, string>()
  for (const hook of sortByName(hooks)) {
    const base = sanitizeFileName(hook.name)
    const json = {
      name: hook.name,
      script: `./${base}.js`,
      dependencies: hook.dependencies,
      enabled: hook.enabled,
      triggerId: hook.triggerId,
      secrets: Object.fromEntries(hook.secretNames.map((n) => [n, HIDDEN_SECRET_VALUE])),
    }
    addFile(files, `${HOOKS_DIRECTORY}/${base}.js`, hook.script)
    addFile(files, `${HOOKS_DIRECTORY}/${base}.json`, `${JSON.stringify(json, null, 2)}\n`)
  }
  return files
}

export function addFile(files: Map<string, string>, path: string, content: string): void {
  if (files.has(path)) throw new Error(`two hooks would be written to ${path}`)
  files.set(path, content)
}
