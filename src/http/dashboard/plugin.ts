import type { FastifyPluginAsync } from 'fastify'
import { ApiError } from '../../errors/api-error.js'
import { registerBodyParsers } from '../body-parsers.js'
import { managementErrorHandler } from '../management/error-handler.js'
import { validatorCompiler } from '../validation.js'
import { sessionRoutes, type SessionRoutesOptions } from './session.routes.js'

/**
 * `/_dashboard`: sign-in, session and token exchange for the dashboard (docs/dashboard.md). Errors
 * have the Management API's shape, so the SPA reads one kind of error body everywhere.
 */
export const dashboardSessionPlugin: FastifyPluginAsync<SessionRoutesOptions> = async (
  app,
  options,
) => {
  registerBodyParsers(app)
  app.setValidatorCompiler(validatorCompiler)
  app.setErrorHandler(managementErrorHandler)
  app.setNotFoundHandler(() => {
    throw new ApiError('NotFound')
  })
  // `options` also holds this plugin's own `prefix`, which must not apply twice: pass the fields.
  const routeOptions: SessionRoutesOptions = {
    operator: options.operator,
    sessions: options.sessions,
    limiter: options.limiter,
    tenantLog: options.tenantLog,
    signingKeys: options.signingKeys,
    issuer: options.issuer,
    audience: options.audience,
    clientId: options.clientId,
    secureCookie: options.secureCookie,
  }
  await app.register(sessionRoutes, routeOptions)
}
