/**
 * The `client_credentials` grant: a confidential client's own token (flows/client-credentials.ts,
 * with the `credentials-exchange` hook). Both credentials are required before anything is looked
 * up.
 */
import { requireClientSecret } from '../client-auth.js'
import { issueClientCredentialsToken } from '../client-credentials.js'
import type { Grant } from './grant.js'

export const CLIENT_CREDENTIALS_GRANT = 'client_credentials'

export const clientCredentialsGrant: Grant = {
  grantType: CLIENT_CREDENTIALS_GRANT,
  parameters: ['audience', 'scope'],
  issue: (deps, request) =>
    issueClientCredentialsToken(deps.clientCredentials, {
      ...requireClientSecret(request),
      audience: request.params.audience,
      scope: request.params.scope,
      ...(request.origin.ip !== undefined ? { ip: request.origin.ip } : undefined),
      ...(request.origin.userAgent !== undefined
        ? { userAgent: request.origin.userAgent }
        : undefined),
    }),
}
