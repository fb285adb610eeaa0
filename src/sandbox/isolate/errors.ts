import { define } from './define.js'
import {
  ErrorCtor,
  ErrorPrototype,
  JSONStringify,
  ObjectCreate,
  ObjectGetOwnPropertyNames,
  ObjectIsPrototypeOf,
  ReflectApply,
  StringCtor,
} from './primordials.js'

// ---- errors (compat §3.5) --------------------------------------------------------------------

export function isError(value) {
  try {
    return ReflectApply(ObjectIsPrototypeOf, ErrorPrototype, [value])
  } catch (e) {
    return false
  }
}

export function safeString(value) {
  try {
    return StringCtor(value)
  } catch (e) {
    return 'a value that cannot be converted to a string'
  }
}

export function describe(value) {
  if (isError(value)) {
    try {
      const name = value.name
      const message = value.message
      return (typeof name === 'string' ? name : 'Error') + ': ' + safeString(message)
    } catch (e) {
      return 'Error'
    }
  }
  return safeString(value)
}

export function serializeError(value) {
  try {
    let error = value
    if (!isError(value)) {
      // Auth0's adapter: new Error(value.message || String(value) || 'Unknown error')
      error = new ErrorCtor(value.message || StringCtor(value) || 'Unknown error')
    }
    const names = ObjectGetOwnPropertyNames(error)
    const body = ObjectCreate(null)
    for (let i = 0; i < names.length; i++) define(body, names[i], error[names[i]])
    return JSONStringify(body)
  } catch (e) {
    return JSONStringify({ message: 'Error serializing error: ' + describe(e) })
  }
}

export function toError(reason) {
  if (reason) return reason
  return new ErrorCtor(
    reason === undefined || reason === null ? 'Unknown error' : safeString(reason),
  )
}
