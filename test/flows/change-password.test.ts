import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { HookRunner } from '../../src/sandbox/runner.js'
import type { TenantLogRecord } from '../../src/storage/store.js'
import { buildTestApp, startAppRunner, type TestApp } from '../helpers/build-test-app.js'

/** How long a test waits for a detached hook's log event: for a missing event, not a slow one. */
const LOG_WAIT_MS = 60_000
/**
 * The runner's time limit: a hook that never calls back certainly exceeds it, and the PATCH must
 * answer before it (it does not wait for the hook), also on a busy machine.
 */
const HOOK_TIMEOUT_MS = 10_000

async function waitForLog(app: TestApp, type: string): Promise<TenantLogRecord> {
  const deadline = Date.now() + LOG_WAIT_MS
  for (;;) {
    const [found] = (await app.store.listLogs({ type })).items
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error(`no ${type} log event within ${LOG_WAIT_MS} ms`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

async function userWithHook(app: TestApp, script: string) {
  await app.api('POST', '/api/v2/hooks', { name: 'pcp', script, triggerId: 'post-change-password' })
  const created = await app.api('POST', '/api/v2/users', {
    connection: 'Username-Password-Authentication',
    email: 'ann@example.com',
    username: 'ann',
    password: 'Initial-Passw0rd',
  })
  return created.json<{ user_id: string }>().user_id
}

describe('post-change-password fires after PATCH /api/v2/users/{id} with a password', () => {
  let runner: HookRunner
  const closers: (() => Promise<void>)[] = []
  before(async () => {
    runner = await startAppRunner(
      { after: (fn) => closers.push(fn) },
      { timeoutMs: HOOK_TIMEOUT_MS, entryTimeoutMs: HOOK_TIMEOUT_MS },
    )
  })
  after(async () => {
    await Promise.all(closers.map((close) => close()))
  })

  it('passes the user and connection, and logs scph with the hook output', async (t) => {
    const app = await buildTestApp(t, { runner })
    const userId = await userWithHook(
      app,
      `module.exports = function (user, context, cb) {
        console.log(JSON.stringify({ user: user, connection: context.connection }))
        cb()
      }`,
    )
    const res = await app.api('PATCH', `/api/v2/users/${encodeURIComponent(userId)}`, {
      password: 'Changed-Passw0rd',
    })
    assert.equal(res.statusCode, 200)
    const changedAt = res.json<{ last_password_reset: string }>().last_password_reset
    const log = await waitForLog(app, 'scph')
    assert.equal(log.userId, userId)
    const hook = log.details.hook as { logs: { message: string }[] }
    const [line] = hook.logs
    assert.ok(line)
    const connections = await app.store.listConnections()
    assert.deepStrictEqual(JSON.parse(line.message), {
      user: {
        id: userId.slice('auth0|'.length),
        username: 'ann',
        email: 'ann@example.com',
        last_password_reset: changedAt,
      },
      connection: {
        id: connections[0]?.id,
        name: 'Username-Password-Authentication',
        tenant: 'openhooks',
      },
    })
    assert.ok(!JSON.stringify(log).includes('Changed-Passw0rd'))
    assert.ok(!app.logText().includes('Changed-Passw0rd'))
  })

  it('never delays the change: a failing or silent hook only writes fcph', async (t) => {
    for (const [name, script] of [
      ['throws', `module.exports = function (user, context, cb) { throw new Error('boom') }`],
      ['never calls back', `module.exports = function (user, context, cb) {}`],
    ] as const) {
      await t.test(name, async (t2) => {
        const app = await buildTestApp(t2, { runner })
        const userId = await userWithHook(app, script)
        const res = await app.api('PATCH', `/api/v2/users/${encodeURIComponent(userId)}`, {
          password: 'Changed-Passw0rd',
        })
        assert.equal(res.statusCode, 200)
        if (name === 'never calls back') {
          // The silent hook ends only at its deadline: had the response waited for it, its
          // fcph event would exist by now. (No wall-clock bound: this machine is shared.)
          assert.equal(
            (await app.store.listLogs({ type: 'fcph' })).total,
            0,
            'the response does not wait for the hook',
          )
        }
        const log = await waitForLog(app, 'fcph')
        assert.equal(log.userId, userId)
        assert.equal(
          log.description,
          name === 'throws'
            ? 'boom'
            : `The hook did not complete within its time limit of ${HOOK_TIMEOUT_MS} ms (timeoutMs)`,
        )
      })
    }
  })

  it('does not fire when the password does not change', async (t) => {
    const app = await buildTestApp(t, { runner })
    const userId = await userWithHook(app, `module.exports = function (u, c, cb) { cb() }`)
    await app.api('PATCH', `/api/v2/users/${encodeURIComponent(userId)}`, {
      user_metadata: { a: 1 },
    })
    await new Promise((resolve) => setTimeout(resolve, 200))
    assert.equal((await app.store.listLogs({ type: 'scph' })).total, 0)
  })
})
