/**
 * The Node.js built-in modules the sandbox provides inside the isolate (issue 9, compat Q13). A
 * bundled dependency may `require` these: esbuild leaves such calls in the bundle, and the
 * isolate's own `require` answers them at run time. Any other built-in a dependency needs makes the
 * dependency unusable, and the hook is rejected when it is saved.
 *
 * Keep this list equal to `PROVIDED_BUILTINS` of `src/sandbox/isolate/limits.ts` (a test checks;
 * this layer may not import the sandbox).
 */
export const RUNTIME_BUILTINS = [
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

/** The names esbuild must leave to the runtime: each built-in bare and with the `node:` scheme. */
export function externalBuiltins(): string[] {
  return RUNTIME_BUILTINS.flatMap((name) => [name, `node:${name}`])
}

/**
 * Packages the runtime provides itself (issue 9: `request`, which Auth0's runtime made available
 * and its samples use). Declaring one of these, or a built-in name such as `crypto` (an npm
 * placeholder package hooks sometimes declared), installs nothing: the hook gets the runtime's
 * implementation, whatever version it declared.
 */
export const RUNTIME_PACKAGES = ['request'] as const

/** Whether a declared dependency is answered by the runtime rather than installed. */
export function isProvidedByRuntime(name: string): boolean {
  return (
    (RUNTIME_PACKAGES as readonly string[]).includes(name) ||
    (RUNTIME_BUILTINS as readonly string[]).includes(name)
  )
}
