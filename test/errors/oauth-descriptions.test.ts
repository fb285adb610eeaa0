// Every OAuth error_description a client can receive comes from the catalogue (and so is listed in
// docs/errors.md, which test/config/docs.test.ts keeps generated from it).
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { fillDescription, OAuthError } from '../../src/errors/api-error.js'
import { OAUTH_DESCRIPTIONS } from '../../src/errors/catalog.js'
import { renderErrorsDoc } from '../../src/errors/docs.js'

const srcRoot = fileURLToPath(new URL('../../src/', import.meta.url))
const sources = readdirSync(srcRoot, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .map((f) => ({ file: f, text: readFileSync(`${srcRoot}${f}`, 'utf8') }))

test('no source writes an OAuth error_description inline: each comes from OAUTH_DESCRIPTIONS', () => {
  // `new OAuthError(code, '…')`, `…, "…"` or `` …, `…` ``: a literal description outside the catalogue.
  const inline = /new OAuthError\(\s*[^,()]+,\s*['"`]/g
  const found = sources.flatMap(({ file, text }) =>
    [...text.matchAll(inline)].map((m) => `${file}: ${m[0]}`),
  )
  assert.deepEqual(found, [])
})

test('every catalogue description is used somewhere in src/ (no dead entries)', () => {
  const all = sources.map((s) => s.text).join('\n')
  const unused = Object.keys(OAUTH_DESCRIPTIONS).filter(
    (name) =>
      !all.includes(`OAuthError.of('${name}'`) &&
      !all.includes(`OAuthError.of(\n      '${name}'`) &&
      !all.includes(`OAUTH_DESCRIPTIONS.${name}`),
  )
  assert.deepEqual(unused, [])
})

test('docs/errors.md lists every catalogue description with its status and code', () => {
  const doc = renderErrorsDoc()
  for (const [name, entry] of Object.entries(OAUTH_DESCRIPTIONS)) {
    assert.ok(doc.includes(`| ${name} |`), name)
    assert.ok(doc.includes(`| \`${entry.error}\` | \`${entry.description}\` |`), name)
  }
})

test('OAuthError.of builds the body of the entry, placeholders filled, status from the entry', () => {
  const missing = OAuthError.of('MissingParameter', { name: 'client_id' })
  assert.equal(missing.statusCode, 400)
  assert.deepEqual(missing.toBody(), {
    error: 'invalid_request',
    error_description: 'Missing required parameter: client_id',
  })
  const unauthorized = OAuthError.of('ClientUnauthorized')
  assert.equal(unauthorized.statusCode, 401)
  assert.deepEqual(unauthorized.toBody(), {
    error: 'access_denied',
    error_description: 'Unauthorized',
  })
  const mfa = OAuthError.of('MfaRequired', { mfaToken: 't' })
  assert.equal(mfa.statusCode, 403)
  assert.deepEqual(mfa.toBody(), {
    error: 'mfa_required',
    error_description: 'Multifactor authentication required',
    mfa_token: 't',
  })
  const auth = OAuthError.of('ClientAuthenticationRequired', {
    headers: { 'www-authenticate': 'Basic realm="openhooks"' },
  })
  assert.deepEqual(auth.headers, { 'www-authenticate': 'Basic realm="openhooks"' })
})

test('a placeholder without a value is a TypeError, not a half-filled description', () => {
  assert.equal(
    fillDescription('Service not found: {audience}', { audience: 'x' }),
    'Service not found: x',
  )
  assert.throws(() => fillDescription('Service not found: {audience}', {}), TypeError)
})
