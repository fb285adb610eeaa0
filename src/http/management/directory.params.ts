import { Type } from 'typebox'
import type { ManagementScope } from '../../tokens/management-scopes.js'
import type { ManagementRouteConfig } from './guard.js'

/** `/:id` of the directory resources (clients, resource servers, grants, connections, users, logs). */
export const IdParams = Type.Object({ id: Type.String() })

/** Auth0's field selection on a single resource. */
export const FieldsQuery = Type.Object({
  fields: Type.Optional(Type.String()),
  include_fields: Type.Optional(Type.Boolean()),
})

/** A route that needs `scope`. */
export const routeScope = (scope: ManagementScope): ManagementRouteConfig => ({ scope })
