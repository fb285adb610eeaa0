/** Reading hook files: text with keywords replaced, and script files inside the config folder. */
import { readFileSync } from 'node:fs'
import {
  confineToFolder,
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

/**
 * A file's text after keyword replacement; markers left over become warnings. The file must be
 * inside `root` once symbolic links are resolved (`confineToFolder`).
 */
export function loadTextFile(
  root: string,
  path: string,
  label: string,
  mappings: KeywordMappings,
  warnings: string[],
): { text: string } | { problem: string } {
  const confined = confineToFolder(root, path, label)
  if ('problem' in confined) return confined
  let text: string
  try {
    text = readFileSync(confined.path, 'utf8')
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
  const loaded = loadTextFile(root, resolved.path, `${label} (${scriptPath})`, mappings, warnings)
  if ('problem' in loaded) return { problem: `${scriptPath} ${loaded.problem}` }
  return { code: loaded.text }
}

/**
 * Why `JSON.parse` refused a file, with the line and column when the engine names a position, and
 * never any of the file's text: V8 quotes the start of the input ("root:x:0:0"... is not valid
 * JSON), which for a file that should not have been read at all would leak it.
 */
export function jsonSyntaxProblem(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : ''
  const position = /at position (\d+)/.exec(message)
  if (position?.[1] !== undefined) {
    const before = text.slice(0, Number(position[1]))
    const line = before.split('\n').length
    const column = before.length - before.lastIndexOf('\n')
    return `is not valid JSON (line ${line}, column ${column})`
  }
  if (message.startsWith('Unexpected end of JSON input')) return 'is not valid JSON (it ends early)'
  return 'is not valid JSON'
}

/**
 * Why the YAML parser refused a file: its message's first line (the rule and the line and
 * column), without the excerpt of the file it prints below.
 */
export function yamlSyntaxProblem(message: string): string {
  const first = message.split('\n')[0] ?? ''
  return `is not valid YAML: ${first.replace(/:$/, '')}`
}
