import { currentCallId, getCall } from './calls.js'
import { describe, safeString } from './errors.js'
import { hostLog } from './host.js'
import { hasBuiltInToString, nodeInspect } from './inspect.js'
import { formatNumber } from './inspect-strings.js'
import {
  JSONStringify,
  NumberCtor,
  NumberParseFloat,
  NumberParseInt,
  ReflectApply,
  StringReplace,
  StringSlice,
} from './primordials.js'

export const FORMAT_PATTERN = /%[sdifjoOc%]/g

// ---- console ---------------------------------------------------------------------------------

/** What console.log shows for one argument: strings as they are, anything else inspected. */
export function inspect(value) {
  if (typeof value === 'string') return value
  try {
    return nodeInspect(value)
  } catch (e) {
    return '[value that cannot be inspected: ' + describe(e) + ']'
  }
}

export function inspectWith(value, options?) {
  try {
    return nodeInspect(value, options)
  } catch (e) {
    return '[value that cannot be inspected: ' + describe(e) + ']'
  }
}

/** util.format as Node 20 does it (lib/internal/util/inspect.js formatWithOptionsInternal). */
export function format(args, inspectOptions?) {
  let out = ''
  let next = 0
  const first = args[0]
  if (typeof first === 'string' && args.length > 1) {
    next = 1
    out = ReflectApply(StringReplace, first, [
      FORMAT_PATTERN,
      function (token) {
        if (token === '%%') return '%'
        if (next >= args.length) return token
        const value = args[next++]
        switch (token) {
          case '%s':
            if (typeof value === 'number') return formatNumber(value)
            if (typeof value === 'bigint') return safeString(value) + 'n'
            if (typeof value !== 'object' || value === null || !hasBuiltInToString(value))
              return safeString(value)
            return inspectWith(value, { ...inspectOptions, depth: 0, compact: 3 })
          case '%d':
            if (typeof value === 'bigint') return safeString(value) + 'n'
            if (typeof value === 'symbol') return 'NaN'
            try {
              return formatNumber(NumberCtor(value))
            } catch (e) {
              return 'NaN'
            }
          case '%i':
            if (typeof value === 'bigint') return safeString(value) + 'n'
            if (typeof value === 'symbol') return 'NaN'
            try {
              return formatNumber(NumberParseInt(value))
            } catch (e) {
              return 'NaN'
            }
          case '%f':
            if (typeof value === 'symbol') return 'NaN'
            try {
              return formatNumber(NumberParseFloat(value))
            } catch (e) {
              return 'NaN'
            }
          case '%j':
            try {
              const json = JSONStringify(value)
              return json === undefined ? 'undefined' : json
            } catch (e) {
              return '[Circular]'
            }
          case '%o':
            return inspectWith(value, { ...inspectOptions, showHidden: true, depth: 4 })
          case '%O':
            return inspectWith(value, inspectOptions)
          case '%c':
            return ''
          default:
            return token
        }
      },
    ])
  } else if (args.length > 0) {
    out = typeof first === 'string' ? first : inspectWith(first, inspectOptions)
    next = 1
  }
  for (let i = next; i < args.length; i++) {
    const value = args[i]
    out += ' ' + (typeof value === 'string' ? value : inspectWith(value, inspectOptions))
  }
  return out
}

export function consoleMethod(level) {
  return function () {
    const callId = currentCallId
    const call = getCall(callId)
    if (call === undefined || call.logsFull) return
    let message = format(arguments)
    if (message.length > call.maxLogBytes)
      message = ReflectApply(StringSlice, message, [0, call.maxLogBytes + 1])
    if (!hostLog(callId, level, message)) call.logsFull = true
  }
}

export const consoleObject = {
  log: consoleMethod('log'),
  info: consoleMethod('info'),
  warn: consoleMethod('warn'),
  error: consoleMethod('error'),
  debug: consoleMethod('debug'),
  trace: consoleMethod('debug'),
  dir: consoleMethod('log'),
}
