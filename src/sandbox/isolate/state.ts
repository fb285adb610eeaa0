import { ReflectApply, TypeErrorCtor, WeakMapGet, WeakMapSet } from './primordials.js'

/** Per-object internal state of the runtime's classes, kept in WeakMaps (never on the object). */

export function stateOf(map, object, what) {
  const state = ReflectApply(WeakMapGet, map, [object])
  if (state === undefined) throw new TypeErrorCtor('Illegal invocation: not a ' + what)
  return state
}

export function setState(map, object, state) {
  ReflectApply(WeakMapSet, map, [object, state])
}
