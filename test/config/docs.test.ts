import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { renderConfigDoc, renderConfigTable } from '../../src/config/docs.js'
import { CONFIG_KEYS } from '../../src/config/schema.js'
import { renderErrorsDoc } from '../../src/errors/docs.js'
import { README_CONFIG_END, README_CONFIG_START } from '../../scripts/readme.js'

const root = new URL('../../', import.meta.url)
const read = (path: string) => readFileSync(new URL(path, root), 'utf8')

test('docs/configuration.md is generated from the schema (run `npm run docs` when this fails)', () => {
  assert.equal(read('docs/configuration.md'), renderConfigDoc())
})

test('the README configuration table is current (run `npm run docs` when this fails)', () => {
  const readme = read('README.md')
  const inner = readme.slice(
    readme.indexOf(README_CONFIG_START) + README_CONFIG_START.length,
    readme.indexOf(README_CONFIG_END),
  )
  assert.equal(inner.trim(), renderConfigTable())
  for (const key of CONFIG_KEYS) assert.ok(inner.includes(`\`${key.env}\``), key.env)
})

test('docs/errors.md is generated from the catalogue (run `npm run docs` when this fails)', () => {
  assert.equal(read('docs/errors.md'), renderErrorsDoc())
})
