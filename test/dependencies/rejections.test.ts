/**
 * Dependencies that cannot run in the sandbox are refused when the hook is saved, with a 400 that
 * names the module and the reason, and nothing is stored (issue 9). Packages come from a fake
 * registry on loopback, so every case is deterministic and offline.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { MAX_BUNDLE_BYTES } from '../../src/dependencies/bundle.js'
import { DependencyResolver } from '../../src/dependencies/resolver.js'
import { buildTestApp, startAppRunner, type TestApp } from '../helpers/build-test-app.js'
import { startFakeRegistry, type FakeRegistry } from './fake-registry.js'

const DESCRIPTION = '(Dependencies of this hook used by webtask server.)'

function invalidBody(message: string) {
  return { statusCode: 400, error: 'Bad Request', message, errorCode: 'invalid_body' }
}

function onProperty(name: string, reason: string): string {
  return `Payload validation error: '${reason}' on property dependencies.${name} ${DESCRIPTION}.`
}

// A function returning the string, so that the minifier cannot fold it away.
const HUGE = `module.exports = function () { return ${JSON.stringify('x'.repeat(MAX_BUNDLE_BYTES))} }`

const PACKAGES = [
  { name: 'pure', version: '1.0.0', files: { 'index.js': 'exports.v = "1.0.0"' } },
  {
    name: 'pure',
    version: '1.1.0',
    files: { 'index.js': 'exports.v = "1.1.0"; exports.helper = require("pure-helper")' },
    dependencies: { 'pure-helper': '^2.0.0' },
  },
  {
    name: 'pure-helper',
    version: '2.0.3',
    files: { 'index.js': 'module.exports = function (x) { return x * 2 }' },
  },
  {
    name: 'native-gyp',
    version: '1.0.0',
    files: { 'index.js': 'module.exports = 1', 'binding.gyp': '{"targets":[]}' },
  },
  {
    name: 'native-prebuilt',
    version: '2.0.0',
    files: {
      'index.js': 'module.exports = require("./build/Release/addon.node")',
      'build/Release/addon.node': Buffer.from([0x7f, 0x45, 0x4c, 0x46]),
    },
  },
  {
    name: 'wraps-native',
    version: '1.0.0',
    files: { 'index.js': 'module.exports = require("gyp-inside")' },
    dependencies: { 'gyp-inside': '1.0.0' },
  },
  {
    name: 'gyp-inside',
    version: '1.0.0',
    files: { 'index.js': 'module.exports = 1' },
    manifest: { gypfile: true },
  },
  {
    name: 'uses-fs',
    version: '1.0.0',
    files: { 'index.js': 'module.exports = require("fs").readFileSync' },
  },
  {
    name: 'spawns-at-load',
    version: '1.0.0',
    files: { 'index.js': 'module.exports = require("child_process").execSync("id")' },
  },
  {
    name: 'guarded-hostile',
    version: '1.0.0',
    files: {
      'index.js': `var out = {};
try { out.exec = require("child_process").execSync("id").toString() } catch (e) { out.exec = e.message }
try { out.env = process.env.HOME } catch (e) { out.env = e.name + ": " + e.message }
try { out.global = typeof globalThis.process } catch (e) { out.global = e.message }
module.exports = out;`,
    },
  },
  { name: 'huge', version: '1.0.0', files: { 'index.js': HUGE } },
]

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('dependencies from a registry on loopback', () => {
  let registry: FakeRegistry
  const work = mkdtempSync(join(tmpdir(), 'openhooks-deps-fake-'))
  // npm's own cache is private to this suite: fake tarballs must not reach the user's cache.
  const env = { ...process.env, npm_config_cache: join(work, 'npm-cache') }
  let resolver: DependencyResolver

  before(async () => {
    registry = await startFakeRegistry(PACKAGES)
    resolver = new DependencyResolver({
      cacheDir: join(work, 'deps'),
      registry: registry.url,
      env,
    })
  })
  after(async () => {
    await registry.close()
    rmSync(work, { recursive: true, force: true })
  })

  async function app(t: Parameters<typeof buildTestApp>[0]): Promise<TestApp> {
    return buildTestApp(t, { runner: await startAppRunner(t), dependencies: resolver })
  }

  async function expectRejected(
    t: Parameters<typeof buildTestApp>[0],
    dependencies: Record<string, string>,
    message: string,
  ): Promise<void> {
    const server = await app(t)
    const created = await server.api('POST', '/api/v2/hooks', {
      name: 'with-deps',
      script: 'module.exports = function (c, s, a, ctx, cb) { cb(null, {}) }',
      triggerId: 'credentials-exchange',
      dependencies,
    })
    assert.equal(created.statusCode, 400)
    assert.deepStrictEqual(created.json(), invalidBody(message))
    assert.deepStrictEqual((await server.api('GET', '/api/v2/hooks')).json(), [])

    // An update is refused the same way and leaves the stored hook as it was.
    const hook = await server.api('POST', '/api/v2/hooks', {
      name: 'plain',
      script: 'module.exports = function (c, s, a, ctx, cb) { cb(null, {}) }',
      triggerId: 'credentials-exchange',
    })
    assert.equal(hook.statusCode, 201)
    const id = hook.json<{ id: string }>().id
    const patched = await server.api('PATCH', `/api/v2/hooks/${id}`, { dependencies })
    assert.deepStrictEqual(patched.json(), invalidBody(message))
    const stored = (await server.api('GET', `/api/v2/hooks/${id}`)).json<Record<string, unknown>>()
    assert.deepStrictEqual(stored, { ...hook.json<Record<string, unknown>>(), ...stored })
    assert.deepStrictEqual(stored.dependencies, {})
  }

  test('a native addon (binding.gyp) is refused', async (t) => {
    await expectRejected(
      t,
      { 'native-gyp': '1.0.0' },
      onProperty(
        'native-gyp',
        'native-gyp@1.0.0: it contains a native addon (binding.gyp), which cannot run in the sandbox',
      ),
    )
  })

  test('a prebuilt .node file is refused', async (t) => {
    await expectRejected(
      t,
      { 'native-prebuilt': '2.0.0' },
      onProperty(
        'native-prebuilt',
        'native-prebuilt@2.0.0: it contains a native addon (addon.node), which cannot run in the sandbox',
      ),
    )
  })

  test('a native addon in a dependency of the dependency is refused, naming both', async (t) => {
    await expectRejected(
      t,
      { 'wraps-native': '1.0.0' },
      onProperty(
        'wraps-native',
        'wraps-native@1.0.0: its dependency gyp-inside contains a native addon ("gypfile": true in package.json), which cannot run in the sandbox',
      ),
    )
  })

  test('a built-in the runtime does not provide is refused', async (t) => {
    await expectRejected(
      t,
      { 'uses-fs': '1.0.0' },
      onProperty(
        'uses-fs',
        "uses-fs@1.0.0: requires the Node.js module 'fs' (from uses-fs/index.js), which the sandbox does not provide (it provides assert, buffer, crypto, events, http, https, querystring, url, util)",
      ),
    )
  })

  test('a dependency that spawns a process when it loads is refused', async (t) => {
    await expectRejected(
      t,
      { 'spawns-at-load': '1.0.0' },
      onProperty(
        'spawns-at-load',
        "spawns-at-load@1.0.0: requires the Node.js module 'child_process' (from spawns-at-load/index.js), which the sandbox does not provide (it provides assert, buffer, crypto, events, http, https, querystring, url, util)",
      ),
    )
  })

  test('a version that does not exist, and a package that does not exist', async (t) => {
    await expectRejected(
      t,
      { pure: '3.0.0' },
      onProperty('pure', 'pure@3.0.0: no such version on the npm registry'),
    )
    await expectRejected(
      t,
      { pure: '^3.0.0' },
      onProperty('pure', 'pure@^3.0.0: no such version on the npm registry'),
    )
    await expectRejected(
      t,
      { 'no-such-package': '1.0.0' },
      onProperty('no-such-package', 'no-such-package: no such package on the npm registry'),
    )
  })

  test('a bundle over the size limit is refused', async (t) => {
    const server = await app(t)
    const res = await server.api('POST', '/api/v2/hooks', {
      name: 'huge',
      script: 'module.exports = function (c, s, a, ctx, cb) { cb(null, {}) }',
      triggerId: 'credentials-exchange',
      dependencies: { huge: '1.0.0' },
    })
    const body = res.json<{ message: string }>()
    // The bundle's exact size depends on esbuild's wrapper; the rest of the message is fixed.
    const bytes = Number(/the bundle is (\d+) bytes/.exec(body.message)?.[1])
    assert.ok(bytes > MAX_BUNDLE_BYTES)
    assert.deepStrictEqual(
      body,
      invalidBody(
        onProperty(
          'huge',
          `huge@1.0.0: the bundle is ${bytes} bytes, over the limit of ${MAX_BUNDLE_BYTES} bytes`,
        ),
      ),
    )
    assert.deepStrictEqual((await server.api('GET', '/api/v2/hooks')).json(), [])
  })

  test('request and built-in names are answered by the runtime: nothing is installed', async (t) => {
    const server = await app(t)
    const before = resolver.stats()
    const requests = registry.requests.length
    const res = await server.api('POST', '/api/v2/hooks', {
      name: 'provided',
      script: 'module.exports = function (c, s, a, ctx, cb) { cb(null, {}) }',
      triggerId: 'credentials-exchange',
      dependencies: { request: '2.88.0', crypto: '1.0.1' },
    })
    assert.equal(res.statusCode, 201, res.body)
    assert.deepStrictEqual(res.json<{ dependencies: unknown }>().dependencies, {
      request: '2.88.0',
      crypto: '1.0.1',
    })
    assert.deepStrictEqual(resolver.stats(), before)
    assert.equal(registry.requests.length, requests)
  })

  test('more than 10 dependencies, URLs and bad names are refused by the schema', async (t) => {
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`pkg-${i}`, '1.0.0']))
    await expectRejected(
      t,
      eleven,
      `Payload validation error: 'Too many properties defined (11), maximum 10' on property dependencies ${DESCRIPTION}.`,
    )
    await expectRejected(
      t,
      { pure: 'file:../../etc' },
      `Payload validation error: 'String does not match pattern ^[0-9A-Za-z~^<>=*|.+ -]+$: file:../../etc' on property dependencies.pure ${DESCRIPTION}.`,
    )
    await expectRejected(
      t,
      { '--registry': '1.0.0' },
      `Payload validation error: 'Property name does not match pattern ^(?:@[a-z0-9~][a-z0-9._~-]*/)?[a-z0-9~][a-z0-9._~-]*$: --registry' on property dependencies ${DESCRIPTION}.`,
    )
  })

  test('an unreachable registry gives a clear error quickly, not a hang', async (t) => {
    const port = await closedPort()
    const offline = new DependencyResolver({
      cacheDir: join(work, 'deps-offline'),
      registry: `http://127.0.0.1:${port}/`,
      env,
      timeoutMs: 20_000,
    })
    const server = await buildTestApp(t, { dependencies: offline })
    const started = Date.now()
    const res = await server.api('POST', '/api/v2/hooks', {
      name: 'offline',
      script: 'module.exports = function (c, s, a, ctx, cb) { cb(null, {}) }',
      triggerId: 'credentials-exchange',
      dependencies: { pure: '1.0.0' },
    })
    const elapsedMs = Date.now() - started
    assert.deepStrictEqual(
      res.json(),
      invalidBody(
        onProperty('pure', 'pure@1.0.0: the npm registry could not be reached (ECONNREFUSED)'),
      ),
    )
    assert.ok(elapsedMs < 15_000, `took ${elapsedMs} ms`)
    t.diagnostic(`unreachable registry answered in ${elapsedMs} ms`)
  })

  test('a registry that accepts connections but never answers hits the deadline', async (t) => {
    // Holds every connection open without a byte; its sockets are never read, so they are
    // destroyed by hand (a paused socket does not notice that npm went away).
    const sockets = new Set<Socket>()
    const silent = createServer((socket) => {
      sockets.add(socket)
    })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    t.after(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy()
          silent.close(() => resolve())
        }),
    )
    const { port } = silent.address() as { port: number }
    const stuck = new DependencyResolver({
      cacheDir: join(work, 'deps-stuck'),
      registry: `http://127.0.0.1:${port}/`,
      env,
      timeoutMs: 3_000,
    })
    const started = Date.now()
    await assert.rejects(stuck.prepare({ pure: '1.0.0' }), {
      name: 'DependencyError',
      problem: 'timeout',
      message: 'pure@1.0.0: the npm registry did not answer within 3000 ms',
    })
    const elapsedMs = Date.now() - started
    assert.ok(elapsedMs >= 3_000 && elapsedMs < 8_000, `took ${elapsedMs} ms`)
  })

  test('hostile code guarded by try/catch is bundled, and finds neither child_process nor process', async (t) => {
    const server = await app(t)
    const created = await server.api('POST', '/api/v2/hooks', {
      name: 'hostile',
      script: `module.exports = function (c, s, a, ctx, cb) { cb(null, require('guarded-hostile')) }`,
      triggerId: 'credentials-exchange',
      dependencies: { 'guarded-hostile': '1.0.0' },
    })
    assert.equal(created.statusCode, 201)
    const run = await server.api(
      'POST',
      `/api/v2/hooks/${created.json<{ id: string }>().id}/test`,
      { payload: { audience: 'https://api/', client: { id: 'c' }, scope: [] } },
    )
    const body = run.json<{ status: string; data: unknown }>()
    assert.equal(body.status, 'success', JSON.stringify(body))
    assert.deepStrictEqual(body.data, {
      exec: "Cannot find module 'child_process'\n'child_process' is a Node.js built-in that hooks cannot use; the sandbox provides assert, buffer, crypto, events, http, https, querystring, url, util (docs/egress.md)",
      env: 'ReferenceError: process is not defined',
      global: 'undefined',
    })
  })

  test('ranges resolve to the highest match with its own dependencies; a second save asks no registry', async (t) => {
    const server = await app(t)
    const script = `module.exports = function (c, s, a, ctx, cb) {
      var pure = require('pure')
      cb(null, { v: pure.v, doubled: pure.helper(21), pinned: require('pure@1.1.0') === pure })
    }`
    const first = await server.api('POST', '/api/v2/hooks', {
      name: 'ranged',
      script,
      triggerId: 'credentials-exchange',
      dependencies: { pure: '^1.0.0' },
    })
    assert.equal(first.statusCode, 201, first.body)
    const hook = first.json<{ id: string; dependencies: unknown }>()
    // The hook keeps what was declared; the resolved version is the cache's business.
    assert.deepStrictEqual(hook.dependencies, { pure: '^1.0.0' })
    const run = await server.api('POST', `/api/v2/hooks/${hook.id}/test`, {
      payload: { audience: 'https://api/', client: { id: 'c' }, scope: [] },
    })
    assert.deepStrictEqual(run.json<{ data: unknown }>().data, {
      v: '1.1.0',
      doubled: 42,
      pinned: true,
    })

    // Exact versions already in the cache: the registry sees no request at all.
    const seen = registry.requests.length
    const second = await server.api('POST', '/api/v2/hooks', {
      name: 'pinned',
      script,
      triggerId: 'credentials-exchange',
      dependencies: { pure: '1.1.0' },
    })
    assert.equal(second.statusCode, 201)
    assert.equal(registry.requests.length, seen)

    // After a restart (a new resolver on the same cache), a run reads the disk, not the registry.
    const restarted = new DependencyResolver({
      cacheDir: join(work, 'deps'),
      registry: registry.url,
      env,
    })
    const modules = await restarted.load({ pure: '^1.0.0' })
    assert.deepStrictEqual(
      modules.map((m) => [m.name, m.version]),
      [['pure', '1.1.0']],
    )
    assert.deepStrictEqual(restarted.stats(), {
      lookups: 0,
      installs: 0,
      diskHits: 1,
      sharedHits: 0,
    })
    assert.equal(registry.requests.length, seen)
  })
})
