/**
 * The enabled-hook rules (compat §1.2, §1.3, §8.5, Q1): at most one enabled hook per trigger,
 * the default of `enabled`, the exclusive switch on POST and PATCH, under concurrency, and the
 * database's own guarantee (a unique partial index).
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import SqliteDatabase from 'better-sqlite3'
import { buildTestApp, type TestApp } from '../helpers/build-test-app.js'
import {
  SCRIPTS,
  assertJson,
  createHook,
  listHooks,
  type HookBody,
  type Trigger,
} from '../helpers/management.js'

async function enabledIds(app: TestApp, triggerId: Trigger): Promise<string[]> {
  return (await listHooks(app, `?triggerId=${triggerId}&enabled=true`)).map((h) => h.id)
}

async function enabledOf(app: TestApp, id: string): Promise<boolean> {
  const res = await app.api('GET', `/api/v2/hooks/${id}?fields=enabled`)
  assert.equal(res.statusCode, 200, res.body)
  return res.json<{ enabled: boolean }>().enabled
}

describe('the default of enabled (compat §1.3)', () => {
  it('enables the first hook of a trigger and creates later ones disabled', async (t) => {
    const app = await buildTestApp(t)
    const first = await createHook(app, { name: 'first' })
    const second = await createHook(app, { name: 'second' })
    const third = await createHook(app, { name: 'third' })
    assert.deepStrictEqual([first.enabled, second.enabled, third.enabled], [true, false, false])
    assert.deepStrictEqual(await enabledIds(app, 'credentials-exchange'), [first.id])
  })

  it('applies per trigger: the first hook of each trigger is enabled', async (t) => {
    const app = await buildTestApp(t)
    const triggers = Object.keys(SCRIPTS) as Trigger[]
    for (const triggerId of triggers) {
      assert.equal((await createHook(app, { name: `first ${triggerId}`, triggerId })).enabled, true)
    }
    for (const triggerId of triggers) {
      assert.equal(
        (await createHook(app, { name: `second ${triggerId}`, triggerId })).enabled,
        false,
      )
    }
  })

  it('honours an explicit enabled:false on the first hook; the next one is still disabled', async (t) => {
    const app = await buildTestApp(t)
    const first = await createHook(app, { name: 'first', enabled: false })
    assert.equal(first.enabled, false)
    // A hook already exists for the trigger, so the default is false (none is enabled, which is valid).
    const second = await createHook(app, { name: 'second' })
    assert.equal(second.enabled, false)
    assert.deepStrictEqual(await enabledIds(app, 'credentials-exchange'), [])
  })

  it('enables the next new hook once every hook of its trigger was deleted', async (t) => {
    const app = await buildTestApp(t)
    const first = await createHook(app, { name: 'first' })
    assert.equal((await app.api('DELETE', `/api/v2/hooks/${first.id}`)).statusCode, 204)
    assert.equal((await createHook(app, { name: 'again' })).enabled, true)
  })

  it('enables a first hook even when other triggers have hooks', async (t) => {
    const app = await buildTestApp(t)
    await createHook(app, { name: 'a', triggerId: 'pre-user-registration' })
    await createHook(app, { name: 'b', triggerId: 'pre-user-registration' })
    assert.equal((await createHook(app, { name: 'c' })).enabled, true)
  })
})

describe('the exclusive switch (compat §1.2, Q1)', () => {
  it('POST enabled:true disables the enabled hook of the trigger in the same request', async (t) => {
    const app = await buildTestApp(t)
    const old = await createHook(app, { name: 'old' })
    const other = await createHook(app, { name: 'other', triggerId: 'pre-user-registration' })
    const res = await app.api('POST', '/api/v2/hooks', {
      name: 'new',
      script: SCRIPTS['credentials-exchange'],
      triggerId: 'credentials-exchange',
      enabled: true,
    })
    const { id } = res.json<HookBody>()
    assertJson(res, 201, {
      id,
      name: 'new',
      script: SCRIPTS['credentials-exchange'],
      dependencies: {},
      triggerId: 'credentials-exchange',
      enabled: true,
    })
    assert.equal(await enabledOf(app, old.id), false)
    assert.deepStrictEqual(await enabledIds(app, 'credentials-exchange'), [id])
    // Other triggers are untouched.
    assert.equal(await enabledOf(app, other.id), true)
  })

  it('POST enabled:false leaves the enabled hook alone', async (t) => {
    const app = await buildTestApp(t)
    const old = await createHook(app, { name: 'old' })
    assert.equal((await createHook(app, { name: 'new', enabled: false })).enabled, false)
    assert.deepStrictEqual(await enabledIds(app, 'credentials-exchange'), [old.id])
  })

  it('PATCH enabled:true disables the enabled hook of the trigger in the same request', async (t) => {
    const app = await buildTestApp(t)
    const a = await createHook(app, { name: 'a' })
    const b = await createHook(app, { name: 'b' })
    const c = await createHook(app, { name: 'c' })
    const other = await createHook(app, { name: 'other', triggerId: 'send-phone-message' })
    const otherDisabled = await createHook(app, {
      name: 'other-2',
      triggerId: 'send-phone-message',
    })
    assertJson(await app.api('PATCH', `/api/v2/hooks/${b.id}`, { enabled: true }), 200, {
      ...b,
      enabled: true,
    })
    assert.deepStrictEqual(await enabledIds(app, 'credentials-exchange'), [b.id])
    assert.equal(await enabledOf(app, a.id), false)
    assert.equal(await enabledOf(app, c.id), false)
    assert.equal(await enabledOf(app, other.id), true)
    assert.equal(await enabledOf(app, otherDisabled.id), false)
    // And back.
    assertJson(await app.api('PATCH', `/api/v2/hooks/${a.id}`, { enabled: true }), 200, a)
    assert.deepStrictEqual(await enabledIds(app, 'credentials-exchange'), [a.id])
  })

  it('logs which hook the switch disabled', async (t) => {
    const app = await buildTestApp(t)
    const a = await createHook(app, { name: 'a' })
    const b = await createHook(app, { name: 'b' })
    await app.api('PATCH', `/api/v2/hooks/${b.id}`, { enabled: true })
    const line = app.logs.find((l) => l.event === 'hook.enabled' && l.hookId === b.id)
    assert.ok(line, 'no hook.enabled log line')
    assert.deepStrictEqual(line.disabledIds, [a.id])
  })

  it('PATCH enabled:true on the enabled hook changes nothing else', async (t) => {
    const app = await buildTestApp(t)
    const a = await createHook(app, { name: 'a' })
    const b = await createHook(app, { name: 'b' })
    assertJson(await app.api('PATCH', `/api/v2/hooks/${a.id}`, { enabled: true }), 200, a)
    assert.deepStrictEqual(await enabledIds(app, 'credentials-exchange'), [a.id])
    assert.equal(await enabledOf(app, b.id), false)
  })

  it('PATCH enabled:false leaves the trigger with no enabled hook', async (t) => {
    const app = await buildTestApp(t)
    const a = await createHook(app, { name: 'a' })
    await createHook(app, { name: 'b' })
    assertJson(await app.api('PATCH', `/api/v2/hooks/${a.id}`, { enabled: false }), 200, {
      ...a,
      enabled: false,
    })
    assert.deepStrictEqual(await enabledIds(app, 'credentials-exchange'), [])
  })

  it('a PATCH that fails (name taken) does not disable the enabled hook', async (t) => {
    const app = await buildTestApp(t)
    const a = await createHook(app, { name: 'a' })
    const b = await createHook(app, { name: 'b' })
    const res = await app.api('PATCH', `/api/v2/hooks/${b.id}`, { name: 'a', enabled: true })
    assert.equal(res.statusCode, 409)
    assert.deepStrictEqual(await enabledIds(app, 'credentials-exchange'), [a.id])
  })

  it('a POST that fails (name taken) does not disable the enabled hook', async (t) => {
    const app = await buildTestApp(t)
    const a = await createHook(app, { name: 'a' })
    const res = await app.api('POST', '/api/v2/hooks', {
      name: 'a',
      script: 'x',
      triggerId: 'credentials-exchange',
      enabled: true,
    })
    assert.equal(res.statusCode, 409)
    assert.deepStrictEqual(await enabledIds(app, 'credentials-exchange'), [a.id])
  })
})

describe('concurrency: exactly one enabled hook per trigger', () => {
  const N = 10

  it(`${N} parallel PATCH {enabled:true} on different hooks of one trigger leave exactly one enabled`, async (t) => {
    const app = await buildTestApp(t)
    const hooks: HookBody[] = []
    for (let i = 0; i < N; i++) hooks.push(await createHook(app, { name: `hook-${i}` }))
    const other = await createHook(app, { name: 'other', triggerId: 'pre-user-registration' })
    const responses = await Promise.all(
      hooks.map((h) => app.api('PATCH', `/api/v2/hooks/${h.id}`, { enabled: true })),
    )
    for (const [i, res] of responses.entries()) {
      assertJson(res, 200, { ...hooks[i], enabled: true })
    }
    const enabled = await enabledIds(app, 'credentials-exchange')
    assert.equal(enabled.length, 1, `enabled: ${enabled.join(', ')}`)
    assert.ok(hooks.some((h) => h.id === enabled[0]))
    assert.equal(await enabledOf(app, other.id), true)
  })

  it(`${N} parallel POST {enabled:true} of one trigger leave exactly one enabled`, async (t) => {
    const app = await buildTestApp(t)
    const existing = await createHook(app, { name: 'existing' })
    const responses = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        app.api('POST', '/api/v2/hooks', {
          name: `parallel-${i}`,
          script: SCRIPTS['credentials-exchange'],
          triggerId: 'credentials-exchange',
          enabled: true,
        }),
      ),
    )
    for (const res of responses) {
      assert.equal(res.statusCode, 201, res.body)
      assert.equal(res.json<HookBody>().enabled, true)
    }
    const enabled = await enabledIds(app, 'credentials-exchange')
    assert.equal(enabled.length, 1, `enabled: ${enabled.join(', ')}`)
    assert.notEqual(enabled[0], existing.id)
    assert.equal((await listHooks(app)).length, N + 1)
  })

  it(`${N} parallel POST without enabled on a new trigger enable only the first one created`, async (t) => {
    const app = await buildTestApp(t)
    const responses = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        app.api('POST', '/api/v2/hooks', {
          name: `parallel-${i}`,
          script: SCRIPTS['send-phone-message'],
          triggerId: 'send-phone-message',
        }),
      ),
    )
    assert.deepStrictEqual(
      responses.map((r) => r.statusCode),
      Array.from({ length: N }, () => 201),
    )
    const created = responses.map((r) => r.json<HookBody>())
    assert.equal(created.filter((h) => h.enabled).length, 1)
    const listed = await listHooks(app, '?triggerId=send-phone-message')
    assert.equal(listed.length, N)
    // The hook created first (lowest id) is the enabled one.
    assert.deepStrictEqual(
      listed.map((h) => h.enabled),
      [true, ...Array.from({ length: N - 1 }, () => false)],
    )
  })

  it('a mix of parallel POSTs and PATCHes on two triggers leaves at most one enabled per trigger', async (t) => {
    const app = await buildTestApp(t)
    const ce: HookBody[] = []
    const pur: HookBody[] = []
    for (let i = 0; i < 5; i++) {
      ce.push(await createHook(app, { name: `ce-${i}` }))
      pur.push(await createHook(app, { name: `pur-${i}`, triggerId: 'pre-user-registration' }))
    }
    const requests = [
      ...ce.map((h, i) => app.api('PATCH', `/api/v2/hooks/${h.id}`, { enabled: i % 2 === 0 })),
      ...pur.map((h) => app.api('PATCH', `/api/v2/hooks/${h.id}`, { enabled: true })),
      ...Array.from({ length: 5 }, (_, i) =>
        app.api('POST', '/api/v2/hooks', {
          name: `new-ce-${i}`,
          script: SCRIPTS['credentials-exchange'],
          triggerId: 'credentials-exchange',
          enabled: true,
        }),
      ),
    ]
    const responses = await Promise.all(requests)
    for (const res of responses) assert.ok(res.statusCode === 200 || res.statusCode === 201)
    assert.equal((await enabledIds(app, 'credentials-exchange')).length, 1)
    assert.equal((await enabledIds(app, 'pre-user-registration')).length, 1)
  })
})

describe('the database guarantees at most one enabled hook per trigger', () => {
  it('refuses a second enabled hook of one trigger written by direct SQL (UNIQUE)', async (t) => {
    const app = await buildTestApp(t, { onDisk: true })
    const enabled = await createHook(app, { name: 'enabled' })
    const disabled = await createHook(app, { name: 'disabled' })
    const other = await createHook(app, { name: 'other', triggerId: 'pre-user-registration' })
    assert.deepStrictEqual([enabled.enabled, disabled.enabled, other.enabled], [true, false, true])

    const db = new SqliteDatabase(join(app.dataDir, 'openhooks.db'), { timeout: 5_000 })
    t.after(() => db.close())
    const at = new Date().toISOString()
    const insert = db.prepare(
      `insert into hooks (id, name, script, trigger_id, enabled, dependencies, created_at, updated_at)
       values (?, ?, 'x', ?, ?, '{}', ?, ?)`,
    )

    // An UPDATE that enables a second hook of the trigger.
    assert.throws(
      () => db.prepare('update hooks set enabled = 1 where id = ?').run(disabled.id),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'SQLITE_CONSTRAINT_UNIQUE')
        assert.match(error.message, /UNIQUE constraint failed: hooks\.trigger_id/)
        return true
      },
    )
    // An INSERT of a second enabled hook of the trigger.
    assert.throws(
      () => insert.run('01J0000000000000000000000A', 'sneaky', 'credentials-exchange', 1, at, at),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'SQLITE_CONSTRAINT_UNIQUE')
        assert.match(error.message, /UNIQUE constraint failed: hooks\.trigger_id/)
        return true
      },
    )
    // Disabled hooks, and an enabled hook of a trigger without one, are fine.
    insert.run('01J0000000000000000000000B', 'disabled-2', 'credentials-exchange', 0, at, at)
    insert.run('01J0000000000000000000000C', 'first-pcp', 'post-change-password', 1, at, at)

    // Nothing the refused statements tried to write is there.
    const rows = db
      .prepare("select id from hooks where trigger_id = 'credentials-exchange' and enabled = 1")
      .all() as { id: string }[]
    assert.deepStrictEqual(
      rows.map((r) => r.id),
      [enabled.id],
    )
    assert.deepStrictEqual(await enabledIds(app, 'credentials-exchange'), [enabled.id])
  })
})
