/**
 * The npm dependencies of a hook file run on this machine: declared in a `package.json` beside it,
 * in the Auth0 Deploy CLI metadata beside it (`NAME.json` with `"script": "./NAME.js"`, as
 * `openhooks export --format directory` writes it), and with `--dependency name@range`.
 */
import { readFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { UsageError } from '../cli/cli-io.js'

function isStringMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  )
}

/** The `dependencies` of a JSON file, `undefined` when the file is absent. */
function dependenciesIn(
  file: string,
  applies: (json: Record<string, unknown>) => boolean,
): Record<string, string> | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined
  const record = json as Record<string, unknown>
  if (!applies(record) || record.dependencies === undefined) return undefined
  if (!isStringMap(record.dependencies)) {
    throw new UsageError(`${file}: "dependencies" must map package names to version ranges`)
  }
  return record.dependencies
}

/** `name@range` of `--dependency` (a scoped name keeps its leading `@`). */
export function parseDependencyFlag(spec: string): [string, string] {
  const at = spec.lastIndexOf('@')
  if (at <= 0 || at === spec.length - 1) {
    throw new UsageError(`--dependency ${spec}: write it as name@range, e.g. lodash@^4.17.21`)
  }
  return [spec.slice(0, at), spec.slice(at + 1)]
}

/**
 * Every dependency declared for `hookFile`: the package.json's, then the Deploy CLI metadata's,
 * then `flags`; a later declaration of a name wins.
 */
export function declaredDependencies(
  hookFile: string,
  flags: readonly string[] = [],
): Record<string, string> {
  const dir = dirname(hookFile)
  const name = basename(hookFile).replace(/\.js$/, '')
  return {
    ...dependenciesIn(join(dir, 'package.json'), () => true),
    ...dependenciesIn(
      join(dir, `${name}.json`),
      (json) => typeof json.script === 'string' && basename(json.script) === basename(hookFile),
    ),
    ...Object.fromEntries(flags.map(parseDependencyFlag)),
  }
}
