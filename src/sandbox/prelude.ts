/**
 * Source text placed around a hook script before it is compiled: the CommonJS wrapper and the
 * injected error classes. Like Auth0's compilers, the classes are prepended as source text, so they
 * are lexical bindings of the module scope (compat §3.1, Q26): usable by bare name, not properties
 * of `globalThis`, and a script that redeclares one fails to compile.
 */
import type { InjectedErrorClass } from './runner.js'

/** The wrapper's parameters, in Node's order. */
export const WRAPPER_PARAMETER_NAMES = [
  'exports',
  'require',
  'module',
  '__filename',
  '__dirname',
] as const
const WRAPPER_PARAMETERS = WRAPPER_PARAMETER_NAMES.join(', ')

/** Shown in stack traces. */
export const SCRIPT_FILENAME = 'hook.js'

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

// Words a class may not be called, as the generated source would not mean what it says.
const RESERVED = new Set([
  'Error',
  'exports',
  'require',
  'module',
  '__filename',
  '__dirname',
  'arguments',
  'eval',
])

/** Throws a TypeError when the classes cannot be turned into safe source text. */
export function validateInjectedClasses(classes: readonly InjectedErrorClass[]): void {
  const declared = new Set<string>(['Error'])
  for (const item of classes) {
    if (!IDENTIFIER.test(item.name) || RESERVED.has(item.name) || declared.has(item.name)) {
      throw new TypeError(`invalid injected class name: ${JSON.stringify(item.name)}`)
    }
    if (!declared.has(item.extends)) {
      throw new TypeError(
        `injected class ${item.name} extends ${JSON.stringify(item.extends)}, which is not declared before it`,
      )
    }
    declared.add(item.name)
  }
}

/**
 * The class declarations on one line, so that the script's line numbers shift by exactly one
 * (and `lineOffset` puts them back).
 */
export function classSource(classes: readonly InjectedErrorClass[]): string {
  validateInjectedClasses(classes)
  return classes
    .map((item) => {
      const params = item.friendlyMessage ? 'message, friendlyMessage' : 'message'
      // compat §3.2: `name` is the constructing class's name, an own property.
      const friendly = item.friendlyMessage
        ? ' this.friendlyMessage = friendlyMessage || message;'
        : ''
      return `class ${item.name} extends ${item.extends} { constructor(${params}) { super(message); this.name = this.constructor.name;${friendly} } }`
    })
    .join(' ')
}

export interface WrappedScript {
  /** Source of a function expression taking the wrapper parameters. */
  readonly source: string
  /** Pass as `lineOffset` so that stack traces show the script's own line numbers. */
  readonly lineOffset: number
}

/** A CommonJS module body, as Node wraps it. */
export function wrapModule(script: string, classes: readonly InjectedErrorClass[]): WrappedScript {
  return {
    source: `(function (${WRAPPER_PARAMETERS}) { ${classSource(classes)}\n${script}\n})`,
    lineOffset: -1,
  }
}

/**
 * A script that is one bare function expression, exported as if it were `module.exports = …`
 * (compat Q10). Only meaningful when {@link looksLikeBareFunction} holds.
 */
export function wrapBareFunction(
  script: string,
  classes: readonly InjectedErrorClass[],
): WrappedScript {
  const body = script.replace(/[\s;]+$/u, '')
  return {
    source: `(function (${WRAPPER_PARAMETERS}) { ${classSource(classes)} module.exports = (\n${body}\n); })`,
    lineOffset: -1,
  }
}

const LEADING_COMMENTS = /^(?:\s+|\/\/[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/u
const BARE_FUNCTION_START = /^(?:async\s+)?(?:function\b|\([\w$\s,]*\)\s*=>|[A-Za-z_$][\w$]*\s*=>)/u

/**
 * Whether the script starts like a function expression (`function`, `async function`, an arrow).
 * Compiling it wrapped in parentheses then tells whether it is one expression and nothing else
 * (compat Q10). A script starting with `(function () { … })()` is not matched: it may assign
 * `module.exports` itself.
 */
export function looksLikeBareFunction(script: string): boolean {
  const start = script.replace(LEADING_COMMENTS, '')
  return BARE_FUNCTION_START.test(start)
}
