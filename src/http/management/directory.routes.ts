import type { FastifyPluginAsync } from 'fastify'
import { clientGrantRoutes, type ClientGrantRoutesOptions } from './client-grants.routes.js'
import { clientRoutes, type ClientRoutesOptions } from './clients.routes.js'
import { connectionRoutes, type ConnectionRoutesOptions } from './connections.routes.js'
import { logRoutes, type LogRoutesOptions } from './logs.routes.js'
import {
  resourceServerRoutes,
  type ResourceServerRoutesOptions,
} from './resource-servers.routes.js'
import { userRoutes, type UserRoutesOptions } from './users.routes.js'

export type DirectoryRoutesOptions = ClientRoutesOptions &
  ResourceServerRoutesOptions &
  ClientGrantRoutesOptions &
  ConnectionRoutesOptions &
  UserRoutesOptions &
  LogRoutesOptions

/**
 * The Management API resources the flows need (Auth0 shapes): clients, resource servers, client
 * grants, connections, users and the tenant log, one routes file per resource.
 */
export const directoryRoutes: FastifyPluginAsync<DirectoryRoutesOptions> = async (app, options) => {
  await app.register(clientRoutes, options)
  await app.register(resourceServerRoutes, options)
  await app.register(clientGrantRoutes, options)
  await app.register(connectionRoutes, options)
  await app.register(userRoutes, options)
  await app.register(logRoutes, options)
}
