import type { FastifyPluginAsync } from 'fastify'
import { ApiError } from '../../errors/api-error.js'
import type { HookService } from '../../hooks/hook-service.js'
import { registerBodyParsers } from '../body-parsers.js'
import { validatorCompiler } from '../validation.js'
import { registerAuditTrail } from './audit.js'
import { managementErrorHandler } from './error-handler.js'
import { createGuard, type GuardOptions, type ManagementRouteConfig } from './guard.js'
import {
  attackProtectionRoutes,
  type AttackProtectionRoutesOptions,
} from './attack-protection.routes.js'
import { directoryRoutes, type DirectoryRoutesOptions } from './directory.routes.js'
import { guardianRoutes, type GuardianRoutesOptions } from './guardian.routes.js'
import { hookHealthRoutes, type HookHealthRoutesOptions } from './hook-health.routes.js'
import { hookSettingsRoutes } from './hook-settings.routes.js'
import { hookVersionsRoutes } from './hook-versions.routes.js'
import { hooksRoutes } from './hooks.routes.js'
import { logStreamRoutes, type LogStreamOptions } from './log-stream.routes.js'
import { logTypesRoutes } from './log-types.routes.js'
import { testRunnerRoutes, type TestRunnerOptions } from './test-runner.routes.js'
import { ticketRoutes, type TicketRoutesOptions } from './tickets.routes.js'
import { OpenApiCollector } from './openapi.js'
import type { TenantLog } from '../../tenant-log/tenant-log.js'

export interface ManagementPluginOptions {
  readonly hooks: HookService
  readonly directory: DirectoryRoutesOptions
  readonly tickets: TicketRoutesOptions
  readonly guardian: GuardianRoutesOptions
  readonly attackProtection: AttackProtectionRoutesOptions
  readonly testRunner: TestRunnerOptions
  readonly logStream: LogStreamOptions
  readonly health: HookHealthRoutesOptions
  readonly guard: GuardOptions
  /** Receives the `sapi`/`fapi` audit event of every write (src/http/management/audit.ts). */
  readonly tenantLog: TenantLog
  readonly issuer: string
  readonly version: string
}

/**
 * `/api/v2`: the Management API. Its own body parsers, validator, error handler and guard, so
 * every response in this scope has Auth0's error shape and rate-limit headers.
 */
export const managementPlugin: FastifyPluginAsync<ManagementPluginOptions> = async (
  app,
  options,
) => {
  const openapi = new OpenApiCollector()
  app.addHook('onRoute', openapi.onRoute)
  registerBodyParsers(app)
  app.setValidatorCompiler(validatorCompiler)
  // Bodies are built in wire order by toHookResponse(); schemas document them, they do not
  // re-serialise them.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data))
  app.setErrorHandler(managementErrorHandler)
  app.setNotFoundHandler(() => {
    throw new ApiError('NotFound')
  })
  app.addHook('onRequest', createGuard(options.guard))
  registerAuditTrail(app, options.tenantLog)

  await app.register(hooksRoutes, { hooks: options.hooks })
  await app.register(hookVersionsRoutes, { hooks: options.hooks })
  await app.register(hookSettingsRoutes, { hooks: options.hooks })
  await app.register(hookHealthRoutes, options.health)
  await app.register(testRunnerRoutes, options.testRunner)
  await app.register(logStreamRoutes, options.logStream)
  await app.register(logTypesRoutes)
  await app.register(directoryRoutes, options.directory)
  await app.register(ticketRoutes, options.tickets)
  await app.register(guardianRoutes, options.guardian)
  await app.register(attackProtectionRoutes, options.attackProtection)

  const publicRoute: ManagementRouteConfig = { public: true }
  app.get('/openapi.json', { config: publicRoute }, async () =>
    openapi.document({ issuer: options.issuer, version: options.version }),
  )
}
