/**
 * TypeScript declarations of a hook script per extensibility point, rendered from
 * src/hooks/hook-declarations.ts for `openhooks types --out DIR`: the arguments, `context` (with
 * `context.webtask.secrets`), the callback, and the injected error classes as globals.
 */
import {
  HOOK_DECLARATIONS,
  WEBTASK_FIELDS,
  type ErrorClassDeclaration,
  type FieldDeclaration,
  type PointDeclaration,
} from '../hooks/hook-declarations.js'

function doc(text: string, indent: string): string {
  return `${indent}/** ${text.replaceAll('*/', '*\\/')} */\n`
}

function typeOf(field: FieldDeclaration, indent: string): string {
  if (field.fields === undefined) return field.type ?? 'unknown'
  return `{\n${members(field.fields, `${indent}  `)}${indent}}`
}

function members(fields: readonly FieldDeclaration[], indent: string): string {
  return fields
    .map(
      (f) =>
        `${doc(f.doc, indent)}${indent}readonly ${f.name}${f.optional === true ? '?' : ''}: ${typeOf(f, indent)}\n`,
    )
    .join('')
}

/** `client` → `Client`, `user_agent` → `UserAgent`. */
function typeName(name: string): string {
  return name
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')
}

function errorClass(e: ErrorClassDeclaration): string {
  const params = e.friendlyMessage
    ? 'message?: string, friendlyMessage?: string'
    : 'message?: string'
  return (
    doc(e.doc, '  ') +
    `  interface ${e.name} extends ${e.extends} {\n` +
    `    readonly name: string\n` +
    (e.friendlyMessage
      ? '    /** Shown to the user; the message when not given. */\n    readonly friendlyMessage: string\n'
      : '') +
    `  }\n` +
    `  interface ${e.name}Constructor {\n` +
    `    new (${params}): ${e.name}\n` +
    `    readonly prototype: ${e.name}\n` +
    `  }\n` +
    `  var ${e.name}: ${e.name}Constructor\n`
  )
}

/** The `.d.ts` text for one extensibility point. */
export function renderPointDeclarations(point: PointDeclaration): string {
  const parts: string[] = [
    `// TypeScript declarations of a ${point.title} hook (${point.id}), written by \`openhooks types\`.\n` +
      `// In a JavaScript hook:\n` +
      `//   /** @type {import('./types/${point.id}').Hook} */\n` +
      `//   module.exports = function (${[...point.parameters.map((p) => p.name), 'context', 'cb'].join(', ')}) { … }\n`,
    `/** \`context.webtask\`. */\nexport interface Webtask {\n${members(WEBTASK_FIELDS, '  ')}}\n`,
  ]
  const params: string[] = []
  for (const p of point.parameters) {
    if (p.fields !== undefined) {
      parts.push(
        `${doc(p.doc, '')}export interface ${typeName(p.name)} {\n${members(p.fields, '  ')}}\n`,
      )
      params.push(`${p.name}: ${typeName(p.name)}`)
    } else {
      params.push(`${p.name}: ${p.type ?? 'unknown'}`)
    }
  }
  parts.push(
    `/** The hook's \`context\`. */\nexport interface Context {\n${members(point.context, '  ')}` +
      `  /** The webtask context: \`context.webtask.secrets\` holds the hook's secrets. */\n` +
      `  readonly webtask: Webtask\n}\n`,
    `${doc(point.resultDoc, '')}export type Result = ${point.result}\n`,
    `/** Call once: \`cb(error)\` fails, \`cb(null, result)\` succeeds. */\n` +
      `export type Callback = (error?: Error | null, result?: Result) => void\n`,
    `/** The function the script exports. */\n` +
      `export type Hook = (${[...params, 'context: Context', 'cb: Callback'].join(', ')}) => void\n`,
    `/** Error classes the sandbox provides as globals to this point's scripts. */\n` +
      `declare global {\n${point.errorClasses.map(errorClass).join('')}}\n`,
  )
  return parts.join('\n')
}

/** File name → text: one `.d.ts` per extensibility point. */
export function renderAllDeclarations(): Record<string, string> {
  return Object.fromEntries(
    Object.values(HOOK_DECLARATIONS).map((point) => [
      `${point.id}.d.ts`,
      renderPointDeclarations(point),
    ]),
  )
}
