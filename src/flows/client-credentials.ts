import type { ClientSecretHasher } from '../crypto/keys.js'
import { OAuthError } from '../errors/api-error.js'
import type { HookDispatcher } from '../hooks/hook-dispatcher.js'
import { credentialsExchange } from '../hooks/triggers/credentials-exchange.js'
import { describeFailure } from '../hooks/triggers/trigger.js'
import type { ClientGrantStore, ClientRecord, ClientStore } from '../storage/store.js'
import type { TenantLog } from '../tenant-log/tenant-log.js'
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
  readonly hasher: ClientSecretHasher
  readonly signingKeys: SigningKeys
  readonly issuer: string
  /** The tenant name hooks see as `client.tenant`. */
  readonly tenant: string
  /** An audience this server issues tokens for, with its token lifetime in seconds. */
  readonly resolveAudience: (audience: string) => Promise<{ lifetimeS: number } | undefined>
  /** Runs the enabled `credentials-exchange` hook; absent in deployments without a sandbox. */
  readonly hooks?: HookDispatcher
  readonly tenantLog?: TenantLog
}

async function authenticateClient(
  deps: ClientCredentialsDeps,
  request: ClientCredentialsRequest,
): Promise<ClientRecord> {
  const client = await deps.store.getClient(request.clientId)
  // Unknown client and wrong secret answer alike, as Auth0 does (compat §7.4).
  if (client === undefined || !deps.hasher.verify(request.clientSecret, client.secretHash)) {
    throw new OAuthError('access_denied', 'Unauthorized', { statusCode: 401 })
  }
  return client
}

function narrowScopes(requested: string | undefined, granted: readonly string[]): string[] {
  if (requested === undefined) return [...granted]
  const asked = new Set(requested.split(' ').filter(Boolean))
  return granted.filter((scope) => asked.has(scope))
}

interface Exchange {
  readonly scopes: readonly string[]
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
      throw new OAuthError('server_error', 'The hook could not be run', {
        cause: new TypeError(run.message),
      })
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
    client = await authenticateClient(deps, request)
    if (!client.grantTypes.includes('client_credentials')) {
      throw new OAuthError(
        'unauthorized_client',
        "Grant type 'client_credentials' not allowed for the client.",
      )
    }
    if (request.audience === undefined || request.audience === '') {
      throw new OAuthError(
        'access_denied',
        'No audience parameter was provided, and no default audience has been configured',
      )
    }
    const api = await deps.resolveAudience(request.audience)
    if (api === undefined) {
      throw new OAuthError('access_denied', `Service not found: ${request.audience}`)
    }
    const grant = await deps.store.getClientGrant(client.clientId, request.audience)
    if (grant === undefined) {
      throw new OAuthError(
        'access_denied',
        `Client is not authorized to access "${request.audience}". You need to create a "client-grant" associated to this API.`,
      )
    }
    const exchange = await runCredentialsExchange(
      deps,
      client,
      request.audience,
      narrowScopes(request.scope, grant.scope),
    )
    const accessToken = await signAccessToken(deps.signingKeys, {
      issuer: deps.issuer,
      clientId: client.clientId,
      audience: request.audience,
      scopes: exchange.scopes,
      extraClaims: exchange.claims,
      lifetimeS: api.lifetimeS,
    })
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
