/**
 * Hook versions (issue 22): `GET /api/v2/hooks/{id}/versions`, `GET …/versions/{number}` and
 * `POST …/versions/{number}/deploy`, with whole-body assertions.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { createServer } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { DependencyResolver } from '../../src/dependencies/resolver.js'
import { DASHBOARD_OPERATOR_CLAIM } from '../../src/http/management/actor.js'
import { signAccessToken } from '../../src/tokens/access-token.js'
import { ADMIN_CLIENT_ID, buildTestApp, type TestApp } from '../helpers/build-test-app.js'
import {
  SCRIPTS,
  assertError,
  assertHookDoesNotExist,
  assertJson,
  createHook,
  type HookBody,
} from '../helpers/management.js'

const CE = SCRIPTS['credentials-exchange']
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

interface VersionBody {
  number: number
  hook_id: string
  created_at: string
  created_by: { type: string; id: string }
  hash: string
  dependencies: Record<string, string>
  secret_names: string[]
  deployed_from: number | null
  script?: string
}

/** The hash as documented: SHA-256 of `[script, [[name, range] …sorted by name]]` in JSON. */
function hashOf(script: string, dependencies: Record<string, string> = {}): string {
  const entries = Object.entries(dependencies).sort(([a], [b]) => (a < b ? -1 : 1))
  return `sha256:${createHash('sha256')
    .update(JSON.stringify([script, entries]))
    .digest('hex')}`
}

function scriptNumber(n: number): string {
  return `module.exports = function (client, scope, audience, context, cb) { cb(null, { scope: [${n}] }) }`
}

async function versions(app: TestApp, id: string, query = ''): Promise<VersionBody[]> {
  const res = await app.api('GET', `/api/v2/hooks/${id}/versions${query}`)
  assert.equal(res.statusCode, 200, res.body)
  return res.json<VersionBody[]>()
}

async function patch(app: TestApp, id: string, body: unknown): Promise<void> {
  const res = await app.api('PATCH', `/api/v2/hooks/${id}`, body)
  assert.equal(res.statusCode, 200, res.body)
}

/** Replaces `created_at` (checked for its format) so that whole bodies can be compared. */
function timeless(list: VersionBody[]): Omit<VersionBody, 'created_at'>[] {
  return list.map(({ created_at: createdAt, ...rest }) => {
    assert.match(createdAt, ISO)
    return rest
  })
}

