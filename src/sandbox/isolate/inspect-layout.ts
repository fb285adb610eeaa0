// util.inspect inside the isolate: whether formatted entries fit on one line (breakLength,
// compact), and the grouping of long arrays into aligned columns. Pure functions of the options
// and the entries' text, so test/sandbox/isolate/inspect-layout.test.ts calls them directly.
import { ARRAY_TYPE } from './inspect-names.js'
import { ip, push } from './inspect-primordials.js'

export function groupArrayElements(ctx, output, value) {
  let totalLength = 0
  let maxLength = 0
  let outputLength = output.length
  if (ctx.maxArrayLength < output.length) outputLength--
  const separatorSpace = 2
  const dataLen = []
  for (let i = 0; i < outputLength; i++) {
    const len = output[i].length
    dataLen[i] = len
    totalLength += len + separatorSpace
    if (maxLength < len) maxLength = len
  }
  const actualMax = maxLength + separatorSpace
  if (
    actualMax * 3 + ctx.indentationLvl < ctx.breakLength &&
    (totalLength / actualMax > 5 || maxLength <= 6)
  ) {
    const averageBias = ip('sqrt', undefined, actualMax - totalLength / output.length)
    const biasedMax = ip('max', undefined, actualMax - 3 - averageBias, 1)
    const columns = ip(
      'min',
      undefined,
      ip('round', undefined, ip('sqrt', undefined, 2.5 * biasedMax * outputLength) / biasedMax),
      ip('floor', undefined, (ctx.breakLength - ctx.indentationLvl) / actualMax),
      ctx.compact * 4,
      15,
    )
    if (columns <= 1) return output
    const tmp = []
    const maxLineLength = []
    for (let i = 0; i < columns; i++) {
      let lineLength = 0
      for (let j = i; j < output.length; j += columns)
        if (dataLen[j] > lineLength) lineLength = dataLen[j]
      push(maxLineLength, lineLength + separatorSpace)
    }
    let padStart = true
    if (value !== undefined) {
      for (let i = 0; i < output.length; i++) {
        if (typeof value[i] !== 'number' && typeof value[i] !== 'bigint') {
          padStart = false
          break
        }
      }
    }
    for (let i = 0; i < outputLength; i += columns) {
      const max = ip('min', undefined, i + columns, outputLength)
      let str = ''
      let j = i
      for (; j < max - 1; j++) {
        const cell = output[j] + ', '
        str += padStart
          ? ip('padStart', cell, maxLineLength[j - i], ' ')
          : ip('padEnd', cell, maxLineLength[j - i], ' ')
      }
      if (padStart) str += ip('padStart', output[j], maxLineLength[j - i] - separatorSpace, ' ')
      else str += output[j]
      push(tmp, str)
    }
    if (ctx.maxArrayLength < output.length) push(tmp, output[outputLength])
    output = tmp
  }
  return output
}

export function isBelowBreakLength(ctx, output, start, base) {
  let totalLength = output.length + start
  if (totalLength + output.length > ctx.breakLength) return false
  for (let i = 0; i < output.length; i++) {
    totalLength += output[i].length
    if (totalLength > ctx.breakLength) return false
  }
  return base === '' || !ip('includes', base, '\n')
}

export function reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value) {
  const entries = output.length
  if (extrasType === ARRAY_TYPE && entries > 6) output = groupArrayElements(ctx, output, value)
  if (ctx.currentDepth - recurseTimes < ctx.compact && entries === output.length) {
    const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10
    if (isBelowBreakLength(ctx, output, start, base)) {
      const joined = ip('join', output, ', ')
      if (!ip('includes', joined, '\n'))
        return (base ? base + ' ' : '') + braces[0] + ' ' + joined + ' ' + braces[1]
    }
  }
  const indentation = '\n' + ip('repeat', ' ', ctx.indentationLvl)
  return (
    (base ? base + ' ' : '') +
    braces[0] +
    indentation +
    '  ' +
    ip('join', output, ',' + indentation + '  ') +
    indentation +
    braces[1]
  )
}
