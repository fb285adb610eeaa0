import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  DAY_MS,
  hookHealth,
  MAX_HOOK_HEALTH_RUNS,
  type HealthFigures,
} from '../../observability/hook-health.js'
import type { TenantLogStore } from '../../storage/store.js'
import type { ManagementRouteConfig } from './guard.js'

export interface HookHealthRoutesOptions {
  readonly logs: TenantLogStore
  /** Clock in epoch milliseconds. */
  readonly now: () => number
}

function toFigures(figures: HealthFigures): Record<string, number> {
  return {
    calls: figures.calls,
    failures: figures.failures,
    ...(figures.p50Ms !== undefined ? { p50_ms: figures.p50Ms } : undefined),
    ...(figures.p99Ms !== undefined ? { p99_ms: figures.p99Ms } : undefined),
  }
}

/**
 * `GET /api/v2/hooks/health` (an openhooks addition; Auth0 has no such endpoint): per hook with a
 * run in the last 24 hours, calls, failures and p50/p99 duration over the last hour and the last 24
 * hours, from the hook runs the tenant log records (docs/observability.md).
 */
export const hookHealthRoutes: FastifyPluginAsyncTypebox<HookHealthRoutesOptions> = async (
  app,
  options,
) => {
  const config: ManagementRouteConfig = { scope: 'read:hooks' }
  app.get(
    '/hooks/health',
    { config, schema: { summary: 'Hook calls, failures and durations', tags: ['hooks'] } },
    async () => {
      const nowMs = options.now()
      const since = new Date(nowMs - DAY_MS).toISOString()
      const runs = await options.logs.listHookRuns(since, MAX_HOOK_HEALTH_RUNS)
      return hookHealth(runs, nowMs).map((health) => ({
        hook_id: health.hookId,
        last_hour: toFigures(health.lastHour),
        last_24h: toFigures(health.last24h),
      }))
    },
  )
}
