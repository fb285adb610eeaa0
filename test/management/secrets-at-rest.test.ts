/**
 * Secret values never appear in plaintext (compat §2.6 rules 1 and 9, §8.14): not in any API
 * response, error message or log line, nor in the bytes of the SQLite files on disk, before or
 * after a WAL checkpoint. The store still holds them: the hook's own runs can read them back.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import SqliteDatabase from 'better-sqlite3'
import type { LightMyRequestResponse } from 'fastify'
import { buildTestApp } from '../helpers/build-test-app.js'
import { createHook } from '../helpers/management.js'

const PREFIX = 's3cr3t-VALUE-'

function secretValue(label: string): string {
  return `${PREFIX}${label}-${randomBytes(12).toString('hex')}`
}

/** The forms in which a leaked value would still be readable. */
function encodings(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8')
  return [value, bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex')]
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
}

test('secret values are never stored, logged or returned in plaintext', async (t) => {
  const app = await buildTestApp(t, { onDisk: true })
  const scriptMarker = `visible-SCRIPT-MARKER-${randomBytes(8).toString('hex')}`
  const hook = await createHook(app, {
    name: 'secretive',
    script: `module.exports = function (c, s, a, ctx, cb) { cb(null, {}) } // ${scriptMarker}`,
  })
  const url = `/api/v2/hooks/${hook.id}/secrets`

  const stored = {
    API_KEY: secretValue('api-key'),
    DB_PASSWORD: secretValue('db-password'),
    PEM: `-----BEGIN PRIVATE KEY-----\n${secretValue('pem')}\n-----END PRIVATE KEY-----`,
  }
  const replaced = secretValue('replaced')
  const refused = {
    conflict: secretValue('conflict'),
    tooLong: `${secretValue('too-long')}${'z'.repeat(8 * 1024)}`,
    badName: secretValue('bad-name'),
    unknownName: secretValue('unknown-name'),
    notAString: secretValue('nested'),
    unknownHook: secretValue('unknown-hook'),
    malformedJson: secretValue('malformed-json'),
  }
  const every = [...Object.values(stored), replaced, ...Object.values(refused)]

  const responses: LightMyRequestResponse[] = []
  const call = async (res: Promise<LightMyRequestResponse>, status: number) => {
    const awaited = await res
    assert.equal(awaited.statusCode, status, awaited.body)
    responses.push(awaited)
    return awaited
  }

  // Writes that succeed.
  await call(app.api('POST', url, { API_KEY: replaced, DB_PASSWORD: stored.DB_PASSWORD }), 201)
  await call(app.api('POST', url, { PEM: stored.PEM }), 201)
  await call(app.api('PATCH', url, { API_KEY: stored.API_KEY }), 201)
  // Writes that fail: their values must not be echoed, logged or stored either.
  await call(app.api('POST', url, { API_KEY: refused.conflict, OTHER: refused.conflict }), 409)
  await call(app.api('POST', url, { LONG: refused.tooLong }), 400)
  await call(app.api('POST', url, { 'bad name': refused.badName }), 400)
  await call(app.api('PATCH', url, { MISSING: refused.unknownName }), 404)
  await call(app.api('POST', url, { NESTED: { value: refused.notAString } }), 400)
  await call(
    app.api('POST', '/api/v2/hooks/01ARZ3NDEKTSV4RRFFQ69G5FAV/secrets', { K: refused.unknownHook }),
    404,
  )
  await call(
    app.server.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${await app.token()}`, 'content-type': 'application/json' },
      payload: `{"BROKEN": "${refused.malformedJson}"`,
    }),
    400,
  )
  // Reads.
  const secretsRead = await call(app.api('GET', url), 200)
  await call(app.api('GET', `/api/v2/hooks/${hook.id}`), 200)
  await call(app.api('GET', '/api/v2/hooks'), 200)
  await call(app.api('GET', '/api/v2/hooks?include_totals=true'), 200)

  // The values are stored: the hook's runs get the current ones back.
  assert.deepStrictEqual(await app.hooks.readSecrets(hook.id), stored)
  assert.deepStrictEqual(secretsRead.json(), {
    API_KEY: '_VALUE_NOT_SHOWN_',
    DB_PASSWORD: '_VALUE_NOT_SHOWN_',
    PEM: '_VALUE_NOT_SHOWN_',
  })

  const assertNowhere = (where: string, text: string | Buffer) => {
    const haystack = typeof text === 'string' ? Buffer.from(text, 'utf8') : text
    assert.ok(!haystack.includes(PREFIX), `${where} contains a secret value`)
    for (const value of every) {
      for (const form of encodings(value)) {
        assert.ok(
          !haystack.includes(form),
          `${where} contains a secret value (${form.slice(0, 24)}…)`,
        )
      }
    }
  }

  for (const [i, res] of responses.entries())
    assertNowhere(`response #${i} (${res.statusCode})`, res.body)
  for (const res of responses) assertNowhere('response headers', JSON.stringify(res.headers))
  assert.ok(app.logText().length > 0, 'the app logged something')
  assertNowhere('the log', app.logText())

  const files = filesUnder(app.dataDir)
  assert.ok(
    files.some((f) => f.endsWith('openhooks.db')),
    `no database in ${files.join(', ')}`,
  )
  const bytesOnDisk = () => Buffer.concat(filesUnder(app.dataDir).map((f) => readFileSync(f)))
  // The check can see plaintext: the script is stored as it was sent.
  assert.ok(bytesOnDisk().includes(scriptMarker), 'the files do not hold the (plaintext) script')
  for (const file of filesUnder(app.dataDir)) assertNowhere(file, readFileSync(file))

  // After a checkpoint, everything in the WAL is in the main database file.
  const db = new SqliteDatabase(join(app.dataDir, 'openhooks.db'), { timeout: 5_000 })
  t.after(() => db.close())
  db.pragma('wal_checkpoint(TRUNCATE)')
  assert.ok(readFileSync(join(app.dataDir, 'openhooks.db')).includes(scriptMarker))
  for (const file of filesUnder(app.dataDir))
    assertNowhere(`${file} (after checkpoint)`, readFileSync(file))

  // What is stored for a secret is sealed, not the value in another encoding.
  const rows = db
    .prepare('select name, value from hook_secrets where hook_id = ? order by name')
    .all(hook.id) as { name: string; value: string }[]
  assert.deepStrictEqual(
    rows.map((r) => r.name),
    ['API_KEY', 'DB_PASSWORD', 'PEM'],
  )
  for (const row of rows) assertNowhere(`hook_secrets.${row.name}`, row.value)
})

test('sealing uses a fresh IV: the same value twice is stored as two different ciphertexts', async (t) => {
  const app = await buildTestApp(t)
  const a = await createHook(app, { name: 'a' })
  const b = await createHook(app, { name: 'b' })
  const value = secretValue('same')
  for (const [i, id] of [a.id, a.id, b.id].entries()) {
    const name = `K${i}`
    assert.equal(
      (await app.api('POST', `/api/v2/hooks/${id}/secrets`, { [name]: value })).statusCode,
      201,
    )
  }
  const sealed = [...(await app.store.readSecrets(a.id)), ...(await app.store.readSecrets(b.id))]
  assert.equal(sealed.length, 3)
  assert.equal(new Set(sealed.map((s) => s.value)).size, 3)
  for (const s of sealed) assert.ok(!s.value.includes(PREFIX))
})

test('a sealed value copied to another hook does not open there (the hook id is bound)', async (t) => {
  const app = await buildTestApp(t, { onDisk: true })
  const a = await createHook(app, { name: 'a' })
  const b = await createHook(app, { name: 'b' })
  assert.equal(
    (await app.api('POST', `/api/v2/hooks/${a.id}/secrets`, { K: secretValue('a') })).statusCode,
    201,
  )
  assert.equal(
    (await app.api('POST', `/api/v2/hooks/${b.id}/secrets`, { K: secretValue('b') })).statusCode,
    201,
  )
  const db = new SqliteDatabase(join(app.dataDir, 'openhooks.db'), { timeout: 5_000 })
  t.after(() => db.close())
  db.prepare(
    "update hook_secrets set value = (select value from hook_secrets where hook_id = ? and name = 'K') where hook_id = ? and name = 'K'",
  ).run(a.id, b.id)
  await assert.rejects(app.hooks.readSecrets(b.id))
})
