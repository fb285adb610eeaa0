/**
 * Scopes of the Management API, as in Auth0's OpenAPI document. The admin client is granted all
 * of them; each route names the one it requires (compat §2.5, Q5).
 */
export const MANAGEMENT_SCOPES = [
  'read:hooks',
  'create:hooks',
  'update:hooks',
  'delete:hooks',
  'read:clients',
  'create:clients',
  'update:clients',
  'delete:clients',
  'read:resource_servers',
  'create:resource_servers',
  'update:resource_servers',
  'delete:resource_servers',
  'read:client_grants',
  'create:client_grants',
  'update:client_grants',
  'delete:client_grants',
  'read:connections',
  'update:connections',
  'read:users',
  'create:users',
  'update:users',
  'delete:users',
  'read:logs',
  // An openhooks addition (Auth0 has no metrics endpoint): GET /metrics on the main port.
  'read:metrics',
  'create:user_tickets',
  'read:guardian_factors',
  'update:guardian_factors',
  'read:mfa_policies',
  'update:mfa_policies',
  'read:attack_protection',
  'update:attack_protection',
] as const

export type ManagementScope = (typeof MANAGEMENT_SCOPES)[number]
