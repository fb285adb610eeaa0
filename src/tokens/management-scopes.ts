/**
 * Scopes of the Management API, as in Auth0's OpenAPI document. The admin client is granted all
 * of them; each route names the one it requires (compat §2.5, Q5).
 */
export const MANAGEMENT_SCOPES = [
  'read:hooks',
  'create:hooks',
  'update:hooks',
  'delete:hooks',
] as const

export type ManagementScope = (typeof MANAGEMENT_SCOPES)[number]
