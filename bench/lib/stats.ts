/**
 * Shared statistics of the benchmarks: percentiles of latency samples, ratios between variants and
 * the targets checked against them. Latencies are in milliseconds throughout.
 */

/** One measured variant of a scenario. */
export interface VariantResult {
  readonly name: string
  /** Latency samples in ms, in the order they were taken (kept in the JSON for the chart). */
  readonly samples: readonly number[]
  /** Completed requests (or calls) per second, when the variant measured throughput. */
  readonly perSecond?: number
  /** Responses other than the expected status; a variant with errors is reported as such. */
  readonly errors: number
  /** Anything else worth keeping (memory, counts), as numbers. */
  readonly extra?: Readonly<Record<string, number>>
}

export interface Summary {
  readonly count: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
  readonly mean: number
}

/** Nearest-rank percentile of sorted samples, `p` in [0, 1]. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil(p * sorted.length) - 1
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] ?? Number.NaN
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b)
  const mean = sorted.reduce((sum, x) => sum + x, 0) / Math.max(1, sorted.length)
  return {
    count: sorted.length,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    mean,
  }
}

/** A ratio between two variants, for the tables: `numerator / denominator`. */
export interface Ratio {
  readonly label: string
  readonly value: number
}

/** A target of the issue, checked in the run that measured it. */
export interface TargetCheck {
  readonly label: string
  /** The figure measured, in `unit`. */
  readonly measured: number
  readonly unit: string
  readonly comparison: '<=' | '>='
  readonly threshold: number
  readonly met: boolean
}

export function target(
  label: string,
  measured: number,
  comparison: '<=' | '>=',
  threshold: number,
  unit: string,
): TargetCheck {
  const met = comparison === '<=' ? measured <= threshold : measured >= threshold
  return { label, measured, unit, comparison, threshold, met: Number.isFinite(measured) && met }
}

/** `12.3 ms`, `456 µs`: three significant figures, the unit that reads best. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—'
  const sig = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toPrecision(3))
  if (ms < 0.9995) return `${sig(ms * 1000)} µs`
  if (ms < 999.5) return `${sig(ms)} ms`
  return `${sig(ms / 1000)} s`
}

export function formatNumber(value: number, unit = ''): string {
  if (!Number.isFinite(value)) return '—'
  const text =
    Math.abs(value) >= 100
      ? Math.round(value).toLocaleString('en-US')
      : value.toPrecision(3).replace(/\.?0+$/, '')
  return unit === '' ? text : `${text} ${unit}`
}

export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : '—'
}

/** Milliseconds since `start` (from `process.hrtime.bigint()`). */
export function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6
}
