/**
 * The compile check of issue 18.7: a hook whose script does not compile may be stored, but not
 * enabled, since every run of its extensibility point would fail (docs/management-api.md).
 */
import { ApiError } from '../errors/api-error.js'
import { MANAGEMENT_ERRORS } from '../errors/catalog.js'
import { findSyntaxError, type ScriptSyntaxError } from '../sandbox/script-syntax.js'
import { findTrigger } from './triggers/index.js'

/** Writes retried when another write changed the hook between the check and the write. */
export const MAX_HOOK_WRITE_ATTEMPTS = 3

/**
 * Where `script` stops compiling for `triggerId` (whose error classes it may not redeclare), in
 * the script's own lines and columns; undefined when it compiles.
 */
export function scriptSyntaxError(
  script: string,
  triggerId: string,
): ScriptSyntaxError | undefined {
  const trigger = findTrigger(triggerId)
  return findSyntaxError(script, trigger?.errorClasses.map((item) => item.name) ?? [])
}

/** The 400 that refuses to enable a hook whose script does not compile. */
export function notCompilingError(error: ScriptSyntaxError): ApiError {
  const message = MANAGEMENT_ERRORS.HookScriptDoesNotCompile.message
    .replace('{error}', error.message)
    .replace('{line}', String(error.line))
    .replace('{column}', String(error.column))
  return new ApiError('HookScriptDoesNotCompile', { message })
}
