/**
 * Real packages from the npm registry the machine is configured with (CI has access): lodash,
 * uuid and axios, installed once into one cache folder shared by the tests of this file.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { DependencyResolver } from '../../src/dependencies/resolver.js'
import { buildTestApp, startAppRunner, type TestApp } from '../helpers/build-test-app.js'

const PAYLOAD = { audience: 'https://api.example/', client: { id: 'client-1' }, scope: [] }

/** RFC 4122 §4.3 name-based UUID (SHA-1), computed on the host to check the hook's answer. */
function uuidV5(name: string, namespace: string): string {
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name)
    .digest()
    .subarray(0, 16)
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

const DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8'

const SCRIPT = `module.exports = function (client, scope, audience, context, cb) {
  var _ = require('lodash')
  var uuid = require('uuid')
  var missing = []
  for (const name of ['lodash@4.17.20', 'left-pad']) {
    try { require(name) } catch (e) { missing.push(e.message) }
  }
  cb(null, {
    chunks: _.chunk([1, 2, 3, 4, 5], 2),
    pinned: require('lodash@4.17.21') === _,
    version: _.VERSION,
    v5: uuid.v5('openhooks.test', uuid.v5.DNS),
    valid: uuid.validate('not-a-uuid'),
    missing: missing,
  })
}`

