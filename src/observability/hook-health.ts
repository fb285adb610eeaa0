import type { HookRunRecord } from '../storage/store.js'

/**
 * Hook health (docs/observability.md): per hook, calls, failures and duration percentiles over the
 * last hour and the last 24 hours, computed from the hook runs the tenant log records. Works on a
 * fresh install, without Prometheus.
 */

/** The windows of hook health, in milliseconds. */
export const HOUR_MS = 60 * 60 * 1000
export const DAY_MS = 24 * HOUR_MS

/** Most runs read for one health answer (newest first); older ones in the window are left out. */
export const MAX_HOOK_HEALTH_RUNS = 100_000

export interface HealthFigures {
  readonly calls: number
  readonly failures: number
  /** Nearest-rank percentiles of the durations, in milliseconds; `undefined` without calls. */
  readonly p50Ms: number | undefined
  readonly p99Ms: number | undefined
}

export interface HookHealth {
  readonly hookId: string
  readonly lastHour: HealthFigures
  readonly last24h: HealthFigures
}

/** The nearest-rank percentile `p` (0–100) of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[rank - 1]
}

function figures(runs: readonly HookRunRecord[]): HealthFigures {
  const durations = runs.map((run) => run.durationMs).sort((a, b) => a - b)
  return {
    calls: runs.length,
    failures: runs.filter((run) => run.outcome !== 'ok').length,
    p50Ms: percentile(durations, 50),
    p99Ms: percentile(durations, 99),
  }
}

/** Health of every hook with a run in the last 24 hours before `nowMs`, by hook id. */
export function hookHealth(runs: readonly HookRunRecord[], nowMs: number): HookHealth[] {
  const byHook = new Map<string, HookRunRecord[]>()
  for (const run of runs) {
    const at = Date.parse(run.date)
    if (!(at > nowMs - DAY_MS && at <= nowMs)) continue
    const list = byHook.get(run.hookId) ?? []
    list.push(run)
    byHook.set(run.hookId, list)
  }
  const ordered = [...byHook.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return ordered.map(([hookId, list]) => ({
    hookId,
    lastHour: figures(list.filter((run) => Date.parse(run.date) > nowMs - HOUR_MS)),
    last24h: figures(list),
  }))
}

/** The windows a health series covers, with their bucket counts. */
export const HEALTH_SERIES_WINDOWS = ['1h', '24h'] as const
export type HealthSeriesWindow = (typeof HEALTH_SERIES_WINDOWS)[number]
/** Buckets of the last-hour series: one per 5 minutes. */
export const SERIES_1H_BUCKETS = 12
/** Buckets of the last-24-hours series: one per hour. */
export const SERIES_24H_BUCKETS = 24

const SERIES_SHAPE: Record<HealthSeriesWindow, { windowMs: number; buckets: number }> = {
  '1h': { windowMs: HOUR_MS, buckets: SERIES_1H_BUCKETS },
  '24h': { windowMs: DAY_MS, buckets: SERIES_24H_BUCKETS },
}

export interface HealthBucket extends HealthFigures {
  /** Start of the bucket (exclusive), epoch milliseconds; it ends `bucketMs` later (inclusive). */
  readonly startMs: number
}

export interface HealthSeries {
  readonly bucketMs: number
  /** Oldest first; the last bucket ends at the time of the answer. */
  readonly buckets: readonly HealthBucket[]
}

/**
 * The runs of one hook over `window` before `nowMs`, in equal buckets (empty ones included), so a
 * chart shows calls, failures and duration percentiles over time.
 */
export function healthSeries(
  runs: readonly HookRunRecord[],
  nowMs: number,
  window: HealthSeriesWindow,
): HealthSeries {
  const { windowMs, buckets } = SERIES_SHAPE[window]
  const bucketMs = windowMs / buckets
  const start = nowMs - windowMs
  const grouped: HookRunRecord[][] = Array.from({ length: buckets }, () => [])
  for (const run of runs) {
    const at = Date.parse(run.date)
    if (!(at > start && at <= nowMs)) continue
    const index = Math.min(buckets - 1, Math.ceil((at - start) / bucketMs) - 1)
    grouped[index]?.push(run)
  }
  return {
    bucketMs,
    buckets: grouped.map((list, index) => ({
      startMs: start + index * bucketMs,
      ...figures(list),
    })),
  }
}
