import type { FastifyRequest } from 'fastify'
import type { HookVersionActor } from '../../storage/store.js'

/**
 * The claim the dashboard's Management API tokens carry with the operator's e-mail address, so
 * that what the dashboard changes is attributed to the operator rather than to the admin client.
 */
export const DASHBOARD_OPERATOR_CLAIM = 'openhooks_operator'

/** Who makes a Management API request: the dashboard operator, or the token's client. */
export function actorOf(request: FastifyRequest): HookVersionActor {
  const claims = request.managementAuth
  if (claims === undefined) return { type: 'system', id: 'openhooks' }
  const operator = claims.payload[DASHBOARD_OPERATOR_CLAIM]
  if (typeof operator === 'string' && operator !== '') return { type: 'operator', id: operator }
  return { type: 'client', id: claims.clientId }
}
