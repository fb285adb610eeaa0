/**
 * Hook names and extensibility points (compat §1.1, §1.4).
 */

/** The five extensibility points, with their exact wire ids (compat §1.1). */
export const TRIGGER_IDS = [
  'credentials-exchange',
  'pre-user-registration',
  'post-user-registration',
  'post-change-password',
  'send-phone-message',
] as const

export type TriggerId = (typeof TRIGGER_IDS)[number]

export function isTriggerId(value: string): value is TriggerId {
  return (TRIGGER_IDS as readonly string[]).includes(value)
}

/** Auth0's name pattern (compat §1.4, OAS). */
export const HOOK_NAME_PATTERN = '^[a-zA-Z0-9]([ \\-a-zA-Z0-9]*[a-zA-Z0-9])?$'

/** Longest accepted name, in characters (compat Q4; Auth0 documents none). */
export const MAX_HOOK_NAME_CHARS = 255

/** Longest accepted script, in characters (compat Q4; Auth0 documents none). */
export const MAX_SCRIPT_CHARS = 100 * 1024

/** Longest accepted npm package name or version in `dependencies`, in characters. */
export const MAX_DEPENDENCY_CHARS = 214

/** Most entries in `dependencies` (issue 9; each is installed and bundled when the hook is saved). */
export const MAX_DEPENDENCIES = 10

// The ASCII part of lodash's word splitter: camelCase humps, runs of capitals, ordinals and
// digits each form a word (compat Q3: `test-hook520` → `test-hook-520`).
const WORD =
  /[A-Z]?[a-z]+(?=[^A-Za-z0-9]|[A-Z]|$)|[A-Z]+(?=[^A-Za-z0-9]|[A-Z][a-z]|$)|[A-Z]?[a-z]+|[A-Z]+|\d*(?:1ST|2ND|3RD|(?![123])\dTH)(?=\b|[a-z_])|\d*(?:1st|2nd|3rd|(?![123])\dth)(?=\b|[A-Z_])|\d+/g

/**
 * Normalises a hook name the way Auth0 stores it: lodash-style kebab case (compat §1.4, Q3).
 *
 * @example normalizeHookName('My Pre User Registration Hook') // 'my-pre-user-registration-hook'
 * @example normalizeHookName('test-hook520') // 'test-hook-520'
 */
export function normalizeHookName(name: string): string {
  return (name.match(WORD) ?? []).map((w) => w.toLowerCase()).join('-')
}
