/**
 * GET /api/v2/hooks/{id} and GET /api/v2/hooks: one hook, fields, paging and filters (compat
 * §2.3–2.4, Q8, Q9, Q25).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildTestApp, type TestApp } from '../helpers/build-test-app.js'
import {
  SCRIPTS,
  UNKNOWN_HOOK_ID,
  assertHookDoesNotExist,
  assertInvalidQuery,
  assertJson,
  createHook,
  hookBytes,
  listHooks,
  send,
  type HookBody,
} from '../helpers/management.js'
import { TRIGGER, PER_PAGE, PAGE } from '../helpers/hook-endpoints.js'

describe('GET /api/v2/hooks/{id}', () => {
  it('returns the hook in GET key order', async (t) => {
    const app = await buildTestApp(t)
    const hook = await createHook(app, {
      name: 'reader',
      triggerId: 'post-user-registration',
      dependencies: { lodash: '4.17.21' },
    })
    const res = await app.api('GET', `/api/v2/hooks/${hook.id}`)
    assertJson(res, 200, {
      id: hook.id,
      name: 'reader',
      script: SCRIPTS['post-user-registration'],
      dependencies: { lodash: '4.17.21' },
      enabled: true,
      triggerId: 'post-user-registration',
    })
    assert.equal(
      res.body,
      `{"id":"${hook.id}","name":"reader","script":${JSON.stringify(SCRIPTS['post-user-registration'])},"dependencies":{"lodash":"4.17.21"},"enabled":true,"triggerId":"post-user-registration"}`,
    )
  })

  it('applies fields and include_fields', async (t) => {
    const app = await buildTestApp(t)
    const hook = await createHook(app, { name: 'fielded' })
    const get = (query: string) => app.api('GET', `/api/v2/hooks/${hook.id}${query}`)
    assertJson(await get('?fields=id,name'), 200, { id: hook.id, name: 'fielded' })
    assertJson(await get('?fields=id,name&include_fields=true'), 200, {
      id: hook.id,
      name: 'fielded',
    })
    assertJson(await get('?fields=script,dependencies&include_fields=false'), 200, {
      id: hook.id,
      name: 'fielded',
      enabled: true,
      triggerId: 'credentials-exchange',
    })
    const all = JSON.parse(hookBytes(hook, 'read')) as unknown
    assertJson(await get('?fields='), 200, all)
    assertJson(await get('?include_fields=false'), 200, all)
  })

  it('rejects a malformed include_fields', async (t) => {
    const app = await buildTestApp(t)
    const hook = await createHook(app, { name: 'fielded' })
    assertInvalidQuery(
      await app.api('GET', `/api/v2/hooks/${hook.id}?fields=id&include_fields=maybe`),
      "Query validation error: 'Expected type boolean but found type string' on property include_fields (Whether the fields listed in `fields` are included (true, default) or excluded (false).).",
    )
  })

  it('answers 404 HookDoesNotExist for an unknown id', async (t) => {
    const app = await buildTestApp(t)
    assertHookDoesNotExist(await app.api('GET', `/api/v2/hooks/${UNKNOWN_HOOK_ID}`))
  })

  it('answers 404 HookDoesNotExist for malformed ids (compat Q25)', async (t) => {
    const app = await buildTestApp(t)
    for (const id of [
      'nope',
      '123',
      '01arz3ndektsv4rrffq69g5fav',
      'a%20b',
      'a%2Fb',
      '%00',
      'A'.repeat(100),
    ]) {
      assertHookDoesNotExist(await app.api('GET', `/api/v2/hooks/${id}`))
    }
  })

  it('answers 404 HookDoesNotExist for an over-long id (compat Q25)', async (t) => {
    const app = await buildTestApp(t)
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const res = await app.api(
        method,
        `/api/v2/hooks/${'A'.repeat(101)}`,
        method === 'PATCH' ? { script: 'x' } : undefined,
      )
      assertHookDoesNotExist(res)
    }
    assertHookDoesNotExist(await app.api('GET', `/api/v2/hooks/${'A'.repeat(101)}/secrets`))
  })

  it('answers 404 HookDoesNotExist for an id with a broken percent-encoding (compat Q25)', async (t) => {
    const app = await buildTestApp(t)
    assertHookDoesNotExist(await app.api('GET', '/api/v2/hooks/%zz'))
  })

  it('tolerates Content-Type: application/json with a null or empty body (go-auth0)', async (t) => {
    const app = await buildTestApp(t)
    const hook = await createHook(app, { name: 'tolerant' })
    for (const payload of ['null', '', '{}']) {
      const one = await send(app, {
        method: 'GET',
        url: `/api/v2/hooks/${hook.id}`,
        headers: { 'content-type': 'application/json' },
        payload,
      })
      assertJson(one, 200, JSON.parse(hookBytes(hook, 'read')))
      const list = await send(app, {
        method: 'GET',
        url: '/api/v2/hooks',
        headers: { 'content-type': 'application/json' },
        payload,
      })
      assertJson(list, 200, [JSON.parse(hookBytes(hook, 'read'))])
    }
  })
})

describe('GET /api/v2/hooks', () => {
  /** Five hooks over three triggers; returned in creation order. */
  async function seed(app: TestApp): Promise<HookBody[]> {
    const hooks: HookBody[] = []
    hooks.push(await createHook(app, { name: 'hook-a' }))
    hooks.push(await createHook(app, { name: 'hook-b', triggerId: 'pre-user-registration' }))
    hooks.push(await createHook(app, { name: 'hook-c' }))
    hooks.push(await createHook(app, { name: 'hook-d', triggerId: 'send-phone-message' }))
    hooks.push(await createHook(app, { name: 'hook-e', triggerId: 'pre-user-registration' }))
    return hooks.map((h) => JSON.parse(hookBytes(h, 'read')) as HookBody)
  }

  it('returns a bare array without include_totals ([] when there are none)', async (t) => {
    const app = await buildTestApp(t)
    assertJson(await app.api('GET', '/api/v2/hooks'), 200, [])
    assertJson(await app.api('GET', '/api/v2/hooks?include_totals=false'), 200, [])
    const hooks = await seed(app)
    const res = await app.api('GET', '/api/v2/hooks')
    assertJson(res, 200, hooks)
    // Full hooks (compat Q9), each in GET key order.
    assert.equal(res.body, `[${hooks.map((h) => hookBytes(h, 'read')).join(',')}]`)
    assertJson(await app.api('GET', '/api/v2/hooks?include_totals=false'), 200, hooks)
  })

  it('orders by id, which is creation order (compat Q8)', async (t) => {
    const app = await buildTestApp(t)
    const hooks = await seed(app)
    const ids = hooks.map((h) => h.id)
    assert.deepStrictEqual([...ids].sort(), ids)
    // Renaming or toggling does not reorder.
    await app.api('PATCH', `/api/v2/hooks/${hooks[0]?.id ?? ''}`, { name: 'zzz', enabled: false })
    assert.deepStrictEqual(
      (await listHooks(app)).map((h) => h.id),
      ids,
    )
  })

  it('wraps the result as {start, limit, total, hooks} with include_totals', async (t) => {
    const app = await buildTestApp(t)
    assertJson(await app.api('GET', '/api/v2/hooks?include_totals=true'), 200, {
      start: 0,
      limit: 0,
      total: 0,
      hooks: [],
    })
    const hooks = await seed(app)
    // compat Q8: without per_page, everything, start 0 and limit = number returned.
    assertJson(await app.api('GET', '/api/v2/hooks?include_totals=true'), 200, {
      start: 0,
      limit: 5,
      total: 5,
      hooks,
    })
    assertJson(await app.api('GET', '/api/v2/hooks?include_totals=true&page=3'), 200, {
      start: 0,
      limit: 5,
      total: 5,
      hooks,
    })
  })

  it('pages with page and per_page, stably', async (t) => {
    const app = await buildTestApp(t)
    const hooks = await seed(app)
    const pages: HookBody[][] = []
    for (const page of [0, 1, 2, 3]) {
      const res = await app.api('GET', `/api/v2/hooks?page=${page}&per_page=2`)
      assert.equal(res.statusCode, 200)
      pages.push(res.json<HookBody[]>())
    }
    assert.deepStrictEqual(pages, [hooks.slice(0, 2), hooks.slice(2, 4), hooks.slice(4), []])
    assertJson(await app.api('GET', '/api/v2/hooks?per_page=2'), 200, hooks.slice(0, 2))
    assertJson(await app.api('GET', '/api/v2/hooks?page=1&per_page=2&include_totals=true'), 200, {
      start: 2,
      limit: 2,
      total: 5,
      hooks: hooks.slice(2, 4),
    })
    assertJson(await app.api('GET', '/api/v2/hooks?page=9&per_page=2&include_totals=true'), 200, {
      start: 18,
      limit: 2,
      total: 5,
      hooks: [],
    })
    assertJson(await app.api('GET', '/api/v2/hooks?per_page=100'), 200, hooks)
    assertJson(await app.api('GET', '/api/v2/hooks?per_page=0'), 200, [])
    assertJson(await app.api('GET', '/api/v2/hooks?per_page=0&include_totals=true'), 200, {
      start: 0,
      limit: 0,
      total: 5,
      hooks: [],
    })
    // The observed deploy-cli query (compat §2.5 #1).
    assertJson(
      await app.api(
        'GET',
        '/api/v2/hooks?fields=id&include_fields=true&include_totals=true&per_page=50',
      ),
      200,
      { total: 5, start: 0, limit: 50, hooks: hooks.map((h) => ({ id: h.id })) },
    )
  })

  it('rejects per_page outside 0..100 and other bad paging values (invalid_query_string)', async (t) => {
    const app = await buildTestApp(t)
    const cases: [string, string][] = [
      [
        'per_page=101',
        `Query validation error: 'Value 101 is greater than maximum 100' on property per_page (${PER_PAGE}).`,
      ],
      [
        'per_page=-1',
        `Query validation error: 'Value -1 is less than minimum 0' on property per_page (${PER_PAGE}).`,
      ],
      [
        'per_page=ten',
        `Query validation error: 'Expected type integer but found type string' on property per_page (${PER_PAGE}).`,
      ],
      [
        'per_page=1.5',
        `Query validation error: 'Expected type integer but found type string' on property per_page (${PER_PAGE}).`,
      ],
      [
        'page=-1&per_page=10',
        `Query validation error: 'Value -1 is less than minimum 0' on property page (${PAGE}).`,
      ],
      [
        'include_totals=yes',
        "Query validation error: 'Expected type boolean but found type string' on property include_totals (Return an object with the total count ({start, limit, total, hooks}) instead of a bare array.).",
      ],
      [
        'enabled=maybe',
        "Query validation error: 'Expected type boolean but found type string' on property enabled (Only hooks with this enabled flag.).",
      ],
      [
        'triggerId=password-exchange',
        `Query validation error: 'No enum match for: password-exchange' on property triggerId (${TRIGGER}).`,
      ],
    ]
    for (const [query, message] of cases) {
      assertInvalidQuery(await app.api('GET', `/api/v2/hooks?${query}`), message)
    }
  })

  it('filters on enabled and triggerId', async (t) => {
    const app = await buildTestApp(t)
    const [h0, h1, h2, h3, h4] = await seed(app)
    assert.ok(h0 && h1 && h2 && h3 && h4)
    // First of each trigger enabled (compat §1.3): h0, h1, h3.
    assertJson(await app.api('GET', '/api/v2/hooks?enabled=true'), 200, [h0, h1, h3])
    assertJson(await app.api('GET', '/api/v2/hooks?enabled=false'), 200, [h2, h4])
    assertJson(await app.api('GET', '/api/v2/hooks?triggerId=pre-user-registration'), 200, [h1, h4])
    assertJson(await app.api('GET', '/api/v2/hooks?triggerId=post-change-password'), 200, [])
    assertJson(
      await app.api('GET', '/api/v2/hooks?triggerId=credentials-exchange&enabled=false'),
      200,
      [h2],
    )
    assertJson(
      await app.api(
        'GET',
        '/api/v2/hooks?triggerId=pre-user-registration&include_totals=true&per_page=1',
      ),
      200,
      { start: 0, limit: 1, total: 2, hooks: [h1] },
    )
  })

  it('applies fields and include_fields to every listed hook', async (t) => {
    const app = await buildTestApp(t)
    const hooks = await seed(app)
    assertJson(
      await app.api('GET', '/api/v2/hooks?fields=id,enabled'),
      200,
      hooks.map((h) => ({ id: h.id, enabled: h.enabled })),
    )
    assertJson(
      await app.api('GET', '/api/v2/hooks?fields=script,dependencies,id&include_fields=false'),
      200,
      hooks.map((h) => ({ name: h.name, enabled: h.enabled, triggerId: h.triggerId })),
    )
    assertJson(
      await app.api('GET', '/api/v2/hooks?fields=name&include_totals=true&per_page=2&page=2'),
      200,
      { start: 4, limit: 2, total: 5, hooks: [{ name: 'hook-e' }] },
    )
  })
})
