import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  DAY_MS,
  HEALTH_SERIES_WINDOWS,
  healthSeries,
  hookHealth,
  MAX_HOOK_HEALTH_RUNS,
  type HealthFigures,
  type HealthSeriesWindow,
} from '../../observability/hook-health.js'
import type { HookRunRecord } from '../../storage/store.js'
import type { TenantLogStore } from '../../storage/store.js'
import type { ManagementRouteConfig } from './guard.js'

export interface HookHealthRoutesOptions {
  readonly logs: TenantLogStore
  /** Clock in epoch milliseconds. */
  readonly now: () => number
}

const HealthQuery = Type.Object({
  series: Type.Optional(
    Type.Unsafe<HealthSeriesWindow>({
      type: 'string',
      enum: [...HEALTH_SERIES_WINDOWS],
      description:
        'Adds a series of buckets over this window: 1h (5-minute buckets) or 24h (hourly).',
    }),
  ),
  hook_id: Type.Optional(Type.String({ minLength: 1, description: 'Only this hook.' })),
})

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
    {
      config,
      schema: {
        summary: 'Hook calls, failures and durations',
        tags: ['hooks'],
        querystring: HealthQuery,
      },
    },
    async (request) => {
      const { series, hook_id: only } = request.query
      const nowMs = options.now()
      const since = new Date(nowMs - DAY_MS).toISOString()
      const all = await options.logs.listHookRuns(since, MAX_HOOK_HEALTH_RUNS)
      const runs = only === undefined ? all : all.filter((run) => run.hookId === only)
      const byHook = new Map<string, HookRunRecord[]>()
      if (series !== undefined) {
        for (const run of runs) {
          const list = byHook.get(run.hookId)
          if (list === undefined) byHook.set(run.hookId, [run])
          else list.push(run)
        }
      }
      return hookHealth(runs, nowMs).map((health) => ({
        hook_id: health.hookId,
        last_hour: toFigures(health.lastHour),
        last_24h: toFigures(health.last24h),
        ...(series !== undefined ? { series: toSeries(byHook.get(health.hookId) ?? []) } : {}),
      }))

      function toSeries(hookRuns: readonly HookRunRecord[]) {
        const { bucketMs, buckets } = healthSeries(hookRuns, nowMs, series ?? '1h')
        return {
          window: series,
          bucket_ms: bucketMs,
          buckets: buckets.map((bucket) => ({
            start: new Date(bucket.startMs).toISOString(),
            ...toFigures(bucket),
          })),
        }
      }
    },
  )
}
