/**
 * The registry of `/oauth/token` grants: an explicit list (STYLE §4, §5), one module per grant, as
 * hooks/triggers/index.ts is for the extensibility points. A grant type not listed here is
 * answered `unsupported_grant_type`.
 */
import { clientCredentialsGrant } from './client-credentials.js'
import type { Grant } from './grant.js'
import { mfaOobGrant } from './mfa-oob.js'
import { mfaRecoveryCodeGrant } from './mfa-recovery-code.js'
import { passwordGrants } from './password.js'

export type { Grant, GrantRequest, TokenEndpointDeps } from './grant.js'

export const GRANTS: readonly Grant[] = [
  clientCredentialsGrant,
  ...passwordGrants,
  mfaOobGrant,
  mfaRecoveryCodeGrant,
]

const BY_TYPE: ReadonlyMap<string, Grant> = new Map(GRANTS.map((grant) => [grant.grantType, grant]))

/** The grant of a `grant_type`, or undefined for one this server does not implement. */
export function findGrant(grantType: string): Grant | undefined {
  return BY_TYPE.get(grantType)
}
