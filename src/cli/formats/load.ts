/** Reading hook files: text with keywords replaced, and script files inside the config folder. */
import { readFileSync } from 'node:fs'
import {
  resolveInside,
  type HookIdentity,
  type InputProblem,
  type LocalHook,
} from '../hook-files.js'
import { errorText, leftoverMarkers, replaceKeywords, type KeywordMappings } from '../keywords.js'

/** Hooks read from files, with every problem found and the warnings to print. */
export interface LoadedHooks {
  readonly hooks: readonly LocalHook[]
  /** Every entry with a valid name and point, also those with other problems (checkHookSet). */
  readonly identities: readonly HookIdentity[]
  readonly problems: readonly InputProblem[]
  readonly warnings: readonly string[]
}

/** A file's text after keyword replacement; markers left over become warnings. */
export function loadTextFile(
  path: string,
  label: string,
  mappings: KeywordMappings,
  warnings: string[],
): { text: string } | { problem: string } {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    return { problem: `cannot be read: ${errorText(error)}` }
  }
  const replaced = replaceKeywords(text, mappings)
  const left = leftoverMarkers(replaced)
  if (left.length > 0) {
    warnings.push(`${label}: no keyword mapping for ${left.join(', ')}; left as it is`)
  }
  return { text: replaced }
}

/** The code of a hook's `script` path, resolved from `base` and kept inside `root`. */
export function loadScriptFile(
  root: string,
  base: string,
  scriptPath: string,
  mappings: KeywordMappings,
  warnings: string[],
  label: string,
): { code: string } | { problem: string } {
  const resolved = resolveInside(root, base, scriptPath)
  if ('problem' in resolved) return resolved
  const loaded = loadTextFile(resolved.path, `${label} (${scriptPath})`, mappings, warnings)
  if ('problem' in loaded) return { problem: `${scriptPath} ${loaded.problem}` }
  return { code: loaded.text }
}
