// docs/observability.md's metric table is the one `npm run docs` generates from the code.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import {
  METRICS_DOC_END,
  METRICS_DOC_START,
  renderMetricsTable,
} from '../../src/observability/docs.js'
import { METRIC_DEFINITIONS } from '../../src/observability/metrics.js'

test('docs/observability.md lists every metric as the code defines it (npm run docs)', () => {
  const doc = readFileSync(new URL('../../docs/observability.md', import.meta.url), 'utf8')
  const start = doc.indexOf(METRICS_DOC_START) + METRICS_DOC_START.length
  const end = doc.indexOf(METRICS_DOC_END)
  assert.ok(start > METRICS_DOC_START.length && end > start, 'the markers are in the document')
  assert.equal(doc.slice(start, end).trim(), renderMetricsTable())
  for (const metric of METRIC_DEFINITIONS) assert.ok(doc.includes(`\`${metric.name}\``))
})

test('metric names follow Prometheus conventions: counters end in _total, units in names', () => {
  for (const metric of METRIC_DEFINITIONS) {
    assert.match(metric.name, /^openhooks_[a-z_]+$/)
    if (metric.kind === 'counter') assert.match(metric.name, /_total$/)
    if (metric.kind === 'histogram') assert.match(metric.name, /_seconds$/)
    assert.ok(
      !metric.labels.some((l: string) => /user|client|hook_id|ip|name/.test(l)),
      metric.name,
    )
  }
})
