/**
 * The bench's outputs: raw results as JSON (summaries and quantiles of every variant, not every
 * sample), the same as a Markdown table, and an SVG chart of the latency distributions. The
 * results section of docs/performance.md is rendered from the JSON (bench/update-doc.ts).
 */
import { cpus, totalmem } from 'node:os'
import type { ScenarioResult } from './scenario.js'
import {
  formatMs,
  formatNumber,
  formatRatio,
  percentile,
  summarize,
  type Ratio,
  type Summary,
  type TargetCheck,
} from './stats.js'

/** Quantiles kept per variant for the chart, in [0, 1]. */
export const CHART_QUANTILES = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99] as const

/** Histogram buckets per decade of latency, and the smallest bucket's lower edge, in ms. */
export const HISTOGRAM_BUCKETS_PER_DECADE = 10
export const HISTOGRAM_MIN_MS = 0.001

/**
 * Every sample of a variant, counted in logarithmic buckets: `counts[i]` samples were at least
 * `HISTOGRAM_MIN_MS × 10^(i / HISTOGRAM_BUCKETS_PER_DECADE)` ms (the first bucket also holds
 * anything smaller). The raw distribution, compact enough to keep in the JSON.
 */
export function histogram(samples: readonly number[]): number[] {
  const counts: number[] = []
  for (const ms of samples) {
    const index = Math.max(
      0,
      Math.floor(Math.log10(ms / HISTOGRAM_MIN_MS) * HISTOGRAM_BUCKETS_PER_DECADE + 1e-9),
    )
    while (counts.length <= index) counts.push(0)
    counts[index] = (counts[index] ?? 0) + 1
  }
  return counts
}

export interface VariantRecord {
  readonly name: string
  readonly summary: Summary
  /** See {@link histogram}. */
  readonly histogram: readonly number[]
  /** Latency at each of {@link CHART_QUANTILES}, in ms. */
  readonly quantiles: readonly number[]
  readonly perSecond?: number
  readonly errors: number
  readonly extra?: Readonly<Record<string, number>>
}

export interface ScenarioRecord {
  readonly id: string
  readonly title: string
  readonly unit: string
  readonly variants: readonly VariantRecord[]
  readonly ratios: readonly Ratio[]
  readonly targets: readonly TargetCheck[]
  readonly notes: readonly string[]
  readonly seconds: number
}

export interface BenchReport {
  readonly profile: string
  readonly startedAt: string
  readonly seconds: number
  readonly machine: {
    readonly node: string
    readonly cpu: string
    readonly cores: number
    readonly memoryGb: number
    readonly loadStart: number
    readonly loadEnd: number
  }
  readonly command: string
  readonly scenarios: readonly ScenarioRecord[]
}

export function toRecord(result: ScenarioResult, seconds: number): ScenarioRecord {
  return {
    id: result.id,
    title: result.title,
    unit: result.unit,
    variants: result.variants.map((v) => {
      const sorted = [...v.samples].sort((a, b) => a - b)
      return {
        name: v.name,
        summary: summarize(sorted),
        histogram: histogram(sorted),
        quantiles: CHART_QUANTILES.map((q) => percentile(sorted, q)),
        ...(v.perSecond !== undefined ? { perSecond: v.perSecond } : undefined),
        errors: v.errors,
        ...(v.extra !== undefined ? { extra: v.extra } : undefined),
      }
    }),
    ratios: result.ratios,
    targets: result.targets,
    notes: result.notes,
    seconds,
  }
}

export function machine(loadStart: number, loadEnd: number): BenchReport['machine'] {
  return {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown CPU',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    loadStart,
    loadEnd,
  }
}

function targetLine(t: TargetCheck): string {
  const value = t.unit === 'ms' ? formatMs(t.measured) : `${formatNumber(t.measured)} ${t.unit}`
  const limit = t.unit === 'ms' ? formatMs(t.threshold) : `${formatNumber(t.threshold)} ${t.unit}`
  return `${t.met ? '**met**' : '**missed**'}: ${t.label}: ${value} (target ${t.comparison} ${limit})`
}

/** One scenario as Markdown: a table of variants, the ratios, the targets, the notes. */
export function scenarioMarkdown(s: ScenarioRecord): string {
  const hasRate = s.variants.some((v) => v.perSecond !== undefined)
  const lines = [
    `### ${s.title}`,
    '',
    `Latency of ${s.unit}; ${formatNumber(s.seconds)} s.`,
    '',
    `| Variant | n | p50 | p90 | p99 |${hasRate ? ' req/s |' : ''} errors |`,
    `|---|---|---|---|---|${hasRate ? '---|' : ''}---|`,
    ...s.variants.map(
      (v) =>
        `| ${v.name} | ${formatNumber(v.summary.count)} | ${formatMs(v.summary.p50)} | ${formatMs(v.summary.p90)} | ${formatMs(v.summary.p99)} |${hasRate ? ` ${v.perSecond !== undefined ? formatNumber(v.perSecond) : '—'} |` : ''} ${String(v.errors)} |`,
    ),
    '',
  ]
  for (const v of s.variants.filter((x) => x.errors > 0)) {
    const detail = Object.entries(v.extra ?? {})
      .map(([key, n]) => `${key} × ${formatNumber(n)}`)
      .join(', ')
    lines.push(`- Errors in “${v.name}”: ${detail}`)
  }
  if (s.ratios.length > 0) {
    lines.push(...s.ratios.map((r) => `- ${r.label}: ${formatRatio(r.value)}`), '')
  }
  if (s.targets.length > 0) lines.push(...s.targets.map((t) => `- ${targetLine(t)}`), '')
  if (s.notes.length > 0) lines.push(...s.notes.map((n) => `- ${n}`), '')
  return lines.join('\n')
}

