/**
 * Where a JSON text stops being valid, for error messages that name a line and column (Node's
 * `JSON.parse` messages give a position only for some errors).
 */

const WHITESPACE = new Set([' ', '\t', '\n', '\r'])
const LITERALS = ['true', 'false', 'null']
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/

/** The offset of the first character that makes `text` invalid JSON, or `undefined` if valid. */
export function firstJsonErrorOffset(text: string): number | undefined {
  let i = 0
  class Stop extends Error {
    readonly at: number
    constructor(at: number) {
      super(`invalid JSON at ${at}`)
      this.at = at
    }
  }
  const fail = (): never => {
    throw new Stop(i)
  }
  const skip = () => {
    while (i < text.length && WHITESPACE.has(text[i] ?? '')) i++
  }
  const string = () => {
    if (text[i] !== '"') fail()
    i++
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++
      else if (text.charCodeAt(i) < 0x20) fail()
      i++
    }
    if (i >= text.length) fail()
    i++
  }
  const value = (): void => {
    skip()
    const c = text[i]
    if (c === '{') {
      i++
      skip()
      if (text[i] === '}') {
        i++
        return
      }
      for (;;) {
        skip()
        string()
        skip()
        if (text[i] !== ':') fail()
        i++
        value()
        skip()
        if (text[i] === ',') i++
        else if (text[i] === '}') {
          i++
          return
        } else fail()
      }
    }
    if (c === '[') {
      i++
      skip()
      if (text[i] === ']') {
        i++
        return
      }
      for (;;) {
        value()
        skip()
        if (text[i] === ',') i++
        else if (text[i] === ']') {
          i++
          return
        } else fail()
      }
    }
    if (c === '"') {
      string()
      return
    }
    const literal = LITERALS.find((l) => text.startsWith(l, i))
    if (literal !== undefined) {
      i += literal.length
      return
    }
    const number = NUMBER.exec(text.slice(i))
    if (number === null) fail()
    i += number?.[0].length ?? 0
  }
  try {
    value()
    skip()
    if (i < text.length) fail()
    return undefined
  } catch (error) {
    if (error instanceof Stop) return error.at
    throw error
  }
}

/** `line L, column C` (both from 1) of an offset in `text`. */
export function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  const column = offset - before.lastIndexOf('\n')
  return `line ${line}, column ${column}`
}
