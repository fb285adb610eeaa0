/**
 * Where a hook script stops compiling, in the script's own lines and columns and with the
 * compiler's message about the script's own tokens. The sandbox compiles the script inside a
 * CommonJS wrapper (prelude.ts), and a script missing its last `}` would otherwise be reported at
 * the wrapper's closing `)`, past the end of the script. Here V8 parses the script alone as a
 * function body with the wrapper's parameters (Node's `vm.compileFunction`): parsed, never run.
 */
import { compileFunction } from 'node:vm'
import { looksLikeBareFunction, SCRIPT_FILENAME, WRAPPER_PARAMETER_NAMES } from './prelude.js'

export interface ScriptSyntaxError {
  /** V8's message, e.g. `Unexpected end of input`. */
  readonly message: string
  /** 1-based line in the script. */
  readonly line: number
  /** 1-based column in that line. */
  readonly column: number
}

/** `message [hook.js:line:column]`, the form the runner's compile errors take. */
export function describeSyntaxError(error: ScriptSyntaxError): string {
  return `${error.message} [${SCRIPT_FILENAME}:${error.line}:${error.column}]`
}

/** The first line of Node's decoration of a SyntaxError's stack: `hook.js:LINE`. */
const DECORATION_LINE = new RegExp(`^${SCRIPT_FILENAME.replace('.', '\\.')}:(\\d+)$`)

function parse(source: string, parameters: readonly string[]): SyntaxError | undefined {
  try {
    compileFunction(source, [...parameters], { filename: SCRIPT_FILENAME })
    return undefined
  } catch (error) {
    if (error instanceof SyntaxError) return error
    throw error
  }
}

/** Position of a SyntaxError from Node's decoration of its stack (file:line, source, caret). */
function positionOf(error: SyntaxError, script: string): { line: number; column: number } {
  const lines = script.split('\n')
  const [first, , caret] = (error.stack ?? '').split('\n')
  const match = DECORATION_LINE.exec(first ?? '')
  let line = match?.[1] !== undefined ? Number(match[1]) : lines.length
  line = Math.min(Math.max(line, 1), lines.length)
  const text = lines[line - 1] ?? ''
  const at = caret?.indexOf('^') ?? -1
  // No caret: the end of the input, after the line's last character.
  const column = at >= 0 ? Math.min(at + 1, text.length + 1) : text.length + 1
  return { line, column }
}

/**
 * The script's syntax error, or undefined when it parses as a module body or (compat Q10) as one
 * bare function expression. `classNames` are the injected classes, which the script may not
 * redeclare.
 */
export function findSyntaxError(
  script: string,
  classNames: readonly string[],
): ScriptSyntaxError | undefined {
  const parameters = [...WRAPPER_PARAMETER_NAMES, ...classNames]
  const error = parse(script, parameters)
  if (error === undefined) return undefined
  if (looksLikeBareFunction(script)) {
    const body = script.replace(/[\s;]+$/u, '')
    if (parse(`module.exports = (\n${body}\n);`, parameters) === undefined) return undefined
  }
  return { message: error.message, ...positionOf(error, script) }
}
