/**
 * `a0deploy` (auth0-deploy-cli 8.44.0), unmodified, against openhooks over HTTPS, and
 * `openhooks export`/`import` side by side with it (compat §6). `a0deploy import` is slow (about
 * 45 s and 2 GB), so it runs twice: once from the directory format into an empty server, once from
 * the YAML files that `openhooks export` wrote, with changes.
 */
import assert from 'node:assert/strict'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { parse } from 'yaml'
import {
  a0deploy,
  openhooks,
  runA0deploy,
  serverState,
  startTlsServer,
  suiteCleanup,
  tempDir,
  type HookState,
  type TlsServer,
} from './compat-helpers.js'

const PLACEHOLDER = '_VALUE_NOT_SHOWN_'
/** A script missing the `)` of its cb call: stored by Auth0 and enabled, then every run failed. */
const BROKEN_SCRIPT =
  'module.exports = function (user, context, cb) {\n  cb(null, { ok: true }\n}\n'
/** The compile check's refusal of it, as the API answers it (docs/management-api.md). */
const BROKEN_MESSAGE =
  'The script does not compile, so the hook cannot be enabled: missing ) after argument list [hook.js:2:23]'
const KEYWORDS = { API_KEY: 'k-123', TENANT: 'acme' }

/** Three hooks, one enabled per point, with secrets, dependencies and keywords. */
const INPUT: Record<string, string> = {
  'hooks/add-claims.json': `{
  "name": "add-claims",
  "script": "./add-claims.js",
  "triggerId": "credentials-exchange",
  "enabled": true,
  "dependencies": { "lodash": "4.17.21" },
  "secrets": { "API_KEY": "@@API_KEY@@" }
}
`,
  'hooks/add-claims.js':
    "module.exports = function (client, scope, audience, context, cb) {\n  cb(null, { scope, 'https://##TENANT##.example/plan': 'full' })\n}\n",
  'hooks/pre-reg.json': `{
  "name": "Pre Reg",
  "script": "./pre-reg.js",
  "triggerId": "pre-user-registration",
  "enabled": true,
  "secrets": { "PLAN": "gold", "REGION": "eu" }
}
`,
  'hooks/pre-reg.js':
    'module.exports = function (user, context, cb) {\n  cb(null, { user: { app_metadata: { plan: context.webtask.secrets.PLAN } } })\n}\n',
  'hooks/pre-reg-backup.json': `{
  "name": "pre-reg-backup",
  "script": "./pre-reg.js",
  "triggerId": "pre-user-registration"
}
`,
}

const ADD_CLAIMS_SCRIPT =
  "module.exports = function (client, scope, audience, context, cb) {\n  cb(null, { scope, 'https://acme.example/plan': 'full' })\n}\n"
const PRE_REG_SCRIPT = INPUT['hooks/pre-reg.js'] ?? ''

const IMPORTED: HookState[] = [
  {
    name: 'add-claims',
    triggerId: 'credentials-exchange',
    enabled: true,
    script: ADD_CLAIMS_SCRIPT,
    dependencies: { lodash: '4.17.21' },
    secrets: { API_KEY: 'k-123' },
  },
  {
    name: 'pre-reg',
    triggerId: 'pre-user-registration',
    enabled: true,
    script: PRE_REG_SCRIPT,
    dependencies: {},
    secrets: { PLAN: 'gold', REGION: 'eu' },
  },
  {
    name: 'pre-reg-backup',
    triggerId: 'pre-user-registration',
    enabled: false,
    script: PRE_REG_SCRIPT,
    dependencies: {},
    secrets: {},
  },
]

function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), content)
  }
}

function readTree(root: string): Record<string, string> {
  const paths = readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
    .sort()
  return Object.fromEntries(paths.map((p) => [p, readFileSync(join(root, p), 'utf8')]))
}

/** A hook of the state as an export must show it: secrets as placeholders. */
function asExported(hook: HookState, script: string) {
  return {
    name: hook.name,
    script,
    dependencies: hook.dependencies,
    enabled: hook.enabled,
    triggerId: hook.triggerId,
    secrets: Object.fromEntries(Object.keys(hook.secrets).map((k) => [k, PLACEHOLDER])),
  }
}