export function reportMarkdown(report: BenchReport, chartPath?: string): string {
  const m = report.machine
  const targets = report.scenarios.flatMap((s) => s.targets)
  const lines = [
    `Run of ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC, profile \`${report.profile}\`, ${formatNumber(report.seconds)} s in total: \`${report.command}\`.`,
    `Machine: Node ${m.node}, ${m.cpu}, ${String(m.cores)} cores, ${String(m.memoryGb)} GB; load average ${m.loadStart.toFixed(2)} at the start, ${m.loadEnd.toFixed(2)} at the end.`,
    '',
    `Targets: ${String(targets.filter((t) => t.met).length)} of ${String(targets.length)} met.`,
    '',
    ...targets.map((t) => `- ${targetLine(t)}`),
    '',
  ]
  if (chartPath !== undefined) {
    lines.push(
      `![Latency distributions per variant: p1–p99 whiskers, p25–p75 box, p50 line](${chartPath})`,
      '',
    )
  }
  for (const s of report.scenarios) lines.push(scenarioMarkdown(s))
  return lines.join('\n')
}

function escapeXml(text: string): string {
  return text.replace(
    /[<>&"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c,
  )
}

const CHART_WIDTH = 900
const LABEL_WIDTH = 300
const ROW_HEIGHT = 22
const HEADER_HEIGHT = 34

/**
 * Box plots on a log scale, one panel per scenario: whiskers p1–p99, box p25–p75, a line at p50.
 * Written by hand (no charting dependency).
 */
export function latencySvg(report: BenchReport): string {
  const plotLeft = LABEL_WIDTH
  const plotRight = CHART_WIDTH - 20
  const parts: string[] = []
  let y = 10
  for (const s of report.scenarios) {
    const values = s.variants.flatMap((v) => v.quantiles).filter((x) => Number.isFinite(x) && x > 0)
    if (values.length === 0) continue
    const lo = Math.log10(Math.min(...values))
    const hi = Math.log10(Math.max(...values))
    const min = Math.floor(lo)
    const max = Math.max(min + 1, Math.ceil(hi))
    const x = (ms: number): number =>
      plotLeft + ((Math.log10(ms) - min) / (max - min)) * (plotRight - plotLeft)
    parts.push(`<text x="10" y="${String(y + 16)}" font-weight="bold">${escapeXml(s.title)}</text>`)
    const top = y + HEADER_HEIGHT - 10
    const bottom = top + s.variants.length * ROW_HEIGHT
    for (let decade = min; decade <= max; decade++) {
      const gx = x(10 ** decade).toFixed(1)
      parts.push(
        `<line x1="${gx}" y1="${String(top)}" x2="${gx}" y2="${String(bottom)}" stroke="#ddd"/>`,
        `<text x="${gx}" y="${String(bottom + 14)}" font-size="11" text-anchor="middle" fill="#555">${escapeXml(formatMs(10 ** decade))}</text>`,
      )
    }
    s.variants.forEach((v, i) => {
      const cy = top + i * ROW_HEIGHT + ROW_HEIGHT / 2
      const [p1, , p25, p50, p75, , p99] = v.quantiles.map((q) => (q > 0 ? q : 10 ** min))
      if (
        p1 === undefined ||
        p25 === undefined ||
        p50 === undefined ||
        p75 === undefined ||
        p99 === undefined
      )
        return
      parts.push(
        `<text x="10" y="${String(cy + 4)}" font-size="12">${escapeXml(v.name)}</text>`,
        `<line x1="${x(p1).toFixed(1)}" y1="${String(cy)}" x2="${x(p99).toFixed(1)}" y2="${String(cy)}" stroke="#333"/>`,
        `<rect x="${x(p25).toFixed(1)}" y="${String(cy - 7)}" width="${Math.max(1, x(p75) - x(p25)).toFixed(1)}" height="14" fill="#8ab4e8" stroke="#333"/>`,
        `<line x1="${x(p50).toFixed(1)}" y1="${String(cy - 8)}" x2="${x(p50).toFixed(1)}" y2="${String(cy + 8)}" stroke="#c00" stroke-width="2"/>`,
      )
    })
    y = bottom + 30
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${String(CHART_WIDTH)}" height="${String(y)}" font-family="sans-serif" font-size="13">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n')
}
