export const README_CONFIG_START = '<!-- config:start -->'
export const README_CONFIG_END = '<!-- config:end -->'

/** Replaces the text between two marker lines (exclusive). Throws when a marker is missing. */
export function replaceBetween(text: string, start: string, end: string, inner: string): string {
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from < 0 || to < from) throw new Error(`markers ${start} … ${end} not found`)
  return `${text.slice(0, from + start.length)}\n${inner}\n${text.slice(to)}`
}
