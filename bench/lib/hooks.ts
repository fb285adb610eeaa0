/**
 * The hook logic the benchmarks run: as hook source for the sandbox, and the same logic as a plain
 * function for the webhook server, so that both variants of the token scenario do the same work.
 */

/** A `credentials-exchange` hook that keeps the scopes and adds two claims. */
export const TWO_CLAIMS_HOOK = `module.exports = function (client, scope, audience, context, cb) {
  cb(null, {
    scope: scope,
    'https://example.com/plan': (client.metadata && client.metadata.plan) || 'free',
    'https://example.com/tenant': String(client.tenant).toLowerCase(),
  })
}`

/** The same logic as {@link TWO_CLAIMS_HOOK}, for the webhook server: positional args in, result out. */
export function twoClaims(args: readonly unknown[]): Record<string, unknown> {
  const client = (args[0] ?? {}) as { metadata?: { plan?: string }; tenant?: unknown }
  return {
    scope: args[1],
    'https://example.com/plan': client.metadata?.plan ?? 'free',
    'https://example.com/tenant': String(client.tenant).toLowerCase(),
  }
}

/** A `pre-user-registration` hook that adds metadata, as most do. */
export const PRE_REGISTRATION_HOOK = `module.exports = function (user, context, cb) {
  cb(null, { user: { user_metadata: { source: 'bench' }, app_metadata: { plan: 'free' } } })
}`

/** A `post-user-registration` hook that only logs (its usual job is a notification). */
export const POST_REGISTRATION_HOOK = `module.exports = function (user, context, cb) {
  console.log('registered', user.id)
  cb()
}`

/** A distinct hook per index: the comment changes the source, so each has its own isolate. */
export function numberedHook(index: number): string {
  return `// bench hook ${index}\n${TWO_CLAIMS_HOOK}`
}

/** The wire payload of the test endpoint for a `credentials-exchange` hook. */
export const CREDENTIALS_EXCHANGE_TEST_PAYLOAD = {
  audience: 'https://api.example.com/',
  client: { id: 'bench-client', name: 'bench', tenant: 'openhooks', metadata: { plan: 'full' } },
  scope: ['read:things'],
}
