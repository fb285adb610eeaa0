/**
 * Keyword replacement as the Deploy CLI does it (compat §6.4): `@@KEY@@` becomes the JSON of the
 * value, and a pair of quotes around the marker goes with it; `##KEY##` becomes the value as
 * text. Replacement runs on the raw text of every hook file (JSON, YAML and scripts), before
 * parsing.
 */
import { readFileSync } from 'node:fs'
import type { InputProblem } from './hook-files.js'

export type KeywordMappings = Readonly<Record<string, unknown>>

/** Reads `--keywords FILE`: a JSON object of keyword → value. */
export function loadKeywords(
  path: string,
  label: string,
): { mappings: KeywordMappings } | { problem: InputProblem } {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    return { problem: { file: label, field: '', message: `cannot be read: ${errorText(error)}` } }
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    // No engine message: V8's quotes the start of the file.
    const position = error instanceof Error ? /at position \d+/.exec(error.message) : null
    const where = position === null ? '' : ` (${position[0]})`
    return { problem: { file: label, field: '', message: `is not JSON${where}` } }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return {
      problem: { file: label, field: '', message: 'must be a JSON object of keyword → value' },
    }
  }
  return { mappings: parsed as Record<string, unknown> }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * Replaces every `@@KEY@@` (with the quotes around it, if any) and then every `##KEY##`, one
 * keyword at a time in the order of the mappings, as deploy-cli does. Replacements are functions,
 * so `$&` and friends in values stay literal (deploy-cli issue #1153).
 */
export function replaceKeywords(text: string, mappings: KeywordMappings): string {
  let result = text
  for (const [key, value] of Object.entries(mappings)) {
    const marker = `@@${escapeRegExp(key)}@@`
    const json = JSON.stringify(value) as string | undefined
    result = result.replace(
      new RegExp(`'${marker}'|"${marker}"|${marker}`, 'g'),
      () => json ?? 'undefined',
    )
  }
  for (const [key, value] of Object.entries(mappings)) {
    result = result.replace(new RegExp(`##${escapeRegExp(key)}##`, 'g'), () => String(value))
  }
  return result
}

const LEFTOVER_MARKER = /@@[A-Za-z0-9_]+@@|##[A-Za-z0-9_]+##/g

/** Markers that no mapping replaced, for a warning (deploy-cli leaves them silently). */
export function leftoverMarkers(text: string): string[] {
  return [...new Set(text.match(LEFTOVER_MARKER) ?? [])]
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
