/**
 * `openhooks types` (issue 22): the declarations it writes type-check a sample hook with the real
 * `tsc`, and `tsc` refuses a hook that reads a field no extensibility point has. The declarations'
 * parameters and error classes are those of the trigger definitions that run hooks.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it, type TestContext } from 'node:test'
import { runWithUsage, type CliIo } from '../../src/cli/cli-io.js'
import { HOOK_DECLARATIONS } from '../../src/hooks/hook-declarations.js'
import { TRIGGER_IDS } from '../../src/hooks/hook.js'
import { getTrigger } from '../../src/hooks/triggers/index.js'
import { TYPES_USAGE, typesCommand } from '../../src/local/types-command.js'

const TSC = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url))
/** Deadline of one `tsc` run, in milliseconds (a deadline, not a speed bound). */
const TSC_TIMEOUT_MS = 120_000

const TSCONFIG = JSON.stringify({
  compilerOptions: {
    allowJs: true,
    checkJs: true,
    noEmit: true,
    strict: true,
    target: 'ES2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    types: [],
  },
  include: ['*.js', 'types/*.d.ts'],
})

const GOOD_EXCHANGE = `/** @type {import('./types/credentials-exchange').Hook} */
module.exports = function (client, scope, audience, context, cb) {
  const key = context.webtask.secrets.API_KEY
  if (client.metadata.plan === undefined) return cb(new InvalidScopeError('no plan'))
  cb(null, { scope: scope.concat('extra'), 'https://example.com/key': key, aud: audience })
}
`
const GOOD_SIGNUP = `/** @type {import('./types/pre-user-registration').Hook} */
module.exports = function (user, context, cb) {
  if (user.email.endsWith('@example.org')) {
    return cb(new PreUserRegistrationError('denied', 'Signups from example.org are closed'))
  }
  cb(null, { user: { app_metadata: { lang: context.requestLanguage, conn: context.connection.name } } })
}
`

async function writeTypes(t: TestContext): Promise<{ dir: string; out: string; code: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'openhooks-types-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  let out = ''
  const io: CliIo = { env: {}, cwd: dir, out: (s) => (out += s), err: (s) => (out += s) }
  const code = await runWithUsage(io, TYPES_USAGE, () => typesCommand(['--out', 'types'], io))
  return { dir, out, code }
}

function tsc(dir: string): { status: number | null; output: string } {
  writeFileSync(join(dir, 'tsconfig.json'), TSCONFIG)
  const res = spawnSync(process.execPath, [TSC, '-p', dir, '--pretty', 'false'], {
    encoding: 'utf8',
    timeout: TSC_TIMEOUT_MS,
  })
  return { status: res.status, output: `${res.stdout}${res.stderr}` }
}

describe('openhooks types', () => {
  it('writes one declaration file per extensibility point', async (t) => {
    const { dir, code, out } = await writeTypes(t)
    assert.equal(code, 0, out)
    assert.deepEqual(
      readdirSync(join(dir, 'types')).sort(),
      [...TRIGGER_IDS].map((id) => `${id}.d.ts`).sort(),
    )
  })

  it('the declarations have the parameters and error classes of the trigger definitions', () => {
    assert.deepEqual(Object.keys(HOOK_DECLARATIONS).sort(), [...TRIGGER_IDS].sort())
    for (const id of TRIGGER_IDS) {
      const point = HOOK_DECLARATIONS[id]
      assert.ok(point !== undefined)
      const trigger = getTrigger(id)
      assert.deepEqual([...point.parameters.map((p) => p.name), 'context'], trigger.parameters, id)
      assert.deepEqual(
        point.errorClasses.map((e) => [e.name, e.extends, e.friendlyMessage]),
        trigger.errorClasses.map((e) => [e.name, e.extends, e.friendlyMessage]),
        id,
      )
    }
  })

  it('tsc accepts sample hooks of two points against them, together', async (t) => {
    const { dir } = await writeTypes(t)
    writeFileSync(join(dir, 'add-claims.js'), GOOD_EXCHANGE)
    writeFileSync(join(dir, 'signup.js'), GOOD_SIGNUP)
    const { status, output } = tsc(dir)
    assert.equal(status, 0, output)
  })

  it('tsc refuses a wrong field of context.webtask, of the user, of the result', async (t) => {
    const { dir } = await writeTypes(t)
    writeFileSync(
      join(dir, 'wrong.js'),
      GOOD_SIGNUP.replace('user.email.', 'user.emial.')
        .replace('context.connection.name', 'context.webtask.secret.NAME')
        .replace('{ user: { app_metadata', '{ user: { appMetadata'),
    )
    const { status, output } = tsc(dir)
    assert.equal(status, 2, output)
    assert.match(output, /wrong\.js\(3,.*Property 'emial' does not exist on type 'User'/)
    assert.match(
      output,
      /Property 'secret' does not exist on type 'Webtask'\. Did you mean 'secrets'\?/,
    )
    assert.match(output, /'appMetadata' does not exist/)
  })

  it('exits 2 without --out', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'openhooks-types-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    let err = ''
    const io: CliIo = { env: {}, cwd: dir, out: () => undefined, err: (s) => (err += s) }
    assert.equal(await runWithUsage(io, TYPES_USAGE, () => typesCommand([], io)), 2)
    assert.match(err, /^--out is required/)
  })
})
