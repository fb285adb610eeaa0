/**
 * Limits and tables shared by the isolate's runtime and the worker: the runtime is bundled from
 * these modules, and the worker imports the same constants, so the two cannot disagree.
 */

/** Size of the chunks a buffered body is handed out in by `response.body`. */
export const BODY_CHUNK_BYTES = 64 * 1024

/** Parts of one multipart body `formData()` accepts; more fails the call. */
export const MAX_FORM_PARTS = 1_000

/** Characters one `inspect` call may produce before the rest is replaced by `...`. */
export const MAX_INSPECT_CHARS = 1_000_000

/** Largest input of one hash or HMAC computation (all `update` calls together), in bytes. */
export const MAX_CRYPTO_INPUT_BYTES = 16 * 1024 * 1024

/** Largest `randomBytes` / `getRandomValues` request, in bytes (Web Crypto allows 65 536). */
export const MAX_RANDOM_BYTES = 1024 * 1024

/** The built-ins `require` answers (bare and as `node:<name>`); the rest give a hint. */
export const PROVIDED_BUILTINS = [
  'assert',
  'buffer',
  'crypto',
  'events',
  'http',
  'https',
  'querystring',
  'url',
  'util',
] as const
