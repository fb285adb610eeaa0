/**
 * Completions for a hook script in the editor, from the same description `openhooks types`
 * renders (src/hooks/hook-declarations.ts): after `context.`, `context.webtask.`, `user.`,
 * `client.` … the fields of that point; on a bare word, the arguments and the error classes.
 * The argument names are those the script's exported function declares, else the usual ones.
 */
import {
  HOOK_DECLARATIONS,
  WEBTASK_FIELDS,
  type FieldDeclaration,
} from '../../src/hooks/hook-declarations.js'

export interface HookCompletion {
  label: string
  /** CodeMirror's icon: `property`, `variable`, `class`. */
  type: 'property' | 'variable' | 'class'
  detail: string
  info: string
}

export interface HookCompletions {
  /** Where the completed word starts (an offset into `before`). */
  from: number
  options: HookCompletion[]
}

/** The parameter names of `module.exports = function (a, b, …)` or `= (a, b) =>`, if found. */
export function declaredParameters(script: string): string[] | undefined {
  const match = /module\.exports\s*=\s*(?:async\s+)?(?:function\s*[\w$]*\s*)?\(([^)]*)\)/.exec(
    script,
  )
  if (match === null) return undefined
  return (match[1] ?? '')
    .split(',')
    .map((p) => p.trim().replace(/\s*=.*$/, ''))
    .filter((p) => /^[\w$]+$/.test(p))
}

function described(f: FieldDeclaration): HookCompletion {
  return {
    label: f.name,
    type: 'property',
    detail: f.fields !== undefined ? 'object' : (f.type ?? 'unknown'),
    info: f.doc,
  }
}

/** The argument list of a point: its parameters, `context` (with `webtask`) and the callback. */
function rootFields(triggerId: string): FieldDeclaration[] {
  const point = HOOK_DECLARATIONS[triggerId]
  if (point === undefined) return []
  return [
    ...point.parameters,
    {
      name: 'context',
      doc: "The hook's context.",
      fields: [
        ...point.context,
        { name: 'webtask', doc: 'The webtask context.', fields: WEBTASK_FIELDS },
      ],
    },
  ]
}

/**
 * Completions for the text before the cursor, or undefined when none apply. `script` is the
 * whole script (for the argument names).
 */
export function hookCompletions(
  triggerId: string,
  before: string,
  script: string,
): HookCompletions | undefined {
  const point = HOOK_DECLARATIONS[triggerId]
  if (point === undefined) return undefined
  const match = /([\w$]+(?:\.[\w$]*)*)$/.exec(before)
  const path = match?.[1]
  if (path === undefined) return undefined
  const parts = path.split('.')
  const word = parts.pop() ?? ''
  const from = before.length - word.length
  const roots = rootFields(triggerId)
  const declared = declaredParameters(script)
  // The script's own names, position by position (a script may call `context` `ctx`).
  const named = roots.map((field, i) => ({ ...field, name: declared?.[i] ?? field.name }))
  if (parts.length === 0) {
    if (word === '') return undefined
    const options: HookCompletion[] = [
      ...named.map((f) => ({ ...described(f), type: 'variable' as const })),
      ...point.errorClasses.map((e) => ({
        label: e.name,
        type: 'class' as const,
        detail: e.friendlyMessage ? '(message, friendlyMessage)' : '(message)',
        info: e.doc,
      })),
    ]
    return { from, options: options.filter((o) => o.label.startsWith(word)) }
  }
  let fields: readonly FieldDeclaration[] | undefined = named
  for (const part of parts) {
    fields = fields?.find((f) => f.name === part)?.fields
    if (fields === undefined) return undefined
  }
  return { from, options: fields.map(described) }
}
