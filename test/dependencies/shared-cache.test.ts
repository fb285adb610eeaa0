/**
 * Bundles and resolved ranges made at a save are stored in the database (issue 20): a resolver
 * with another disk cache and no reachable registry (another node that never saw the save) loads
 * them from there. Runs on SQLite; the same on PostgreSQL is test/cluster/hooks-and-logs.test.ts.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { DependencyResolver } from '../../src/dependencies/resolver.js'
import { openSqliteStore } from '../../src/storage/sql/sqlite.js'
import { startFakeRegistry } from './fake-registry.js'

/** A registry address where nothing listens (the discard port). */
const NO_REGISTRY = 'http://127.0.0.1:9/'

test('a resolver that never saw the save loads bundles and ranges from the database', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'openhooks-deps-shared-'))
  t.after(() => rmSync(work, { recursive: true, force: true }))
  // npm's own cache is private to this test: fake tarballs must not reach the user's cache.
  const env = { ...process.env, npm_config_cache: join(work, 'npm-cache') }
  const registry = await startFakeRegistry([
    { name: 'shared-dep', version: '1.0.0', files: { 'index.js': 'exports.v = "1.0.0"' } },
    { name: 'shared-dep', version: '1.3.0', files: { 'index.js': 'exports.v = "1.3.0"' } },
  ])
  t.after(() => registry.close())
  const store = await openSqliteStore({ filename: join(work, 'openhooks.db') })
  t.after(() => store.close())

  const saving = new DependencyResolver({
    cacheDir: join(work, 'deps-a'),
    registry: registry.url,
    env,
    shared: store,
  })
  const [saved] = await saving.prepare({ 'shared-dep': '^1.0.0' })
  assert.equal(saved?.version, '1.3.0')

  const other = new DependencyResolver({
    cacheDir: join(work, 'deps-b'),
    registry: NO_REGISTRY,
    env,
    shared: store,
    timeoutMs: 20_000,
  })
  const asked = registry.requests.length
  const [loaded] = await other.load({ 'shared-dep': '^1.0.0' })
  assert.deepStrictEqual(loaded, saved)
  assert.deepStrictEqual(other.stats(), { lookups: 0, installs: 0, diskHits: 0, sharedHits: 1 })
  assert.equal(registry.requests.length, asked)
})
