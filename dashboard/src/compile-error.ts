/** Where a compile error from the runner points in the editor (issue 18.6). */
/**
 * The position in a compile error's text: the runner's `[hook.js:LINE:COLUMN]`, which counts the
 * script's own lines and columns, or "line 3".
 */
export function errorPosition(text: string): { line?: number; column?: number } {
  const own = /\[hook\.js:(\d+):(\d+)\]/.exec(text)
  if (own?.[1] !== undefined && own[2] !== undefined) {
    return { line: Number(own[1]), column: Number(own[2]) }
  }
  const line = /line (\d+)/.exec(text)?.[1]
  return line === undefined ? {} : { line: Number(line) }
}
