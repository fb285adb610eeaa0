import { ObjectDefineProperty } from './primordials.js'

import { moduleNotFound, requireBuiltin, requireProvided } from './builtins.js'
import {
  MapCtor,
  MapGet,
  MapSet,
  ReflectApply,
  StringLastIndexOf,
  StringSlice,
} from './primordials.js'

// Declared npm dependencies (issue 9): name → { version, factory, module }, registered by the
// worker with ('module', name, version, factory) before the hook loads; evaluated on first require.
export const declared = new MapCtor()

export function requireDeclared(spec) {
  const at = typeof spec === 'string' ? ReflectApply(StringLastIndexOf, spec, ['@']) : -1
  const name = at > 0 ? ReflectApply(StringSlice, spec, [0, at]) : spec
  const entry = ReflectApply(MapGet, declared, [name])
  // webtask's pinned form require('name@1.2.3') must name the version the hook declared.
  if (
    entry === undefined ||
    (at > 0 && ReflectApply(StringSlice, spec, [at + 1]) !== entry.version)
  )
    return undefined
  if (entry.module === undefined) {
    const path = '/node_modules/' + name
    entry.module = { exports: {}, id: path, filename: path + '/index.js', loaded: false }
    try {
      ReflectApply(entry.factory, entry.module.exports, [
        entry.module.exports,
        require,
        entry.module,
        path + '/index.js',
        path,
      ])
    } catch (e) {
      entry.module = undefined
      throw e
    }
    entry.module.loaded = true
  }
  return entry
}

export function require(name) {
  // Node.js built-ins (isolate-builtins.ts), then the hook's declared npm dependencies
  // (docs/dependencies.md), then packages the runtime provides (compat Q13).
  const builtin = requireBuiltin(name)
  if (builtin !== undefined) return builtin
  const found = requireDeclared(name)
  if (found !== undefined) return found.module.exports
  const provided = requireProvided(name)
  if (provided !== undefined) return provided
  throw moduleNotFound(name)
}

/** The 'module' entry: a bundled dependency, evaluated on its first `require`. */
export function declareModule(name, version, factory) {
  ReflectApply(MapSet, declared, [name, { version, factory, module: undefined }])
}

// The bundler renames this function (a name it reserves); its `name` stays the one a hook expects.
ObjectDefineProperty(require, 'name', { value: 'require' })
