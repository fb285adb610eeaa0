// Regenerates the documents derived from code: docs/configuration.md, docs/errors.md and the
// configuration table in README.md (between its config markers).
import { readFileSync, writeFileSync } from 'node:fs'
import { renderConfigDoc, renderConfigTable } from '../src/config/docs.js'
import { renderErrorsDoc } from '../src/errors/docs.js'
import { README_CONFIG_END, README_CONFIG_START, replaceBetween } from './readme.js'

const root = new URL('../', import.meta.url)
writeFileSync(new URL('docs/configuration.md', root), renderConfigDoc())
writeFileSync(new URL('docs/errors.md', root), renderErrorsDoc())
const readmeUrl = new URL('README.md', root)
const readme = readFileSync(readmeUrl, 'utf8')
writeFileSync(
  readmeUrl,
  replaceBetween(readme, README_CONFIG_START, README_CONFIG_END, renderConfigTable()),
)
console.log('docs/configuration.md, docs/errors.md and README.md are up to date')
