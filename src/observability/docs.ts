import { METRIC_DEFINITIONS, type MetricDefinition } from './metrics.js'

/** The markers around the generated metric table in docs/observability.md. */
export const METRICS_DOC_START = '<!-- metrics:start -->'
export const METRICS_DOC_END = '<!-- metrics:end -->'

function cell(text: string): string {
  return text.replaceAll('|', '\\|')
}

/** The metric table of docs/observability.md, from METRIC_DEFINITIONS (`npm run docs`). */
export function renderMetricsTable(): string {
  const rows = (METRIC_DEFINITIONS as readonly MetricDefinition[]).map((metric) => {
    const labels = metric.labels.length > 0 ? metric.labels.map((l) => `\`${l}\``).join(', ') : ''
    const type =
      metric.buckets !== undefined
        ? `histogram (buckets ${metric.buckets.join(', ')})`
        : metric.kind
    return `| \`${metric.name}\` | ${type} | ${labels} | ${cell(metric.help)} |`
  })
  return [
    '| Metric | Type | Labels | Meaning |',
    '|---|---|---|---|',
    ...rows,
    '| `openhooks_process_*`, `openhooks_nodejs_*` | (prom-client defaults) | | CPU, memory, file descriptors, event loop lag, garbage collection, heap spaces of the server process |',
  ].join('\n')
}
