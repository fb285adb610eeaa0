import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { SecretBox, createKeyring, loadOrCreateMasterKey } from './keys.js'

describe('keys', () => {
  it('seals with a fresh IV and opens only with the same associated data', () => {
    const box = new SecretBox(Buffer.alloc(32, 1))
    const a = box.seal('value', 'hook:1:A')
    const b = box.seal('value', 'hook:1:A')
    assert.notEqual(a, b)
    assert.ok(!a.includes('value'))
    assert.equal(box.open(a, 'hook:1:A'), 'value')
    assert.throws(() => box.open(a, 'hook:2:A'))
    assert.throws(() => new SecretBox(Buffer.alloc(32, 2)).open(a, 'hook:1:A'))
    // Flip one bit of the ciphertext body: the tag check must fail.
    const [prefix, iv, body] = a.split('.')
    const bytes = Buffer.from(body ?? '', 'base64url')
    bytes[0] = (bytes[0] ?? 0) ^ 1
    assert.throws(() =>
      box.open(`${prefix ?? ''}.${iv ?? ''}.${bytes.toString('base64url')}`, 'hook:1:A'),
    )
  })

  it('derives a different key per purpose', () => {
    const ring = createKeyring(Buffer.alloc(32, 3))
    const sealed = ring.hookSecrets.seal('x', 'ctx')
    assert.throws(() => ring.signingKeys.open(sealed, 'ctx'))
    const hash = ring.clientSecrets.hash('secret')
    assert.ok(ring.clientSecrets.verify('secret', hash))
    assert.ok(!ring.clientSecrets.verify('secreT', hash))
    assert.ok(!createKeyring(Buffer.alloc(32, 4)).clientSecrets.verify('secret', hash))
  })

  it('generates the master key file once, mode 0600, and reads it back', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'openhooks-keys-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    const first = loadOrCreateMasterKey(undefined, dir)
    assert.equal(first.source, 'generated')
    assert.equal(first.key.length, 32)
    assert.equal(statSync(join(dir, 'master.key')).mode & 0o777, 0o600)
    const second = loadOrCreateMasterKey(undefined, dir)
    assert.equal(second.source, 'file')
    assert.deepStrictEqual(second.key, first.key)
    assert.equal(readFileSync(join(dir, 'master.key'), 'utf8').trim(), first.key.toString('base64'))
    const configured = loadOrCreateMasterKey(Buffer.alloc(32, 9), dir)
    assert.equal(configured.source, 'config')
  })
})
