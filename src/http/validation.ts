import { Ajv, type ErrorObject } from 'ajv'
import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify'

/**
 * Request validation with Auth0's error wording. Auth0's API validates with z-schema, so errors
 * read `Payload validation error: 'Missing required property: name'.` (compat §2.2, Q2). Ajv
 * does the checking here; `formatValidationErrors` rewrites its errors in z-schema's templates.
 *
 * Bodies are validated strictly (no coercion, no removal of unknown properties); query strings and
 * path parameters are coerced from strings, as every query value arrives as a string.
 */
const bodyAjv = new Ajv({
  allErrors: true,
  verbose: true,
  coerceTypes: false,
  useDefaults: false,
  removeAdditional: false,
  strict: false,
})
const queryAjv = new Ajv({
  allErrors: true,
  verbose: true,
  coerceTypes: true,
  useDefaults: true,
  removeAdditional: false,
  strict: false,
})

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : queryAjv
  return ajv.compile(schema as object)
}

/** The JSON type z-schema names in "Expected type X but found type Y". */
function jsonType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

interface VerboseError extends ErrorObject {
  readonly propertyName?: string
}

/** One ajv error as z-schema's message, or `undefined` for errors already covered by another. */
function templateFor(error: VerboseError): string | undefined {
  const params = error.params as Record<string, unknown>
  const data: unknown = error.data
  if (error.propertyName !== undefined) return undefined // reported by its `propertyNames` error
  switch (error.keyword) {
    case 'required':
      return `Missing required property: ${String(params.missingProperty)}`
    case 'additionalProperties':
      return `Additional properties not allowed: ${String(params.additionalProperty)}`
    case 'type':
      return `Expected type ${String(params.type)} but found type ${jsonType(data)}`
    case 'pattern':
      return `String does not match pattern ${String(params.pattern)}: ${show(data)}`
    case 'minLength':
      return `String is too short (${(data as string).length} chars), minimum ${String(params.limit)}`
    case 'maxLength':
      return `String is too long (${(data as string).length} chars), maximum ${String(params.limit)}`
    case 'enum':
      return `No enum match for: ${show(data)}`
    case 'minimum':
      return `Value ${show(data)} is less than minimum ${String(params.limit)}`
    case 'maximum':
      return `Value ${show(data)} is greater than maximum ${String(params.limit)}`
    case 'minProperties':
      return `Too few properties defined (${Object.keys(data as object).length}), minimum ${String(params.limit)}`
    case 'maxProperties':
      return `Too many properties defined (${Object.keys(data as object).length}), maximum ${String(params.limit)}`
    case 'minItems':
      return `Array is too short (${(data as unknown[]).length}), minimum ${String(params.limit)}`
    case 'maxItems':
      return `Array is too long (${(data as unknown[]).length}), maximum ${String(params.limit)}`
    case 'propertyNames': {
      const name = String(params.propertyName)
      const names = error.schema as { pattern?: string; maxLength?: number }
      if (names.maxLength !== undefined && name.length > names.maxLength) {
        return `Property name is too long (${name.length} chars), maximum ${names.maxLength}: ${name}`
      }
      return `Property name does not match pattern ${names.pattern ?? ''}: ${name}`
    }
    default:
      return error.message ?? 'Invalid value'
  }
}

/**
 * Formats validation errors as Auth0 does: each one `'<message>'`, followed by
 * ` on property <path> (<description>)` when it is not about the top-level object, joined with
 * ` (also) ` and prefixed by `prefix` (`Payload`, `Query` or `Path`).
 */
export function formatValidationErrors(
  errors: readonly FastifySchemaValidationError[],
  prefix: 'Payload' | 'Query' | 'Path',
): string {
  const parts: string[] = []
  for (const raw of errors as readonly VerboseError[]) {
    const message = templateFor(raw)
    if (message === undefined) continue
    // JSON Pointer escapes (RFC 6901): `~1` is `/`, `~0` is `~`.
    const path = raw.instancePath
      .split('/')
      .slice(1)
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
      .join('.')
    const description = (raw.parentSchema as { description?: string } | undefined)?.description
    const where =
      path === ''
        ? ''
        : ` on property ${path}${description !== undefined ? ` (${description})` : ''}`
    const part = `${prefix} validation error: '${message}'${where}.`
    if (!parts.includes(part)) parts.push(part)
  }
  return parts.join(' (also) ')
}
