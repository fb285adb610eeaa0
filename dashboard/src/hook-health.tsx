// Hook health on the Hooks page: per hook, calls, failures and p50/p99 duration over the last hour
// and the last 24 hours, from GET /api/v2/hooks/health (computed by the server from the tenant
// log's hook runs, so it needs no Prometheus). A hook failing too often wears a red badge.
import { useCallback, useEffect, useState } from 'react'
import { api, errorText } from './api'

/**
 * A hook whose failures over the last hour exceed this share of its calls is marked failing
 * (0.05 = 5 %, the threshold of the example alert in docs/observability.md).
 */
export const FAILING_RATIO = 0.05

export interface HealthFigures {
  calls: number
  failures: number
  p50_ms?: number
  p99_ms?: number
}

export interface HealthBucket extends HealthFigures {
  start: string
}

export interface HookHealth {
  hook_id: string
  last_hour: HealthFigures
  last_24h: HealthFigures
  series?: { window: '1h' | '24h'; bucket_ms: number; buckets: HealthBucket[] }
}

/** True when the failures are above FAILING_RATIO of the calls. */
export function isFailing(figures: HealthFigures): boolean {
  return figures.calls > 0 && figures.failures / figures.calls > FAILING_RATIO
}

/** A duration in milliseconds, to a tenth at most: "2.2", "52". */
export function formatMs(ms: number): string {
  return String(Number(ms.toFixed(1)))
}

/** "3 calls · 1 failed · p50 12 ms · p99 40 ms", or "no calls". */
export function describeFigures(figures: HealthFigures): string {
  if (figures.calls === 0) return 'no calls'
  const parts = [
    `${figures.calls} ${figures.calls === 1 ? 'call' : 'calls'}`,
    `${figures.failures} failed`,
  ]
  if (figures.p50_ms !== undefined) parts.push(`p50 ${formatMs(figures.p50_ms)} ms`)
  if (figures.p99_ms !== undefined) parts.push(`p99 ${formatMs(figures.p99_ms)} ms`)
  return parts.join(' · ')
}

/** Health of every hook with a run in the last 24 hours, by hook id, and a way to reload it. */
export function useHookHealth(): {
  health: Map<string, HookHealth> | undefined
  error: string | undefined
  reload: () => void
} {
  const [health, setHealth] = useState<Map<string, HookHealth> | undefined>()
  const [error, setError] = useState<string | undefined>()
  const reload = useCallback(() => {
    api<HookHealth[]>('GET', '/hooks/health').then(
      (list) => {
        setHealth(new Map(list.map((h) => [h.hook_id, h])))
        setError(undefined)
      },
      (failure: unknown) => setError(errorText(failure)),
    )
  }, [])
  useEffect(reload, [reload])
  return { health, error, reload }
}

const NO_CALLS: HealthFigures = { calls: 0, failures: 0 }

/** One hook's row figures on the Hooks page. */
export function HealthSummary(props: { hookName: string; health: HookHealth | undefined }) {
  const hour = props.health?.last_hour ?? NO_CALLS
  const day = props.health?.last_24h ?? NO_CALLS
  const failing = isFailing(hour)
  return (
    <span className="health" data-health={props.hookName}>
      {failing && (
        <span
          className="badge failing"
          title={`More than ${FAILING_RATIO * 100} % of its calls failed in the last hour`}
        >
          failing {Math.round((hour.failures / hour.calls) * 100)} %
        </span>
      )}
      <span className="health-window" data-window="1h">
        <span className="hint">1 h:</span> {describeFigures(hour)}
      </span>
      <span className="health-window" data-window="24h">
        <span className="hint">24 h:</span> {describeFigures(day)}
      </span>
    </span>
  )
}
