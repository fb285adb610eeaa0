import { ObjectDefineProperty, globalObject } from './primordials.js'

/** Property definitions that do not go through setters a script may put on prototypes. */

/** An own data property, as an assignment would make it, but without running inherited setters. */
export function define(target, key, value) {
  ObjectDefineProperty(target, key, { value, writable: true, enumerable: true, configurable: true })
}

/** `arguments` from index `from` on, as a fresh array built without inherited setters. */
export function restArgs(args, from) {
  const out = []
  for (let i = from; i < args.length; i++) define(out, i - from, args[i])
  return out
}

/** A global of the isolate: writable and configurable like Node's, not enumerable. */
export function defineGlobal(key, value) {
  ObjectDefineProperty(globalObject, key, {
    value,
    writable: true,
    enumerable: false,
    configurable: true,
  })
}
