/**
 * Security review, finding 4: the dashboard's sign-in limiter counts an attempt before the
 * asynchronous password check, so concurrent attempts from one address cannot all be checked;
 * and one address cannot use up the account's limit and lock the operator out elsewhere.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { hashPassword } from '../../src/directory/passwords.js'
import {
  MAX_FAILED_SIGN_INS_PER_ACCOUNT,
  MAX_FAILED_SIGN_INS_PER_ADDRESS,
  SIGN_IN_WINDOW_MS,
  SignInLimiter,
} from '../../src/operator/sign-in-limiter.js'
import { ADMIN_CLIENT_ID, buildTestApp, type TestApp } from '../helpers/build-test-app.js'

const EMAIL = 'operator@example.com'
const PASSWORD = 'correct horse battery staple'
const ATTACKER = '203.0.113.7'
const OPERATOR = '198.51.100.20'
const CONCURRENT_ATTEMPTS = 40
const passwordHash = hashPassword(PASSWORD)

async function dashboardApp(t: TestContext): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'openhooks-dash-'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>openhooks</title>')
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return buildTestApp(t, {
    dashboard: {
      operator: { email: EMAIL, passwordHash: await passwordHash },
      clientId: ADMIN_CLIENT_ID,
      dir,
    },
  })
}

function signIn(app: TestApp, password: string, remoteAddress: string) {
  return app.server.inject({
    method: 'POST',
    url: '/_dashboard/session',
    remoteAddress,
    headers: { 'content-type': 'application/json', 'x-openhooks-csrf': '1' },
    payload: JSON.stringify({ email: EMAIL, password }),
  })
}

/** 39 wrong passwords and the right one last, all sent at once from one address. */
function concurrentGuesses(app: TestApp, address: string) {
  return Promise.all(
    Array.from({ length: CONCURRENT_ATTEMPTS }, (_, i) =>
      signIn(app, i === CONCURRENT_ATTEMPTS - 1 ? PASSWORD : `wrong-${i}`, address),
    ),
  )
}

describe('dashboard sign-in limiter under concurrency', () => {
  it('checks at most the limit of passwords from one address, and the right one last fails', async (t) => {
    assert.equal(MAX_FAILED_SIGN_INS_PER_ADDRESS, 5)
    const app = await dashboardApp(t)
    const answers = await concurrentGuesses(app, ATTACKER)
    const statuses = answers.map((res) => res.statusCode)
    // A 401 is an attempt whose password was checked; a 429 was refused before the check.
    assert.equal(statuses.filter((s) => s === 401).length, MAX_FAILED_SIGN_INS_PER_ADDRESS)
    assert.equal(
      statuses.filter((s) => s === 429).length,
      CONCURRENT_ATTEMPTS - MAX_FAILED_SIGN_INS_PER_ADDRESS,
    )
    const last = answers.at(-1)
    assert.equal(last?.statusCode, 429)
    assert.equal(last.headers['set-cookie'], undefined)
    assert.deepStrictEqual(last.json(), {
      statusCode: 429,
      error: 'Too Many Requests',
      message: `Too many failed sign-ins. Try again in ${SIGN_IN_WINDOW_MS / 1000} seconds.`,
      errorCode: 'too_many_attempts',
    })
    const checked = await app.api('GET', '/api/v2/logs?q=type:fp')
    assert.equal(checked.json<unknown[]>().length, MAX_FAILED_SIGN_INS_PER_ADDRESS)
    const limited = await app.api('GET', '/api/v2/logs?q=type:limit_mu')
    assert.equal(limited.json<unknown[]>().length, 1)
  })

  it('one address cannot lock the operator out: its limit trips before the account limit', async (t) => {
    assert.throws(
      () =>
        new SignInLimiter(Date.now, {
          perAddress: MAX_FAILED_SIGN_INS_PER_ACCOUNT,
          perAccount: MAX_FAILED_SIGN_INS_PER_ACCOUNT,
        }),
      { name: 'RangeError' },
    )
    const app = await dashboardApp(t)
    await concurrentGuesses(app, ATTACKER)
    for (let i = 0; i < 3; i++) await concurrentGuesses(app, ATTACKER)
    const operator = await signIn(app, PASSWORD, OPERATOR)
    assert.equal(operator.statusCode, 200, operator.body)
    assert.deepStrictEqual(Object.keys(operator.json<Record<string, unknown>>()), [
      'email',
      'expires_at',
    ])
  })
})
