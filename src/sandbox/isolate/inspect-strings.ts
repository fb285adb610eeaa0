// util.inspect inside the isolate: primitives, above all strings (quoting and escaping as
// Node 20's lib/internal/util/inspect.js strEscape, long strings split at line breaks).
import { ip } from './inspect-primordials.js'
import { StringCtor } from './primordials.js'

export const ESCAPE_TEST =
  /[\x00-\x1f\x27\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
export const ESCAPE_REPLACE =
  /[\x00-\x1f\x27\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g
export const ESCAPE_TEST_NO_QUOTE =
  /[\x00-\x1f\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
export const ESCAPE_REPLACE_NO_QUOTE =
  /[\x00-\x1f\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g
export const NAMED_ESCAPES = {
  8: '\\b',
  9: '\\t',
  10: '\\n',
  12: '\\f',
  13: '\\r',
  39: "\\'",
  92: '\\\\',
}

export function escapeChar(ch) {
  const code = ip('charCodeAt', ch, 0)
  const named = NAMED_ESCAPES[code]
  if (named !== undefined) return named
  if (code <= 0x9f) {
    const hex = ip('numberString', code, 16)
    return (
      '\\x' +
      (code < 16 ? '0' : '') +
      ip('replace', hex, /[a-f]/g, (c) =>
        c === 'a'
          ? 'A'
          : c === 'b'
            ? 'B'
            : c === 'c'
              ? 'C'
              : c === 'd'
                ? 'D'
                : c === 'e'
                  ? 'E'
                  : 'F',
      )
    )
  }
  return '\\u' + ip('numberString', code, 16)
}

export function quoteString(str) {
  let quote = "'"
  let test = ESCAPE_TEST
  let replace = ESCAPE_REPLACE
  if (ip('includes', str, "'")) {
    if (!ip('includes', str, '"')) quote = '"'
    else if (!ip('includes', str, '\x60') && !ip('includes', str, '$' + '{')) quote = '\x60'
    if (quote !== "'") {
      test = ESCAPE_TEST_NO_QUOTE
      replace = ESCAPE_REPLACE_NO_QUOTE
    }
  }
  if (ip('test', test, str)) str = ip('replace', str, replace, escapeChar)
  return quote + str + quote
}

export function formatNumber(n) {
  return ip('is', undefined, n, -0) ? '-0' : StringCtor(n)
}

export function formatPrimitive(value, ctx) {
  switch (typeof value) {
    case 'string': {
      let trailer = ''
      if (value.length > ctx.maxStringLength) {
        const remaining = value.length - ctx.maxStringLength
        value = ip('slice', value, 0, ctx.maxStringLength)
        trailer = '... ' + remaining + ' more character' + (remaining > 1 ? 's' : '')
      }
      if (value.length > 16 && value.length > ctx.breakLength - ctx.indentationLvl - 4) {
        const lines = ip('split', value, /(?<=\n)/)
        let out = ''
        for (let i = 0; i < lines.length; i++) {
          if (i > 0) out += ' +\n' + ip('repeat', ' ', ctx.indentationLvl + 2)
          out += quoteString(lines[i])
        }
        return out + trailer
      }
      return quoteString(value) + trailer
    }
    case 'number':
      return formatNumber(value)
    case 'bigint':
      return StringCtor(value) + 'n'
    case 'boolean':
      return value ? 'true' : 'false'
    case 'undefined':
      return 'undefined'
    case 'symbol':
      return ip('symbolString', value)
    default:
      return StringCtor(value)
  }
}
