// util.inspect inside the isolate: errors, printed from their stack, with the name and
// constructor folded in as Node 20 does (improveStack) and own name/message keys hidden.
import { getPrefix } from './inspect-names.js'
import { ip, push } from './inspect-primordials.js'
import { StringCtor } from './primordials.js'

export function improveStack(stack, constructor, name, tag) {
  let len = name.length
  if (
    constructor === null ||
    (ip('endsWith', name, 'Error') &&
      ip('startsWith', stack, name) &&
      (stack.length === len || stack[len] === ':' || stack[len] === '\n'))
  ) {
    let fallback = 'Error'
    if (constructor === null) {
      const start =
        ip('exec', /^([A-Z][a-z_ A-Z0-9[\]()-]+)(?::|\n\s+at)/, stack) ||
        ip('exec', /^([a-z_A-Z0-9-]*Error)$/, stack)
      fallback = (start && start[1]) || ''
      len = fallback.length
      fallback = fallback || 'Error'
    }
    const prefix = ip('slice', getPrefix(constructor, tag, fallback), 0, -1)
    if (name !== prefix) {
      if (ip('includes', prefix, name))
        stack = len === 0 ? prefix + ': ' + stack : prefix + ip('slice', stack, len)
      else stack = prefix + ' [' + name + ']' + ip('slice', stack, len)
    }
  }
  return stack
}

export function formatError(error, constructor, tag, ctx, keys) {
  let name = 'Error'
  let message
  let stack
  try {
    if (error.name != null) name = StringCtor(error.name)
  } catch (e) {}
  try {
    message = error.message
  } catch (e) {}
  try {
    stack = error.stack
  } catch (e) {}
  if (stack) stack = StringCtor(stack)
  else {
    try {
      stack = ip('errorString', error)
    } catch (e) {
      stack = name
    }
  }
  if (!ctx.showHidden && keys.length !== 0) {
    const own = ['name', 'message', 'stack']
    for (let i = 0; i < own.length; i++) {
      const index = ip('arrayIndexOf', keys, own[i])
      let shown
      try {
        shown = error[own[i]]
      } catch (e) {}
      if (index !== -1 && ip('includes', stack, shown)) ip('splice', keys, index, 1)
    }
  }
  if ('cause' in error && ip('arrayIndexOf', keys, 'cause') === -1) push(keys, 'cause')
  let errors
  try {
    errors = error.errors
  } catch (e) {}
  if (ip('isArray', undefined, errors) && ip('arrayIndexOf', keys, 'errors') === -1)
    push(keys, 'errors')
  stack = improveStack(stack, constructor, name, tag)
  let pos = (typeof message === 'string' && message !== '' && ip('indexOf', stack, message)) || -1
  if (pos !== -1) pos += message.length
  const frames = ip('indexOf', stack, '\n    at', pos)
  if (frames === -1) stack = '[' + stack + ']'
  if (ctx.indentationLvl !== 0)
    stack = ip('replace', stack, /\n/g, '\n' + ip('repeat', ' ', ctx.indentationLvl))
  return stack
}
