// The hook editor's Health panel: a small chart, in plain SVG, of the hook's calls and failures per
// interval and its p50/p99 durations over the last hour (5-minute buckets) or the last 24 hours
// (hourly), from GET /api/v2/hooks/health?series=…&hook_id=….
import { useCallback, useEffect, useState } from 'react'
import { api, errorText } from './api'
import {
  describeFigures,
  formatMs,
  isFailing,
  type HealthBucket,
  type HookHealth,
} from './hook-health'

/** The chart's drawing size, in SVG user units (it scales to the panel's width). */
const CHART_WIDTH = 320
const BARS_HEIGHT = 70
const LINES_HEIGHT = 60
/** Gap between the two panels and around them, in SVG user units. */
const GAP = 14
const LABEL_WIDTH = 34

type Window = '1h' | '24h'
const WINDOW_LABELS: Record<Window, string> = { '1h': 'Last hour', '24h': 'Last 24 hours' }

function time(iso: string, window: Window): string {
  const date = new Date(iso)
  return window === '1h'
    ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleString([], { weekday: 'short', hour: '2-digit', minute: '2-digit' })
}

function linePoints(
  values: (number | undefined)[],
  x: (i: number) => number,
  y: (v: number) => number,
) {
  return values
    .map((v, i) => (v === undefined ? undefined : `${x(i).toFixed(1)},${y(v).toFixed(1)}`))
    .filter((p) => p !== undefined)
    .join(' ')
}

export function HealthChart(props: { buckets: HealthBucket[]; bucketMs: number; window: Window }) {
  const { buckets, window } = props
  const plotWidth = CHART_WIDTH - LABEL_WIDTH
  const slot = plotWidth / Math.max(1, buckets.length)
  const maxCalls = Math.max(1, ...buckets.map((b) => b.calls))
  const maxMs = Math.max(1, ...buckets.map((b) => b.p99_ms ?? 0))
  const barsTop = GAP
  const linesTop = barsTop + BARS_HEIGHT + GAP * 2
  const height = linesTop + LINES_HEIGHT + GAP
  const x = (i: number) => LABEL_WIDTH + i * slot + slot / 2
  const yCalls = (v: number) => barsTop + BARS_HEIGHT - (v / maxCalls) * BARS_HEIGHT
  const yMs = (v: number) => linesTop + LINES_HEIGHT - (v / maxMs) * LINES_HEIGHT
  const total = buckets.reduce(
    (sum, b) => ({ calls: sum.calls + b.calls, failures: sum.failures + b.failures }),
    { calls: 0, failures: 0 },
  )
  const end = new Date(Date.parse(buckets.at(-1)?.start ?? '') + props.bucketMs).toISOString()
  return (
    <svg
      className="health-chart"
      viewBox={`0 0 ${CHART_WIDTH} ${height}`}
      role="img"
      aria-label={`${WINDOW_LABELS[window]}: ${total.calls} calls, ${total.failures} failed`}
    >
      <text x={0} y={barsTop - 4} className="axis">
        calls (max {maxCalls})
      </text>
      <line
        x1={LABEL_WIDTH}
        x2={CHART_WIDTH}
        y1={barsTop + BARS_HEIGHT}
        y2={barsTop + BARS_HEIGHT}
        className="baseline"
      />
      {buckets.map((b, i) => (
        <g
          key={b.start}
          data-bucket={i}
          data-calls={b.calls}
          data-failures={b.failures}
          className={isFailing(b) ? 'bucket failing' : 'bucket'}
        >
          <title>{`${time(b.start, window)}: ${describeFigures(b)}`}</title>
          <rect
            x={x(i) - slot * 0.4}
            width={slot * 0.8}
            y={barsTop}
            height={BARS_HEIGHT + LINES_HEIGHT + GAP * 2}
            className="hover"
          />
          <rect
            x={x(i) - slot * 0.35}
            width={slot * 0.7}
            y={yCalls(b.calls)}
            height={barsTop + BARS_HEIGHT - yCalls(b.calls)}
            className="calls"
          />
          <rect
            x={x(i) - slot * 0.35}
            width={slot * 0.7}
            y={yCalls(b.failures)}
            height={barsTop + BARS_HEIGHT - yCalls(b.failures)}
            className="failures"
          />
        </g>
      ))}
      <text x={0} y={linesTop - 4} className="axis">
        duration, ms (max {formatMs(maxMs)})
      </text>
      <line
        x1={LABEL_WIDTH}
        x2={CHART_WIDTH}
        y1={linesTop + LINES_HEIGHT}
        y2={linesTop + LINES_HEIGHT}
        className="baseline"
      />
      <polyline
        className="p99"
        points={linePoints(
          buckets.map((b) => b.p99_ms),
          x,
          yMs,
        )}
      />
      <polyline
        className="p50"
        points={linePoints(
          buckets.map((b) => b.p50_ms),
          x,
          yMs,
        )}
      />
      {buckets.map((b, i) =>
        b.p99_ms === undefined ? null : (
          <g key={b.start}>
            <circle cx={x(i)} cy={yMs(b.p99_ms)} r={2} className="p99" />
            <circle cx={x(i)} cy={yMs(b.p50_ms ?? 0)} r={2} className="p50" />
          </g>
        ),
      )}
      <text x={LABEL_WIDTH} y={height - 2} className="axis">
        {time(buckets[0]?.start ?? end, window)}
      </text>
      <text x={CHART_WIDTH} y={height - 2} className="axis" textAnchor="end">
        {time(end, window)}
      </text>
    </svg>
  )
}