describe('auth0-deploy-cli (a0deploy 8.44.0) and openhooks export/import', () => {
  const cleanup = suiteCleanup()
  let server: TlsServer
  let work: string
  before(async () => {
    work = tempDir(cleanup)
    server = await startTlsServer(cleanup, tempDir(cleanup))
  })
  after(() => cleanup.run())

  it('a0deploy imports a directory of three hooks, with keywords, into an empty server', async () => {
    writeTree(join(work, 'input'), INPUT)
    const result = await a0deploy(server, ['import', '--input_file', join(work, 'input')], {
      AUTH0_KEYWORD_REPLACE_MAPPINGS: JSON.stringify(KEYWORDS),
      AUTH0_ALLOW_DELETE: 'false',
    })
    assert.match(result.stdout, /Import Successful/)
    assert.deepStrictEqual(await serverState(server), IMPORTED)
  })

  it('a0deploy exports the same hooks to a directory and to YAML (placeholders aside)', async () => {
    await a0deploy(server, [
      'export',
      '--format',
      'directory',
      '--output_folder',
      join(work, 'a0-dir'),
    ])
    await a0deploy(server, ['export', '--format', 'yaml', '--output_folder', join(work, 'a0-yaml')])
    const dir = readTree(join(work, 'a0-dir'))
    assert.deepStrictEqual(Object.keys(dir), [
      'hooks/add-claims.js',
      'hooks/add-claims.json',
      'hooks/pre-reg-backup.js',
      'hooks/pre-reg-backup.json',
      'hooks/pre-reg.js',
      'hooks/pre-reg.json',
    ])
    for (const hook of IMPORTED) {
      assert.equal(dir[`hooks/${hook.name}.js`], hook.script)
      assert.deepStrictEqual(
        JSON.parse(dir[`hooks/${hook.name}.json`] ?? ''),
        asExported(hook, `./${hook.name}.js`),
      )
    }
    const yaml = readTree(join(work, 'a0-yaml'))
    assert.deepStrictEqual(parse(yaml['tenant.yaml'] ?? ''), {
      hooks: IMPORTED.map((hook) => asExported(hook, `./hooks/${hook.name}.js`)),
    })
    for (const hook of IMPORTED) assert.equal(yaml[`hooks/${hook.name}.js`], hook.script)
  })

  it('openhooks export writes the same bytes as a0deploy export, in both formats', async () => {
    for (const format of ['directory', 'yaml']) {
      const out = join(work, `oh-${format}`)
      const result = await openhooks(server, ['export', '--format', format, '--out', out])
      assert.equal(result.code, 0, result.stderr)
      const a0 = join(work, format === 'directory' ? 'a0-dir' : 'a0-yaml')
      assert.deepStrictEqual(readTree(out), readTree(a0), `${format} format`)
    }
  })

  it('openhooks import accepts what a0deploy export wrote: nothing to change', async () => {
    for (const [format, folder] of [
      ['directory', 'a0-dir'],
      ['yaml', 'a0-yaml'],
    ] as const) {
      const result = await openhooks(server, [
        'import',
        '--format',
        format,
        '--in',
        join(work, folder),
      ])
      assert.equal(result.code, 0, result.stderr)
      assert.equal(result.stderr, '')
      assert.equal(
        result.stdout,
        `hook add-claims (credentials-exchange): unchanged
  secret API_KEY: unchanged
hook pre-reg (pre-user-registration): unchanged
  secret PLAN: unchanged
  secret REGION: unchanged
hook pre-reg-backup (pre-user-registration): unchanged
hooks: 0 create, 0 update, 0 delete, 3 unchanged; secrets: 0 create, 0 update, 0 delete, 3 unchanged, 0 skip
Applied 0 changes.
`,
      )
    }
    assert.deepStrictEqual(await serverState(server), IMPORTED)
  })

  it('a0deploy imports what openhooks export wrote, changed: a script, a secret removed and one added', async () => {
    const input = join(work, 'oh-yaml')
    const changedScript = ADD_CLAIMS_SCRIPT.replace("'full'", "'premium'")
    writeFileSync(join(input, 'hooks', 'add-claims.js'), changedScript)
    const tenant = readFileSync(join(input, 'tenant.yaml'), 'utf8')
    const edited = tenant
      .replace(
        '      API_KEY: _VALUE_NOT_SHOWN_\n',
        '      API_KEY: _VALUE_NOT_SHOWN_\n      NEW_SECRET: n-1\n',
      )
      .replace('      REGION: _VALUE_NOT_SHOWN_\n', '')
    assert.notEqual(edited, tenant)
    writeFileSync(join(input, 'tenant.yaml'), edited)
    const result = await a0deploy(server, ['import', '--input_file', join(input, 'tenant.yaml')], {
      AUTH0_ALLOW_DELETE: 'true',
    })
    assert.match(result.stdout, /Import Successful/)
    const [addClaims, preReg, backup] = IMPORTED
    assert.deepStrictEqual(await serverState(server), [
      { ...addClaims, script: changedScript, secrets: { API_KEY: 'k-123', NEW_SECRET: 'n-1' } },
      { ...preReg, secrets: { PLAN: 'gold' } },
      backup,
    ])

    // And the two exports still agree.
    await a0deploy(server, [
      'export',
      '--format',
      'directory',
      '--output_folder',
      join(work, 'a0-dir-2'),
    ])
    const ours = await openhooks(server, [
      'export',
      '--format',
      'directory',
      '--out',
      join(work, 'oh-dir-2'),
    ])
    assert.equal(ours.code, 0, ours.stderr)
    assert.deepStrictEqual(readTree(join(work, 'oh-dir-2')), readTree(join(work, 'a0-dir-2')))
  })

  it("a0deploy importing an enabled hook whose script does not compile fails with the API's 400 and its compiler message; nothing is written", async () => {
    const before = await serverState(server)
    const input = join(work, 'broken')
    // A point with no enabled hook, so that a0deploy has nothing else to change.
    writeTree(input, {
      'hooks/broken.json': `{
  "name": "broken",
  "script": "./broken.js",
  "triggerId": "post-user-registration",
  "enabled": true
}
`,
      'hooks/broken.js': BROKEN_SCRIPT,
    })
    const recordedBefore = server.requests.length
    const result = await runA0deploy(server, ['import', '--input_file', input], {
      AUTH0_ALLOW_DELETE: 'false',
    })
    const output = `${result.stdout}\n${result.stderr}`
    assert.notEqual(result.code, 0, output)
    assert.doesNotMatch(result.stdout, /Import Successful/)
    // What a0deploy tells its user carries the compiler's message and position.
    assert.ok(output.includes(BROKEN_MESSAGE), output)
    // The API's answer, whole.
    const writes = server.requests
      .slice(recordedBefore)
      .filter((r) => r.url.startsWith('/api/v2/hooks') && r.method !== 'GET')
    assert.deepStrictEqual(
      writes.map((r) => [r.method, r.url, r.response]),
      [
        [
          'POST',
          '/api/v2/hooks',
          {
            status: 400,
            body: JSON.stringify({
              statusCode: 400,
              error: 'Bad Request',
              message: BROKEN_MESSAGE,
              errorCode: 'hook_script_does_not_compile',
            }),
          },
        ],
      ],
    )
    assert.deepStrictEqual(await serverState(server), before)
  })
})
