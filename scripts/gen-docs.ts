// Regenerates the documents derived from code: docs/configuration.md, docs/errors.md and the
// configuration table and the Layout table in README.md (between their markers).
import { readFileSync, writeFileSync } from 'node:fs'
import { renderConfigDoc, renderConfigTable } from '../src/config/docs.js'
import { renderErrorsDoc } from '../src/errors/docs.js'
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
console.log('docs/configuration.md, docs/errors.md and README.md are up to date')