export function HookHealthPanel(props: { hookId: string; version: unknown }) {
  const [window, setWindow] = useState<Window>('1h')
  const [health, setHealth] = useState<HookHealth | null | undefined>()
  const [error, setError] = useState<string | undefined>()
  const load = useCallback(() => {
    const id = encodeURIComponent(props.hookId)
    api<HookHealth[]>('GET', `/hooks/health?series=${window}&hook_id=${id}`).then(
      (list) => {
        setHealth(list[0] ?? null)
        setError(undefined)
      },
      (failure: unknown) => setError(errorText(failure)),
    )
  }, [props.hookId, window])
  useEffect(load, [load, props.version])
  // What is drawn is the window of the last answer (the button shows the window asked for).
  const shownWindow = health?.series?.window ?? window
  const figures =
    health === null ? undefined : shownWindow === '1h' ? health?.last_hour : health?.last_24h

  return (
    <section className="card" aria-labelledby="health-title">
      <div className="point-head">
        <h2 id="health-title">Health</h2>
        {figures !== undefined && isFailing(figures) && (
          <span className="badge failing">failing</span>
        )}
      </div>
      <div className="segmented" role="group" aria-label="Health window">
        {(['1h', '24h'] as const).map((w) => (
          <button key={w} type="button" aria-pressed={w === window} onClick={() => setWindow(w)}>
            {WINDOW_LABELS[w]}
          </button>
        ))}
      </div>
      {health === null && <p className="empty">No calls in the last 24 hours.</p>}
      {health?.series !== undefined && (
        <>
          <p className="health-figures" data-window={shownWindow}>
            {describeFigures(figures ?? { calls: 0, failures: 0 })}
          </p>
          <HealthChart
            buckets={health.series.buckets}
            bucketMs={health.series.bucket_ms}
            window={shownWindow}
          />
          <p className="legend hint">
            <span className="key calls" /> calls <span className="key failures" /> failed{' '}
            <span className="key p50" /> p50 <span className="key p99" /> p99; one bar per{' '}
            {shownWindow === '1h' ? '5 minutes' : 'hour'}
          </p>
        </>
      )}
      {error !== undefined && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="button" onClick={load}>
        Refresh health
      </button>
    </section>
  )
}
