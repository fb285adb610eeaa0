import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { join } from 'node:path'
import {
  SCRIPT,
  listeningApp,
  readTree,
  run,
  seedHook,
  serverState,
  tempDir,
  writeTree,
} from './cli-helpers.js'

/** Three hooks in the directory format: one enabled per point, secrets, dependencies, keywords. */
const THREE_HOOKS = {
  'hooks/add-claims.json': JSON.stringify({
    name: 'Add Claims',
    script: './add-claims.js',
    triggerId: 'credentials-exchange',
    enabled: true,
    dependencies: { lodash: '##LODASH_VERSION##' },
    secrets: { API_KEY: '@@API_KEY@@' },
  }),
  'hooks/add-claims.js':
    'const AUDIENCE = @@AUDIENCE@@\nmodule.exports = function (client, scope, audience, context, cb) {\n  cb(null, { scope, [AUDIENCE]: "##TENANT##" })\n}\n',
  'hooks/pre-reg.json': JSON.stringify({
    name: 'pre-reg',
    script: './pre-reg.js',
    triggerId: 'pre-user-registration',
    enabled: true,
    secrets: { PLAN: 'gold', REGION: 'eu' },
  }),
  'hooks/pre-reg.js': SCRIPT.pre,
  'hooks/pre-reg-old.json': JSON.stringify({
    name: 'pre-reg-old',
    script: './pre-reg.js',
    triggerId: 'pre-user-registration',
  }),
  'keywords.json': JSON.stringify({
    API_KEY: 'k-123',
    LODASH_VERSION: '4.17.21',
    AUDIENCE: 'https://api.example.com/claim',
    TENANT: 'acme',
  }),
}

const ADD_CLAIMS_SCRIPT =
  'const AUDIENCE = "https://api.example.com/claim"\nmodule.exports = function (client, scope, audience, context, cb) {\n  cb(null, { scope, [AUDIENCE]: "acme" })\n}\n'

