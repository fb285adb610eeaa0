/**
 * `openhooks import` sends the hooks through the Management API, so a dependency that cannot run
 * stops the import with the API's message and the hook is not stored (issue 9).
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { DependencyResolver } from '../../src/dependencies/resolver.js'
import { listeningApp, run, tempDir, writeTree } from '../cli/cli-helpers.js'
import { startFakeRegistry, type FakeRegistry } from './fake-registry.js'

const SCRIPT = `module.exports = function (client, scope, audience, context, cb) {
  cb(null, { scope: scope, accessToken: {} })
}
`

describe('openhooks import with dependencies', () => {
  let registry: FakeRegistry
  before(async () => {
    registry = await startFakeRegistry([
      { name: 'pure', version: '1.0.0', files: { 'index.js': 'exports.ok = true' } },
      {
        name: 'native-gyp',
        version: '1.0.0',
        files: { 'index.js': 'module.exports = 1', 'binding.gyp': '{}' },
      },
    ])
  })
  after(() => registry.close())

  test('a native addon stops the import with the API message; that hook is not stored', async (t) => {
    const work = tempDir(t)
    const resolver = new DependencyResolver({
      cacheDir: join(work, 'deps'),
      registry: registry.url,
      env: { ...process.env, npm_config_cache: join(work, 'npm-cache') },
    })
    const app = await listeningApp(t, { dependencies: resolver })
    const dir = join(work, 'tenant')
    writeTree(dir, {
      'hooks/bad.json': JSON.stringify({
        name: 'bad',
        script: './bad.js',
        triggerId: 'credentials-exchange',
        enabled: false,
        dependencies: { 'native-gyp': '1.0.0' },
      }),
      'hooks/bad.js': SCRIPT,
    })
    const result = await run('import', ['--format', 'directory', '--in', dir, ...app.connection])
    assert.equal(result.code, 1, result.stdout)
    assert.ok(
      result.stderr.includes(
        "Payload validation error: 'native-gyp@1.0.0: it contains a native addon (binding.gyp), which cannot run in the sandbox' on property dependencies.native-gyp (Dependencies of this hook used by webtask server.).",
      ),
      result.stderr,
    )
    assert.deepStrictEqual((await app.api('GET', '/api/v2/hooks')).json(), [])
  })
})
