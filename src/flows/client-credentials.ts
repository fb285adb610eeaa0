import type { ClientSecretHasher } from '../crypto/keys.js'
import { OAuthError } from '../errors/api-error.js'
import type { HookDispatcher } from '../hooks/hook-dispatcher.js'
import type { AttackProtection } from './attack-protection.js'
import { authenticateClient } from './client-auth.js'
import { credentialsExchange } from '../hooks/triggers/credentials-exchange.js'
import { describeFailure } from '../hooks/triggers/trigger.js'
import type { ClientGrantStore, ClientRecord, ClientStore } from '../storage/store.js'
import type { TenantLog } from '../tenant-log/tenant-log.js'
import { withSpan } from '../observability/tracing.js'
import { signAccessToken } from '../tokens/access-token.js'
import type { SigningKeys } from '../tokens/signing-keys.js'
import { failedOpenDescription, failedOpenDetails, hookLogDetails } from './hook-log.js'

/** The parameters of a client-credentials request, from the body or HTTP Basic. */
export interface ClientCredentialsRequest {
  readonly clientId: string
  readonly clientSecret: string
  readonly audience: string | undefined
  /** Space-separated, as sent; `undefined` asks for every granted scope. */
  readonly scope: string | undefined
  /** For the tenant log. */
  readonly ip?: string
  readonly userAgent?: string
}

/** The token response (RFC 6749 §5.1). `scope` is omitted when the token has none. */
export interface TokenResponse {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  scope?: string
}

export interface ClientCredentialsDeps {
  readonly store: ClientStore & ClientGrantStore
  /** Client secrets. */
  readonly clientSecrets: ClientSecretHasher
  readonly signingKeys: SigningKeys
  readonly issuer: string
  /** The tenant name hooks see as `client.tenant`. */
  readonly tenant: string
  /**
   * openhooks' own Management API audience: there the credentials-exchange hook may only narrow
   * the scopes the client's grant gives (security review finding 2; docs/management-api.md).
   */
  readonly managementAudience: string
  /** An audience this server issues tokens for, with its token lifetime in seconds. */
  readonly resolveAudience: (audience: string) => Promise<{ lifetimeS: number } | undefined>
  /** Runs the enabled `credentials-exchange` hook; absent in deployments without a sandbox. */
  readonly hooks?: HookDispatcher
  readonly tenantLog?: TenantLog
  /** Throttles wrong client secrets per client and address (flows/attack-protection.ts). */
  readonly attackProtection?: AttackProtection
}

function narrowScopes(requested: string | undefined, granted: readonly string[]): string[] {
  if (requested === undefined) return [...granted]
  const asked = new Set(requested.split(' ').filter(Boolean))
  return granted.filter((scope) => asked.has(scope))
}

interface Exchange {
  readonly scopes: readonly string[]
  /** Scopes the hook added for the Management API that the grant does not give: dropped. */
  readonly droppedScopes?: readonly string[]
  readonly claims: Readonly<Record<string, unknown>>
  readonly hookDetails?: Record<string, unknown>
}

/**
 * The `credentials-exchange` point (compat §4.1): the enabled hook sees the client, the scopes
 * about to be granted and the audience; its result replaces the scopes and adds URL-namespaced
 * claims; its errors become the OAuth error of the response.
 */
async function runCredentialsExchange(
  deps: ClientCredentialsDeps,
  client: ClientRecord,
  audience: string,
  scopes: readonly string[],
): Promise<Exchange> {
  if (deps.hooks === undefined) return { scopes, claims: {} }
  const dispatched = await deps.hooks.dispatch(credentialsExchange, {
    audience,
    client: {
      id: client.clientId,
      name: client.name,
      tenant: deps.tenant,
      metadata: { ...client.clientMetadata },
    },
    // compat Q15: an empty list, never undefined.
    scope: [...scopes],
    context: {},
  })
  if (dispatched === undefined) return { scopes, claims: {} }
  const { hook, run } = dispatched
  switch (run.kind) {
    case 'succeeded':
      return {
        scopes: run.result.scope ?? [],
        claims: run.result.claims,
        hookDetails: hookLogDetails(hook, run.outcome),
      }
    case 'failed':
      if (dispatched.failedOpen) {
        // issue 22: the hook could not run and its failure policy is open.
        return {
          scopes,
          claims: {},
          hookDetails: failedOpenDetails(
            hookLogDetails(hook, run.outcome, describeFailure(run.failed)),
          ),
        }
      }
      throw new OAuthError(run.failure.error, run.failure.description, {
        statusCode: run.failure.status,
        cause: { hook: hookLogDetails(hook, run.outcome, describeFailure(run.failed)) },
      })
    case 'invalid-payload':
      // The payload is built above; failing the trigger's own checks is a bug of ours.
      throw OAuthError.of('HookCouldNotRun', {
        cause: new TypeError(run.message),
      })
  }
}