describe('openhooks import', () => {
  it('imports a directory into an empty server, with keywords, and then finds nothing to do', async (t) => {
    const app = await listeningApp(t)
    const dir = tempDir(t)
    writeTree(dir, THREE_HOOKS)
    const args = ['--format', 'directory', '--in', dir, '--keywords', join(dir, 'keywords.json')]
    const result = await run('import', [...args, ...app.connection])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stderr, '')
    assert.equal(
      result.stdout,
      `hook add-claims (credentials-exchange): create
  secret API_KEY: create
hook pre-reg (pre-user-registration): create
  secret PLAN: create
  secret REGION: create
hook pre-reg-old (pre-user-registration): create
hooks: 3 create, 0 update, 0 delete, 0 unchanged; secrets: 3 create, 0 update, 0 delete, 0 unchanged, 0 skip
Applied 5 changes.
`,
    )
    assert.deepStrictEqual(await serverState(app), [
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
        script: SCRIPT.pre,
        dependencies: {},
        secrets: { PLAN: 'gold', REGION: 'eu' },
      },
      {
        name: 'pre-reg-old',
        triggerId: 'pre-user-registration',
        // deploy-cli's default: a hook without `enabled` is sent disabled.
        enabled: false,
        script: SCRIPT.pre,
        dependencies: {},
        secrets: {},
      },
    ])

    // Exported and imported again: only the secrets with real values are sent again.
    const exported = tempDir(t)
    assert.equal(
      (await run('export', ['--format', 'yaml', '--out', exported, ...app.connection])).code,
      0,
    )
    const again = await run('import', ['--format', 'yaml', '--in', exported, ...app.connection])
    assert.equal(again.code, 0, again.stderr)
    assert.equal(
      again.stdout,
      `hook add-claims (credentials-exchange): unchanged
  secret API_KEY: unchanged
hook pre-reg (pre-user-registration): unchanged
  secret PLAN: unchanged
  secret REGION: unchanged
hook pre-reg-old (pre-user-registration): unchanged
hooks: 0 create, 0 update, 0 delete, 3 unchanged; secrets: 0 create, 0 update, 0 delete, 3 unchanged, 0 skip
Applied 0 changes.
`,
    )
  })

  it('imports the YAML format, from the folder or the file, with keywords inside YAML', async (t) => {
    const app = await listeningApp(t)
    const dir = tempDir(t)
    writeTree(dir, {
      'tenant.yaml': `hooks:
  - name: Send SMS
    script: ./hooks/send-sms.js
    triggerId: send-phone-message
    enabled: @@ENABLED@@
    dependencies: @@DEPENDENCIES@@
    secrets:
      TWILIO_TOKEN: '@@TOKEN@@'
      ACCOUNT: ##ACCOUNT##
`,
      'hooks/send-sms.js': 'module.exports = function (recipient, text, context, cb) { cb() }\n',
      'kw.json': JSON.stringify({
        ENABLED: true,
        DEPENDENCIES: { twilio: '3.0.0' },
        TOKEN: 'tok',
        ACCOUNT: 'AC1',
      }),
    })
    const result = await run(
      'import',
      [
        '--format',
        'yaml',
        '--in',
        join(dir, 'tenant.yaml'),
        '--keywords',
        'kw.json',
        ...app.connection,
      ],
      { cwd: dir },
    )
    assert.equal(result.code, 0, result.stderr)
    assert.deepStrictEqual(await serverState(app), [
      {
        name: 'send-sms',
        triggerId: 'send-phone-message',
        enabled: true,
        script: 'module.exports = function (recipient, text, context, cb) { cb() }\n',
        dependencies: { twilio: '3.0.0' },
        secrets: { ACCOUNT: 'AC1', TWILIO_TOKEN: 'tok' },
      },
    ])
    const byFolder = await run('import', [
      '--format',
      'yaml',
      '--in',
      dir,
      '--keywords',
      join(dir, 'kw.json'),
      ...app.connection,
    ])
    assert.equal(byFolder.code, 0, byFolder.stderr)
    assert.match(byFolder.stdout, /^hook send-sms \(send-phone-message\): unchanged\n/)
  })

  it('never lets a placeholder overwrite or create a secret', async (t) => {
    const app = await listeningApp(t)
    await seedHook(
      app,
      { name: 'cce', triggerId: 'credentials-exchange', script: SCRIPT.cce, enabled: true },
      { API_KEY: 'real-value', ROTATED: 'old' },
    )
    const dir = tempDir(t)
    writeTree(dir, {
      'hooks/cce.json': JSON.stringify({
        name: 'cce',
        script: './cce.js',
        triggerId: 'credentials-exchange',
        enabled: true,
        secrets: { API_KEY: '_VALUE_NOT_SHOWN_', ROTATED: 'new', MISSING: '_VALUE_NOT_SHOWN_' },
      }),
      'hooks/cce.js': SCRIPT.cce,
    })
    const result = await run('import', ['--format', 'directory', '--in', dir, ...app.connection])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(
      result.stdout,
      `hook cce (credentials-exchange): unchanged
  secret API_KEY: unchanged
  secret MISSING: skip (_VALUE_NOT_SHOWN_ and not on the server: set its value in the files)
  secret ROTATED: update
hooks: 0 create, 0 update, 0 delete, 1 unchanged; secrets: 0 create, 1 update, 0 delete, 1 unchanged, 1 skip
Applied 1 change.
`,
    )
    assert.equal(
      result.stderr,
      'warning: hooks/cce.json: secrets.MISSING: _VALUE_NOT_SHOWN_ and not on the server: set its value in the files\n',
    )
    const [hook] = await serverState(app)
    assert.deepStrictEqual(hook?.secrets, { API_KEY: 'real-value', ROTATED: 'new' })
  })

  it('deletes hooks and secrets missing from the files only with --delete', async (t) => {
    const app = await listeningApp(t)
    await seedHook(
      app,
      { name: 'keep', triggerId: 'post-change-password', script: SCRIPT.post, enabled: false },
      { LISTED: 'a', UNLISTED: 'b' },
    )
    await seedHook(
      app,
      { name: 'extra', triggerId: 'post-change-password', script: SCRIPT.post, enabled: true },
      { S: 's' },
    )
    const dir = tempDir(t)
    writeTree(dir, {
      'tenant.yaml': `hooks:
  - name: keep
    script: ./hooks/keep.js
    triggerId: post-change-password
    enabled: true
    secrets:
      LISTED: _VALUE_NOT_SHOWN_
`,
      'hooks/keep.js': SCRIPT.post,
    })
    const before = await serverState(app)
    const dry = await run('import', [
      '--format',
      'yaml',
      '--in',
      dir,
      '--dry-run',
      ...app.connection,
    ])
    assert.equal(dry.code, 0, dry.stderr)
    assert.equal(
      dry.stdout,
      `hook extra (post-change-password): update (not in the files; --delete would remove it; the server disables it because "keep" is enabled for post-change-password)
hook keep (post-change-password): update (enabled)
  secret LISTED: unchanged
  secret UNLISTED: unchanged (not in the files; --delete would remove it)
hooks: 0 create, 2 update, 0 delete, 0 unchanged; secrets: 0 create, 0 update, 0 delete, 2 unchanged, 0 skip
Dry run: nothing was written.
`,
    )
    assert.deepStrictEqual(await serverState(app), before)

    const kept = await run('import', ['--format', 'yaml', '--in', dir, ...app.connection])
    assert.equal(kept.code, 0, kept.stderr)
    const afterKeep = await serverState(app)
    assert.deepStrictEqual(
      afterKeep.map((h) => [h.name, h.enabled, h.secrets]),
      [
        ['extra', false, { S: 's' }],
        ['keep', true, { LISTED: 'a', UNLISTED: 'b' }],
      ],
    )

    const deleted = await run('import', [
      '--format',
      'yaml',
      '--in',
      dir,
      '--delete',
      ...app.connection,
    ])
    assert.equal(deleted.code, 0, deleted.stderr)
    assert.equal(
      deleted.stdout,
      `hook extra (post-change-password): delete
hook keep (post-change-password): unchanged
  secret LISTED: unchanged
  secret UNLISTED: delete
hooks: 0 create, 0 update, 1 delete, 1 unchanged; secrets: 0 create, 0 update, 1 delete, 1 unchanged, 0 skip
Applied 2 changes.
`,
    )
    assert.deepStrictEqual(
      (await serverState(app)).map((h) => [h.name, h.enabled, h.secrets]),
      [['keep', true, { LISTED: 'a' }]],
    )
  })

  it('--dry-run only reads', async (t) => {
    const app = await listeningApp(t)
    const dir = tempDir(t)
    writeTree(dir, THREE_HOOKS)
    const result = await run('import', [
      '--format',
      'directory',
      '--in',
      dir,
      '--keywords',
      join(dir, 'keywords.json'),
      '--dry-run',
      ...app.connection,
    ])
    assert.equal(result.code, 0, result.stderr)
    assert.match(
      result.stdout,
      /hooks: 3 create, 0 update, 0 delete, 0 unchanged;.*\nDry run: nothing was written\.\n$/,
    )
    assert.deepStrictEqual(await serverState(app), [])
  })

  it('checks the whole input first: every problem names its file and field, and nothing is written', async (t) => {
    const app = await listeningApp(t)
    const root = tempDir(t)
    const dir = join(root, 'config')
    writeTree(root, { 'outside.js': SCRIPT.post })
    writeTree(dir, {
      'hooks/a-first.json': JSON.stringify({
        name: 'a-first',
        script: './ok.js',
        triggerId: 'credentials-exchange',
        enabled: true,
      }),
      'hooks/b-second.json': JSON.stringify({
        name: 'b-second',
        script: './ok.js',
        triggerId: 'credentials-exchange',
        enabled: true,
      }),
      'hooks/bad-trigger.json': JSON.stringify({
        name: 'bad-trigger',
        script: './ok.js',
        triggerId: 'on-login',
      }),
      'hooks/broken.json': '{ "name": ',
      'hooks/deps.json': JSON.stringify({
        name: 'deps',
        script: './ok.js',
        triggerId: 'post-change-password',
        dependencies: { lodash: 4 },
        secrets: { 'BAD NAME': 'x', EMPTY: '' },
      }),
      'hooks/escape.json': JSON.stringify({
        name: 'escape',
        script: '../../outside.js',
        triggerId: 'post-change-password',
      }),
      'hooks/extra.json': JSON.stringify({
        name: 'extra',
        script: './ok.js',
        triggerId: 'post-change-password',
        active: true,
      }),
      'hooks/missing.json': JSON.stringify({
        name: 'missing',
        script: './nope.js',
        triggerId: 'post-change-password',
      }),
      'hooks/short.json': JSON.stringify({ name: 'x', triggerId: 'post-change-password' }),
      'hooks/ok.js': SCRIPT.cce,
    })
    const result = await run('import', ['--format', 'directory', '--in', dir, ...app.connection])
    assert.equal(result.code, 1)
    assert.equal(result.stdout, '')
    assert.equal(
      result.stderr,
      `openhooks import: nothing was written; 11 problems:
  hooks/b-second.json: enabled: only one hook per extensibility point may be enabled, and "a-first" (hooks/a-first.json) already is for credentials-exchange
  hooks/bad-trigger.json: triggerId: must be one of credentials-exchange, pre-user-registration, post-user-registration, post-change-password, send-phone-message: "on-login"
  hooks/broken.json: is not valid JSON (it ends early)
  hooks/deps.json: dependencies.lodash: must be a string, not 4 (quote it)
  hooks/deps.json: secrets.BAD NAME: a secret name may only hold A-Z, a-z, 0-9, _ and -
  hooks/deps.json: secrets.EMPTY: must not be empty (use _VALUE_NOT_SHOWN_ to keep the server's value)
  hooks/escape.json: script: ../../outside.js leads outside the folder ${dir}
  hooks/extra.json: active: unknown field (a hook has name, script, triggerId, enabled, dependencies, secrets)
  hooks/missing.json: script: ./nope.js does not exist
  hooks/short.json: name: must be at least 3 letters, digits, spaces or hyphens, and start and end with a letter or digit: "x"
  hooks/short.json: script: is required: the path of the script file
`,
    )
    assert.deepStrictEqual(await serverState(app), [])
  })

  it('reports a missing script and a second enabled hook for the same point in one run', async (t) => {
    const app = await listeningApp(t)
    const dir = tempDir(t)
    writeTree(dir, {
      'hooks/a-first.json': JSON.stringify({
        name: 'a-first',
        script: './nope.js',
        triggerId: 'credentials-exchange',
        enabled: true,
      }),
      'hooks/b-second.json': JSON.stringify({
        name: 'b-second',
        script: './ok.js',
        triggerId: 'credentials-exchange',
        enabled: true,
      }),
      'hooks/ok.js': SCRIPT.cce,
    })
    const result = await run('import', ['--format', 'directory', '--in', dir, ...app.connection])
    assert.equal(result.code, 1)
    assert.equal(
      result.stderr,
      `openhooks import: nothing was written; 2 problems:
  hooks/a-first.json: script: ./nope.js does not exist
  hooks/b-second.json: enabled: only one hook per extensibility point may be enabled, and "a-first" (hooks/a-first.json) already is for credentials-exchange
`,
    )
    writeTree(dir, {
      'tenant.yaml': `hooks:
  - name: a-first
    triggerId: credentials-exchange
    enabled: true
  - name: b-second
    script: ./hooks/ok.js
    triggerId: credentials-exchange
    enabled: true
`,
    })
    const yaml = await run('import', ['--format', 'yaml', '--in', dir, ...app.connection])
    assert.equal(
      yaml.stderr,
      `openhooks import: nothing was written; 2 problems:
  tenant.yaml: hooks[0].script: is required: the path of the script file
  tenant.yaml: hooks[1].enabled: only one hook per extensibility point may be enabled, and "a-first" (tenant.yaml) already is for credentials-exchange
`,
    )
    assert.deepStrictEqual(await serverState(app), [])
  })

  it('reports an enabled hook whose script does not compile before writing anything; a disabled one imports (issue 18.7)', async (t) => {
    const app = await listeningApp(t)
    const dir = tempDir(t)
    const broken = 'module.exports = function (user, context, cb) {\n  cb(null, {})\n'
    writeTree(dir, {
      'hooks/a-claims.json': JSON.stringify({
        name: 'a-claims',
        script: './ok.js',
        triggerId: 'credentials-exchange',
        enabled: true,
      }),
      'hooks/ok.js': SCRIPT.cce,
      'hooks/b-broken.json': JSON.stringify({
        name: 'b-broken',
        script: './broken.js',
        triggerId: 'pre-user-registration',
        enabled: true,
      }),
      'hooks/c-draft.json': JSON.stringify({
        name: 'c-draft',
        script: './broken.js',
        triggerId: 'post-user-registration',
        enabled: false,
      }),
      'hooks/broken.js': broken,
    })
    const args = ['--format', 'directory', '--in', dir, ...app.connection]
    const result = await run('import', args)
    assert.equal(result.code, 1)
    assert.equal(
      result.stderr,
      `openhooks import: nothing was written; 1 problem:
  hooks/b-broken.json: script: does not compile, and an enabled hook must: Unexpected end of input [hook.js:3:1]; fix it, or import it with enabled: false
`,
    )
    assert.deepStrictEqual(await serverState(app), [])

    writeTree(dir, {
      'hooks/b-broken.json': JSON.stringify({
        name: 'b-broken',
        script: './broken.js',
        triggerId: 'pre-user-registration',
        enabled: false,
      }),
    })
    const again = await run('import', args)
    assert.equal(again.code, 0, again.stderr)
    assert.deepStrictEqual(
      (await serverState(app)).map((h) => [h.name, h.enabled]),
      [
        ['a-claims', true],
        ['b-broken', false],
        ['c-draft', false],
      ],
    )
  })

  it('reports YAML problems with the entry index, and a keywords file that is not a JSON object', async (t) => {
    const app = await listeningApp(t)
    const dir = tempDir(t)
    writeTree(dir, {
      'tenant.yaml': `hooks:
  - name: fine-hook
    script: ./hooks/fine.js
    triggerId: post-change-password
  - name: second-hook
    script: ./hooks/fine.js
    triggerId: pre-user-registration
    enabled: 'yes'
`,
      'hooks/fine.js': SCRIPT.post,
      'kw.json': '["not", "an", "object"]',
    })
    const result = await run('import', [
      '--format',
      'yaml',
      '--in',
      dir,
      '--keywords',
      join(dir, 'kw.json'),
      ...app.connection,
    ])
    assert.equal(result.code, 1)
    assert.equal(
      result.stderr,
      `openhooks import: nothing was written; 2 problems:
  ${join(dir, 'kw.json')}: must be a JSON object of keyword → value
  tenant.yaml: hooks[1].enabled: must be true or false
`,
    )
    writeTree(dir, { 'tenant.yaml': 'hooks:\n  - name: [unclosed\n' })
    const broken = await run('import', ['--format', 'yaml', '--in', dir, ...app.connection])
    assert.equal(broken.code, 1)
    assert.match(
      broken.stderr,
      /^openhooks import: nothing was written; \d+ problems?:\n {2}tenant\.yaml: is not valid YAML: /,
    )
    writeTree(dir, { 'tenant.yaml': 'rules: []\n' })
    const none = await run('import', ['--format', 'yaml', '--in', dir, ...app.connection])
    assert.equal(
      none.stderr,
      'warning: tenant.yaml: ignoring rules: openhooks imports only hooks\nopenhooks import: nothing was written; 1 problem:\n  tenant.yaml: hooks: not found: nothing to import (`hooks: []` means "no hooks")\n',
    )
    assert.deepStrictEqual(await serverState(app), [])
  })

  it("refuses to change a hook's triggerId, before writing anything", async (t) => {
    const app = await listeningApp(t)
    await seedHook(app, { name: 'moved', triggerId: 'post-change-password', script: SCRIPT.post })
    const dir = tempDir(t)
    writeTree(dir, {
      'hooks/new.json': JSON.stringify({
        name: 'brand-new',
        script: './s.js',
        triggerId: 'post-user-registration',
      }),
      'hooks/moved.json': JSON.stringify({
        name: 'moved',
        script: './s.js',
        triggerId: 'post-user-registration',
      }),
      'hooks/s.js': SCRIPT.post,
    })
    const result = await run('import', ['--format', 'directory', '--in', dir, ...app.connection])
    assert.equal(result.code, 1)
    assert.equal(
      result.stderr,
      `openhooks import: nothing was written; 1 problem:
  hooks/moved.json: triggerId: the hook "moved" on the server is a post-change-password hook, and a hook's triggerId cannot change; give this one another name, or delete that hook first
`,
    )
    assert.deepStrictEqual(
      (await serverState(app)).map((h) => h.name),
      ['moved'],
    )
  })

  it('matches by id first, so a hook can be renamed', async (t) => {
    const app = await listeningApp(t)
    const id = await seedHook(app, {
      name: 'old-name',
      triggerId: 'post-change-password',
      script: SCRIPT.post,
    })
    const dir = tempDir(t)
    writeTree(dir, {
      'hooks/new-name.json': JSON.stringify({
        id,
        name: 'new-name',
        script: './s.js',
        triggerId: 'post-change-password',
      }),
      'hooks/s.js': SCRIPT.post,
    })
    const result = await run('import', ['--format', 'directory', '--in', dir, ...app.connection])
    assert.equal(result.code, 0, result.stderr)
    assert.match(
      result.stdout,
      /^hook new-name \(post-change-password\): update \(name, enabled\)\n/,
    )
    assert.deepStrictEqual(
      (await serverState(app)).map((h) => h.name),
      ['new-name'],
    )
  })

  it('round-trips: files written by export import unchanged into another server', async (t) => {
    const source = await listeningApp(t)
    const dir = tempDir(t)
    writeTree(dir, THREE_HOOKS)
    const keywords = ['--keywords', join(dir, 'keywords.json')]
    assert.equal(
      (
        await run('import', [
          '--format',
          'directory',
          '--in',
          dir,
          ...keywords,
          ...source.connection,
        ])
      ).code,
      0,
    )
    const exported = tempDir(t)
    assert.equal(
      (await run('export', ['--format', 'directory', '--out', exported, ...source.connection]))
        .code,
      0,
    )
    const files = readTree(exported)
    const target = await listeningApp(t)
    const result = await run('import', [
      '--format',
      'directory',
      '--in',
      exported,
      ...target.connection,
    ])
    assert.equal(result.code, 0, result.stderr)
    const sourceState = await serverState(source)
    const targetState = await serverState(target)
    assert.deepStrictEqual(
      targetState,
      sourceState.map((h) => ({ ...h, secrets: {} })),
      'every secret is a placeholder, so none is created',
    )
    assert.equal(Object.keys(files).length, 6)
  })
})
