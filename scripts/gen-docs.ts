// Regenerates the documents derived from code: docs/configuration.md, docs/errors.md and the
// configuration table and the Layout table in README.md, and the metric table of
// docs/observability.md (between their markers).
import { readFileSync, writeFileSync } from 'node:fs'
import { renderConfigDoc, renderConfigTable } from '../src/config/docs.js'
import { renderErrorsDoc } from '../src/errors/docs.js'
import {
  METRICS_DOC_END,
  METRICS_DOC_START,
  renderMetricsTable,
} from '../src/observability/docs.js'
import { README_LAYOUT_END, README_LAYOUT_START, renderLayoutTable } from './layout.js'
import { README_CONFIG_END, README_CONFIG_START, replaceBetween } from './readme.js'

const root = new URL('../', import.meta.url)
writeFileSync(new URL('docs/configuration.md', root), renderConfigDoc())
writeFileSync(new URL('docs/errors.md', root), renderErrorsDoc())
const readmeUrl = new URL('README.md', root)
const readme = readFileSync(readmeUrl, 'utf8')
const withConfig = replaceBetween(
  readme,
  README_CONFIG_START,
  README_CONFIG_END,
  renderConfigTable(),
)
writeFileSync(
  readmeUrl,
  replaceBetween(withConfig, README_LAYOUT_START, README_LAYOUT_END, renderLayoutTable()),
)
const observabilityUrl = new URL('docs/observability.md', root)
writeFileSync(
  observabilityUrl,
  replaceBetween(
    readFileSync(observabilityUrl, 'utf8'),
    METRICS_DOC_START,
    METRICS_DOC_END,
    renderMetricsTable(),
  ),
)
console.log(
  'docs/configuration.md, docs/errors.md, docs/observability.md and README.md are up to date',
)
