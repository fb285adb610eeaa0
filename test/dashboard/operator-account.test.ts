import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { verifyPassword } from '../../src/directory/passwords.js'
import {
  GENERATED_OPERATOR_EMAIL,
  OPERATOR_FILE,
  ensureOperatorAccount,
} from '../../src/operator/operator-account.js'
import { spawnServer } from '../helpers/spawn-server.js'

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'openhooks-operator-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

describe('operator account', () => {
  it('is generated once: the password is returned for printing and only its hash is saved (0600)', async (t) => {
    const dataDir = tempDir(t)
    const first = await ensureOperatorAccount({ configured: undefined, dataDir })
    assert.equal(first.account.email, GENERATED_OPERATOR_EMAIL)
    assert.ok(first.generatedPassword !== undefined && first.generatedPassword.length >= 32)
    const file = join(dataDir, OPERATOR_FILE)
    const saved = readFileSync(file, 'utf8')
    assert.ok(!saved.includes(first.generatedPassword), 'no plaintext password on disk')
    assert.deepEqual(Object.keys(JSON.parse(saved) as object), ['email', 'password_hash'])
    assert.equal(statSync(file).mode & 0o777, 0o600)
    assert.ok(await verifyPassword(first.generatedPassword, first.account.passwordHash))

    const second = await ensureOperatorAccount({ configured: undefined, dataDir })
    assert.equal(second.generatedPassword, undefined)
    assert.deepEqual(second.account, first.account)
  })

  it('follows OPENHOOKS_ADMIN_EMAIL and OPENHOOKS_ADMIN_PASSWORD, re-hashing only when they change', async (t) => {
    const dataDir = tempDir(t)
    const configured = { email: 'ops@example.com', password: 'first password 123' }
    const first = await ensureOperatorAccount({ configured, dataDir })
    assert.equal(first.generatedPassword, undefined)
    const same = await ensureOperatorAccount({ configured, dataDir })
    assert.equal(same.account.passwordHash, first.account.passwordHash)
    const changed = await ensureOperatorAccount({
      configured: { ...configured, password: 'second password 456' },
      dataDir,
    })
    assert.notEqual(changed.account.passwordHash, first.account.passwordHash)
    assert.ok(await verifyPassword('second password 456', changed.account.passwordHash))
    assert.ok(!(await verifyPassword('first password 123', changed.account.passwordHash)))
  })

  it('openhooks serve prints a generated password once, and it signs in', async (t) => {
    const dataDir = tempDir(t)
    const env = {
      OPENHOOKS_DATA_DIR: dataDir,
      OPENHOOKS_MASTER_KEY: randomBytes(32).toString('base64'),
      OPENHOOKS_SANDBOX_WORKERS: '1',
    }
    const signIn = (url: string, password: string) =>
      fetch(`${url}/_dashboard/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-openhooks-csrf': '1' },
        body: JSON.stringify({ email: GENERATED_OPERATOR_EMAIL, password }),
      })
    let password = ''
    for (const round of [1, 2]) {
      const server = await spawnServer(env)
      try {
        const printed = /password: (\S+)/.exec(server.stdout())?.[1]
        if (round === 1) {
          assert.ok(printed !== undefined, 'the first start prints the password')
          password = printed
        } else {
          assert.equal(printed, undefined, 'later starts do not print it')
        }
        const res = await signIn(server.url, password)
        assert.equal(res.status, 200)
        assert.deepEqual(Object.keys((await res.json()) as object), ['email', 'expires_at'])
      } finally {
        server.child.kill('SIGTERM')
        await server.exited
      }
    }
  })
})
