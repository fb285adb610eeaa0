/**
 * The Node.js built-in modules the sandbox provides inside the isolate (issue 9, compat Q13). A
 * bundled dependency may `require` these: esbuild leaves such calls in the bundle, and the
 * isolate's own `require` answers them at run time. Any other built-in a dependency needs makes the
 * dependency unusable, and the hook is rejected when it is saved.
 *
 * Keep this list equal to what `src/sandbox/isolate-runtime.ts` resolves (the egress work fills
 * the runtime side).
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