describe('hook versions', () => {
  it('numbers every change of script or dependencies, newest first, with who, hash and secret names', async (t) => {
    const app = await buildTestApp(t)
    const hook = await createHook(app, { name: 'versioned' })
    await patch(app, hook.id, { enabled: false }) // not a code change: no version
    await patch(app, hook.id, { script: CE }) // the same script: no version
    const res = await app.api('POST', `/api/v2/hooks/${hook.id}/secrets`, { B: 'x', A: 'y' })
    assert.equal(res.statusCode, 201)
    await patch(app, hook.id, { script: scriptNumber(2) })
    await patch(app, hook.id, { dependencies: { lodash: '4.17.21' }, name: 'renamed' })

    const by = { type: 'client', id: ADMIN_CLIENT_ID }
    const expected = [
      {
        number: 3,
        hook_id: hook.id,
        created_by: by,
        hash: hashOf(scriptNumber(2), { lodash: '4.17.21' }),
        dependencies: { lodash: '4.17.21' },
        secret_names: ['A', 'B'],
        deployed_from: null,
      },
      {
        number: 2,
        hook_id: hook.id,
        created_by: by,
        hash: hashOf(scriptNumber(2)),
        dependencies: {},
        secret_names: ['A', 'B'],
        deployed_from: null,
      },
      {
        number: 1,
        hook_id: hook.id,
        created_by: by,
        hash: hashOf(CE),
        dependencies: {},
        secret_names: [],
        deployed_from: null,
      },
    ]
    const list = await versions(app, hook.id)
    assert.deepStrictEqual(timeless(list), expected)

    // Paged like the other Management API lists.
    const page = await app.api('GET', `/api/v2/hooks/${hook.id}/versions?per_page=1&page=1`)
    assertJson(page, 200, [list[1]])
    const totals = await app.api(
      'GET',
      `/api/v2/hooks/${hook.id}/versions?per_page=2&page=0&include_totals=true`,
    )
    assertJson(totals, 200, { start: 0, limit: 2, total: 3, versions: list.slice(0, 2) })

    // One version, with its script.
    const one = await app.api('GET', `/api/v2/hooks/${hook.id}/versions/2`)
    assertJson(one, 200, { ...list[1], script: scriptNumber(2) })

    // The hook object is unchanged: exactly Auth0's six fields.
    const got = await app.api('GET', `/api/v2/hooks/${hook.id}`)
    assert.deepStrictEqual(Object.keys(got.json<HookBody>()), [
      'id',
      'name',
      'script',
      'dependencies',
      'enabled',
      'triggerId',
    ])
  })

  it('answers 404 for an unknown hook or version and 400 for a malformed number', async (t) => {
    const app = await buildTestApp(t)
    const hook = await createHook(app, { name: 'lonely' })
    assertHookDoesNotExist(
      await app.api('GET', '/api/v2/hooks/01ARZ3NDEKTSV4RRFFQ69G5FAV/versions'),
    )
    assertHookDoesNotExist(
      await app.api('GET', '/api/v2/hooks/01ARZ3NDEKTSV4RRFFQ69G5FAV/versions/1'),
    )
    const missing = {
      statusCode: 404,
      error: 'Not Found',
      message: 'Hook version does not exist',
      errorCode: 'HookVersionDoesNotExist',
    }
    assertJson(await app.api('GET', `/api/v2/hooks/${hook.id}/versions/2`), 404, missing)
    assertJson(await app.api('POST', `/api/v2/hooks/${hook.id}/versions/9/deploy`), 404, missing)
    const bad = await app.api('GET', `/api/v2/hooks/${hook.id}/versions/abc`)
    assert.equal(bad.statusCode, 400, bad.body)
    assert.equal(bad.json<{ errorCode: string }>().errorCode, 'invalid_uri')
  })

  it('deploys an old version as a new one and answers like GET /hooks/{id}', async (t) => {
    const app = await buildTestApp(t)
    const hook = await createHook(app, { name: 'rollback' })
    await patch(app, hook.id, { script: scriptNumber(2) })
    await patch(app, hook.id, { script: scriptNumber(3) })

    const res = await app.api('POST', `/api/v2/hooks/${hook.id}/versions/1/deploy`)
    const current = await app.api('GET', `/api/v2/hooks/${hook.id}`)
    assert.equal(res.statusCode, 200, res.body)
    assert.equal(res.body, current.body) // the same bytes, key order included
    assert.equal(current.json<HookBody>().script, CE)

    const list = await versions(app, hook.id)
    assert.deepStrictEqual(
      list.map((v) => [v.number, v.hash, v.deployed_from]),
      [
        [4, hashOf(CE), 1],
        [3, hashOf(scriptNumber(3)), null],
        [2, hashOf(scriptNumber(2)), null],
        [1, hashOf(CE), null],
      ],
    )
    // Deploying the current code again still records the deploy (history is never rewritten).
    const again = await app.api('POST', `/api/v2/hooks/${hook.id}/versions/4/deploy`)
    assert.equal(again.statusCode, 200, again.body)
    assert.deepStrictEqual(
      (await versions(app, hook.id)).map((v) => v.number),
      [5, 4, 3, 2, 1],
    )
  })

  it('records the dashboard operator as the author of what the dashboard changes', async (t) => {
    const app = await buildTestApp(t)
    const hook = await createHook(app, { name: 'by-operator' })
    const token = await signAccessToken(app.signingKeys, {
      issuer: app.config.issuer,
      clientId: ADMIN_CLIENT_ID,
      audience: app.config.managementAudience,
      scopes: ['update:hooks'],
      lifetimeS: 600,
      extraClaims: { [DASHBOARD_OPERATOR_CLAIM]: 'operator@example.com' },
    })
    const res = await app.server.inject({
      method: 'POST',
      url: `/api/v2/hooks/${hook.id}/versions/1/deploy`,
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(res.statusCode, 200, res.body)
    const [newest] = await versions(app, hook.id)
    assert.deepStrictEqual(newest?.created_by, { type: 'operator', id: 'operator@example.com' })
  })

  it('requires read:hooks to read versions and update:hooks to deploy', async (t) => {
    const app = await buildTestApp(t)
    const hook = await createHook(app, { name: 'scoped' })
    const call = async (scopes: string[], method: 'GET' | 'POST', url: string) =>
      app.server.inject({
        method,
        url,
        headers: { authorization: `Bearer ${await app.token(scopes)}` },
      })
    const forbidden = (scope: string) => ({
      statusCode: 403,
      error: 'Forbidden',
      message: `Insufficient scope, expected any of: ${scope}`,
      errorCode: 'insufficient_scope',
    })
    const base = `/api/v2/hooks/${hook.id}/versions`
    assert.equal((await call(['read:hooks'], 'GET', base)).statusCode, 200)
    assert.equal((await call(['read:hooks'], 'GET', `${base}/1`)).statusCode, 200)
    assertJson(await call(['update:hooks'], 'GET', base), 403, forbidden('read:hooks'))
    assertJson(await call(['update:hooks'], 'GET', `${base}/1`), 403, forbidden('read:hooks'))
    assertJson(
      await call(['read:hooks'], 'POST', `${base}/1/deploy`),
      403,
      forbidden('update:hooks'),
    )
    assert.equal((await call(['update:hooks'], 'POST', `${base}/1/deploy`)).statusCode, 200)
  })

  it('gives 50 parallel saves consecutive numbers, without gaps or duplicates', async (t) => {
    const app = await buildTestApp(t, { onDisk: true })
    const hook = await createHook(app, { name: 'contended' })
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        app.api('PATCH', `/api/v2/hooks/${hook.id}`, { script: scriptNumber(i + 100) }),
      ),
    )
    for (const res of results) assert.equal(res.statusCode, 200, res.body)
    const list = await versions(app, hook.id)
    assert.deepStrictEqual(
      list.map((v) => v.number),
      Array.from({ length: 51 }, (_, i) => 51 - i),
    )
    const hashes = new Set(list.slice(0, 50).map((v) => v.hash))
    const expected = new Set(Array.from({ length: 50 }, (_, i) => hashOf(scriptNumber(i + 100))))
    assert.deepStrictEqual(hashes, expected)
    // The newest version is what the hook runs.
    const current = await app.api('GET', `/api/v2/hooks/${hook.id}`)
    assert.equal(hashOf(current.json<HookBody>().script), list[0]?.hash)
  })

  it('keeps the newest OPENHOOKS_HOOK_VERSIONS_KEPT versions; deleting the hook deletes them', async (t) => {
    const app = await buildTestApp(t, { env: { OPENHOOKS_HOOK_VERSIONS_KEPT: '3' } })
    const hook = await createHook(app, { name: 'pruned' })
    for (let n = 2; n <= 5; n++) await patch(app, hook.id, { script: scriptNumber(n) })
    const list = await versions(app, hook.id, '?include_totals=true')
    const body = list as unknown as { total: number; versions: VersionBody[] }
    assert.equal(body.total, 3)
    assert.deepStrictEqual(
      body.versions.map((v) => v.number),
      [5, 4, 3],
    )
    assert.equal((await app.api('GET', `/api/v2/hooks/${hook.id}/versions/2`)).statusCode, 404)

    assert.equal((await app.api('DELETE', `/api/v2/hooks/${hook.id}`)).statusCode, 204)
    assert.equal(await app.store.getHookVersion(hook.id, 5), undefined)
    assert.equal(await app.store.listHookVersions(hook.id), undefined)
  })

  it('refuses like a save a deploy whose dependencies cannot be resolved, and changes nothing', async (t) => {
    // A registry that went away: its port is closed.
    const port = await new Promise<number>((resolve) => {
      const server = createServer()
      server.listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as { port: number }
        server.close(() => resolve(p))
      })
    })
    const work = mkdtempSync(join(tmpdir(), 'openhooks-versions-deps-'))
    t.after(() => rmSync(work, { recursive: true, force: true }))
    const offline = new DependencyResolver({
      cacheDir: join(work, 'deps'),
      registry: `http://127.0.0.1:${port}/`,
      env: { ...process.env, npm_config_cache: join(work, 'npm-cache') },
      timeoutMs: 20_000,
    })
    const app = await buildTestApp(t, { dependencies: offline })
    const hook = await createHook(app, { name: 'unresolvable' })
    // Version 2 declares a dependency that resolved when it was saved; the registry is gone now.
    const written = await app.store.updateHook(hook.id, { dependencies: { pure: '1.0.0' } })
    assert.equal(written.ok, true)
    await patch(app, hook.id, { dependencies: {} })
    const before = await app.api('GET', `/api/v2/hooks/${hook.id}`)
    const beforeVersions = await versions(app, hook.id)

    const res = await app.api('POST', `/api/v2/hooks/${hook.id}/versions/2/deploy`)
    // The same answer as a save of these dependencies.
    const save = await app.api('PATCH', `/api/v2/hooks/${hook.id}`, {
      dependencies: { pure: '1.0.0' },
    })
    assert.equal(res.statusCode, 400, res.body)
    assertError(
      res,
      400,
      'Bad Request',
      save.json<{ message: string }>().message,
      save.json<{ errorCode: string }>().errorCode,
    )
    assert.equal((await app.api('GET', `/api/v2/hooks/${hook.id}`)).body, before.body)
    assert.deepStrictEqual(await versions(app, hook.id), beforeVersions)
  })
})