describe('dependencies from the npm registry', () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'openhooks-deps-npm-'))
  after(() => rmSync(cacheDir, { recursive: true, force: true }))
  const resolver = new DependencyResolver({ cacheDir, env: process.env })

  async function create(app: TestApp, name: string, dependencies: Record<string, string>) {
    const started = performance.now()
    const res = await app.api('POST', '/api/v2/hooks', {
      name,
      script: SCRIPT,
      triggerId: 'credentials-exchange',
      dependencies,
    })
    return { res, ms: Math.round(performance.now() - started) }
  }

  test('lodash and uuid: declared, required bare and pinned; the second save reuses the cache', async (t) => {
    const app = await buildTestApp(t, { runner: await startAppRunner(t), dependencies: resolver })
    const fresh = await create(app, 'first', { lodash: '4.17.21', uuid: '^9.0.0' })
    assert.equal(fresh.res.statusCode, 201, fresh.res.body)
    const hook = fresh.res.json<{ id: string; dependencies: unknown }>()
    assert.deepStrictEqual(hook.dependencies, { lodash: '4.17.21', uuid: '^9.0.0' })
    const afterFirst = resolver.stats()
    assert.deepStrictEqual(afterFirst, { lookups: 1, installs: 2, diskHits: 0, sharedHits: 0 })

    const run = await app.api('POST', `/api/v2/hooks/${hook.id}/test`, { payload: PAYLOAD })
    assert.deepStrictEqual(run.json<{ status: string; data: unknown }>().data, {
      chunks: [[1, 2], [3, 4], [5]],
      pinned: true,
      version: '4.17.21',
      v5: uuidV5('openhooks.test', DNS_NAMESPACE),
      valid: false,
      missing: [
        "Cannot find module 'lodash@4.17.20'\nDeclare 'lodash@4.17.20' in the hook's dependencies",
        "Cannot find module 'left-pad'\nDeclare 'left-pad' in the hook's dependencies",
      ],
    })

    // The same dependencies again: no npm process at all (the exact version is in the cache, the
    // range was resolved less than RANGE_REUSE_MS ago).
    const cached = await create(app, 'second', { lodash: '4.17.21', uuid: '^9.0.0' })
    assert.equal(cached.res.statusCode, 201)
    assert.deepStrictEqual(resolver.stats(), afterFirst)
    t.diagnostic(
      `save with two fresh dependencies: ${fresh.ms} ms; with the same two cached: ${cached.ms} ms`,
    )
    // One folder per package version, plus the resolved ranges.
    assert.equal(readdirSync(cacheDir).filter((f) => /^[0-9a-f]{64}$/.test(f)).length, 2)
  })

  test('a version that does not exist is refused with the module named', async (t) => {
    const app = await buildTestApp(t, { dependencies: resolver })
    const { res } = await create(app, 'missing', { lodash: '99.0.0' })
    assert.deepStrictEqual(res.json(), {
      statusCode: 400,
      error: 'Bad Request',
      message:
        "Payload validation error: 'lodash@99.0.0: no such version on the npm registry' on property dependencies.lodash (Dependencies of this hook used by webtask server.).",
      errorCode: 'invalid_body',
    })
    assert.deepStrictEqual((await app.api('GET', '/api/v2/hooks')).json(), [])
  })

  test('axios is bundled in its browser build: no Node http inside, it loads in the isolate', async (t) => {
    const [axios] = await resolver.prepare({ axios: '1.7.2' })
    assert.ok(axios !== undefined)
    assert.doesNotMatch(axios.source, /require\("(?:node:)?https?"\)/)
    const app = await buildTestApp(t, { runner: await startAppRunner(t), dependencies: resolver })
    const res = await app.api('POST', '/api/v2/hooks', {
      name: 'uses-axios',
      script: `module.exports = function (c, s, a, ctx, cb) {
        var axios = require('axios')
        cb(null, { get: typeof axios.get, create: typeof axios.create })
      }`,
      triggerId: 'credentials-exchange',
      dependencies: { axios: '1.7.2' },
    })
    assert.equal(res.statusCode, 201, res.body)
    const run = await app.api('POST', `/api/v2/hooks/${res.json<{ id: string }>().id}/test`, {
      payload: PAYLOAD,
    })
    assert.deepStrictEqual(run.json<{ data: unknown }>().data, {
      get: 'function',
      create: 'function',
    })
  })

  test('axios requests go through fetch and the egress policy; uuid.v4 uses crypto.getRandomValues', async (t) => {
    // The "customer API" the hook calls, on loopback and allowed by the runner's allow list.
    const seen: string[] = []
    const server = createServer((req, res) => {
      seen.push(`${req.method ?? ''} ${req.url ?? ''} ${String(req.headers['x-from'] ?? '')}`)
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ plan: 'gold' }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const { port } = server.address() as AddressInfo
    const runner = await startAppRunner(t, undefined, {
      mode: 'allowlist',
      allow: [`127.0.0.1:${port}`],
    })
    const app = await buildTestApp(t, { runner, dependencies: resolver })
    const res = await app.api('POST', '/api/v2/hooks', {
      name: 'axios-and-uuid',
      script: `module.exports = async function (c, s, a, ctx) {
        const axios = require('axios')
        const uuid = require('uuid')
        const answer = await axios.get('http://127.0.0.1:${port}/plans/' + c.id, {
          headers: { 'x-from': 'hook' },
        })
        let refused
        try {
          await axios.get('http://127.0.0.1:${port + 1 === 65536 ? port - 1 : port + 1}/')
        } catch (e) {
          refused = e.message
        }
        const ids = [uuid.v4(), uuid.v4()]
        return {
          status: answer.status,
          plan: answer.data.plan,
          v4: ids.every((id) => uuid.validate(id) && uuid.version(id) === 4),
          distinct: ids[0] !== ids[1],
          refused: typeof refused,
        }
      }`,
      triggerId: 'credentials-exchange',
      dependencies: { axios: '1.7.2', uuid: '^9.0.0' },
    })
    assert.equal(res.statusCode, 201, res.body)
    const run = await app.api('POST', `/api/v2/hooks/${res.json<{ id: string }>().id}/test`, {
      payload: PAYLOAD,
    })
    const body = run.json<{ data: unknown; logs: { message: string }[] }>()
    assert.deepStrictEqual(body.data, {
      status: 200,
      plan: 'gold',
      v4: true,
      distinct: true,
      refused: 'string',
    })
    assert.deepStrictEqual(seen, ['GET /plans/client-1 hook'])
    // The runtime records each request (never its headers or query) in the call's logs.
    assert.ok(
      body.logs.some((l) => l.message.includes(`127.0.0.1:${port} /plans/client-1`)),
      JSON.stringify(body.logs),
    )
  })
})