/**
 * For the Management API (openhooks' own authorization) the hook may only narrow: a scope it
 * returns that the client's grant does not give is dropped and named in the `seccft` event
 * (`details.droppedScope`). For the tenant's own APIs the hook's scopes stand, as on Auth0: the
 * API decides what they mean.
 */
function confineManagementScopes(
  deps: ClientCredentialsDeps,
  audience: string,
  granted: readonly string[],
  exchange: Exchange,
): Exchange {
  if (audience !== deps.managementAudience) return exchange
  const allowed = new Set(granted)
  const dropped = exchange.scopes.filter((scope) => !allowed.has(scope))
  if (dropped.length === 0) return exchange
  return {
    ...exchange,
    scopes: exchange.scopes.filter((scope) => allowed.has(scope)),
    droppedScopes: dropped,
  }
}

/**
 * `grant_type=client_credentials`: authenticate the client, resolve the audience and the grant,
 * narrow the scopes to the grant, run the `credentials-exchange` hook, sign. Each step throws the
 * OAuth error Auth0 answers with; every outcome writes `seccft` or `feccft` to the tenant log.
 */
export async function issueClientCredentialsToken(
  deps: ClientCredentialsDeps,
  request: ClientCredentialsRequest,
): Promise<TokenResponse> {
  let client: ClientRecord | undefined
  try {
    client = await authenticateClient(deps, request, request, { allowPublic: false })
    if (!client.grantTypes.includes('client_credentials')) {
      throw OAuthError.of('GrantTypeNotAllowed', { grantType: 'client_credentials' })
    }
    if (request.audience === undefined || request.audience === '') {
      throw OAuthError.of('NoAudience')
    }
    const api = await deps.resolveAudience(request.audience)
    if (api === undefined) {
      throw OAuthError.of('ServiceNotFound', { audience: request.audience })
    }
    const grant = await deps.store.getClientGrant(client.clientId, request.audience)
    if (grant === undefined) {
      throw OAuthError.of('NoClientGrant', { audience: request.audience })
    }
    const exchange = confineManagementScopes(
      deps,
      request.audience,
      grant.scope,
      await runCredentialsExchange(
        deps,
        client,
        request.audience,
        narrowScopes(request.scope, grant.scope),
      ),
    )
    const clientId = client.clientId
    const audience = request.audience
    const accessToken = await withSpan('token.sign', {}, () =>
      signAccessToken(deps.signingKeys, {
        issuer: deps.issuer,
        clientId,
        audience,
        scopes: exchange.scopes,
        extraClaims: exchange.claims,
        lifetimeS: api.lifetimeS,
      }),
    )
    void deps.tenantLog?.record({
      type: 'seccft',
      clientId: client.clientId,
      clientName: client.name,
      ...requestFields(request),
      ...(exchange.hookDetails !== undefined
        ? { hookId: String(exchange.hookDetails.id) }
        : undefined),
      ...failedOpenDescription(exchange.hookDetails),
      details: {
        audience: request.audience,
        scope: exchange.scopes.join(' '),
        ...(exchange.droppedScopes !== undefined
          ? { droppedScope: exchange.droppedScopes.join(' ') }
          : undefined),
        ...(exchange.hookDetails !== undefined ? { hook: exchange.hookDetails } : undefined),
      },
    })
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: api.lifetimeS,
      ...(exchange.scopes.length > 0 ? { scope: exchange.scopes.join(' ') } : undefined),
    }
  } catch (error) {
    if (error instanceof OAuthError) {
      const cause = error.cause as { hook?: Record<string, unknown> } | undefined
      void deps.tenantLog?.record({
        type: 'feccft',
        description: error.description ?? error.error,
        clientId: request.clientId,
        ...(client !== undefined ? { clientName: client.name } : undefined),
        ...requestFields(request),
        ...(cause?.hook !== undefined ? { hookId: String(cause.hook.id) } : undefined),
        details: {
          error: error.error,
          ...(request.audience !== undefined ? { audience: request.audience } : undefined),
          ...(cause?.hook !== undefined ? { hook: cause.hook } : undefined),
        },
      })
    }
    throw error
  }
}

function requestFields(request: ClientCredentialsRequest): { ip?: string; userAgent?: string } {
  return {
    ...(request.ip !== undefined ? { ip: request.ip } : undefined),
    ...(request.userAgent !== undefined ? { userAgent: request.userAgent } : undefined),
  }
}
