import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, TEST_AUDIENCE } from '../helpers/build-test-app.js'
import { SCRIPT, listeningApp, readTree, run, seedHook, tempDir, writeTree } from './cli-helpers.js'

describe('openhooks export', () => {
  it('writes the directory format as a0deploy does, secrets as _VALUE_NOT_SHOWN_', async (t) => {
    const app = await listeningApp(t)
    await seedHook(
      app,
      {
        name: 'add-claims',
        triggerId: 'credentials-exchange',
        script: SCRIPT.cce,
        enabled: true,
        dependencies: { lodash: '4.17.21', uuid: '1.0' },
      },
      { B_KEY: 'b', A_KEY: 'a' },
    )
    await seedHook(app, {
      name: 'Pre Reg',
      triggerId: 'pre-user-registration',
      script: SCRIPT.pre,
      enabled: false,
    })
    const out = tempDir(t)
    const result = await run('export', ['--format', 'directory', '--out', out, ...app.connection])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stderr, '')
    assert.equal(
      result.stdout,
      `hooks/add-claims.js\nhooks/add-claims.json\nhooks/pre-reg.js\nhooks/pre-reg.json\nExported 2 hooks to ${out} (directory format).\n`,
    )
    assert.deepStrictEqual(readTree(out), {
      'hooks/add-claims.js': SCRIPT.cce,
      'hooks/add-claims.json': `{
  "name": "add-claims",
  "script": "./add-claims.js",
  "dependencies": {
    "lodash": "4.17.21",
    "uuid": "1.0"
  },
  "enabled": true,
  "triggerId": "credentials-exchange",
  "secrets": {
    "A_KEY": "_VALUE_NOT_SHOWN_",
    "B_KEY": "_VALUE_NOT_SHOWN_"
  }
}
`,
      'hooks/pre-reg.js': SCRIPT.pre,
      'hooks/pre-reg.json': `{
  "name": "pre-reg",
  "script": "./pre-reg.js",
  "dependencies": {},
  "enabled": false,
  "triggerId": "pre-user-registration",
  "secrets": {}
}
`,
    })
  })

  it('writes the YAML format as a0deploy does (js-yaml quoting, sorted keys)', async (t) => {
    const app = await listeningApp(t)
    await seedHook(
      app,
      {
        name: 'zeta',
        triggerId: 'post-change-password',
        script: SCRIPT.post,
        enabled: true,
        dependencies: { a: '1.0', b: '^2.1.0', c: 'yes' },
      },
      { TOKEN: 't' },
    )
    await seedHook(app, { name: 'alpha', triggerId: 'post-change-password', script: SCRIPT.post })
    const out = tempDir(t)
    const token = await app.token()
    const result = await run('export', ['--format', 'yaml', '--out', out, '--url', app.url], {
      env: { OPENHOOKS_TOKEN: token },
    })
    assert.equal(result.code, 0, result.stderr)
    assert.deepStrictEqual(readTree(out), {
      'hooks/alpha.js': SCRIPT.post,
      'hooks/zeta.js': SCRIPT.post,
      'tenant.yaml': `hooks:
  - name: alpha
    script: ./hooks/alpha.js
    dependencies: {}
    enabled: false
    secrets: {}
    triggerId: post-change-password
  - name: zeta
    script: ./hooks/zeta.js
    dependencies:
      a: '1.0'
      b: ^2.1.0
      c: 'yes'
    enabled: true
    secrets:
      TOKEN: _VALUE_NOT_SHOWN_
    triggerId: post-change-password
`,
    })
  })

  it('exports an empty server as an empty hooks folder and `hooks: []`', async (t) => {
    const app = await listeningApp(t)
    const dir = tempDir(t)
    const yaml = tempDir(t)
    assert.equal(
      (await run('export', ['--format', 'directory', '--out', dir, ...app.connection])).code,
      0,
    )
    assert.equal(
      (await run('export', ['--format', 'yaml', '--out', yaml, ...app.connection])).code,
      0,
    )
    assert.deepStrictEqual(readTree(dir), {})
    assert.deepStrictEqual(readTree(yaml), { 'tenant.yaml': 'hooks: []\n' })
    // And both import back as "no hooks".
    const again = await run('import', ['--format', 'directory', '--in', dir, ...app.connection])
    assert.equal(again.code, 0, again.stderr)
  })

  it('reads every page of a long list', async (t) => {
    const app = await listeningApp(t)
    for (let i = 0; i < 103; i++) {
      await seedHook(app, {
        name: `hook-${i}`,
        triggerId: 'post-user-registration',
        script: SCRIPT.post,
        enabled: false,
      })
    }
    const out = tempDir(t)
    const result = await run('export', ['--format', 'yaml', '--out', out, ...app.connection])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /Exported 103 hooks/)
    assert.equal(Object.keys(readTree(join(out, 'hooks'))).length, 103)
  })

  it('overwrites files of the same names and leaves other files alone', async (t) => {
    const app = await listeningApp(t)
    await seedHook(app, { name: 'one', triggerId: 'post-change-password', script: SCRIPT.post })
    const out = tempDir(t)
    writeTree(out, { 'hooks/one.js': 'old', 'rules/keep.js': 'keep' })
    assert.equal(
      (await run('export', ['--format', 'directory', '--out', out, ...app.connection])).code,
      0,
    )
    const tree = readTree(out)
    assert.equal(tree['hooks/one.js'], SCRIPT.post)
    assert.equal(tree['rules/keep.js'], 'keep')
  })

  it('answers usage problems with exit code 2 and the usage', async () => {
    for (const [args, message] of [
      [['--out', 'x', '--token', 't'], '--format is required: directory or yaml'],
      [
        ['--format', 'json', '--out', 'x', '--token', 't'],
        '--format must be directory or yaml, not json',
      ],
      [['--format', 'yaml', '--token', 't'], '--out DIR is required'],
      [['--format', 'yaml', '--out', 'x'], 'no credentials: give --client-id and --client-secret'],
      [
        ['--format', 'yaml', '--out', 'x', '--token', 't', '--url', 'ftp://x'],
        '--url must be an http or https URL: ftp://x',
      ],
      [['--format', 'yaml', '--out', 'x', '--bogus'], "Unknown option '--bogus'"],
    ] as const) {
      const result = await run('export', args)
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`)
      assert.equal(result.stdout, '')
      assert.ok(result.stderr.startsWith(message), result.stderr)
      assert.match(result.stderr, /Usage: openhooks export/)
    }
  })

  it('reports refused credentials and an unreachable server with exit code 1', async (t) => {
    const app = await listeningApp(t)
    const out = tempDir(t)
    const refused = await run('export', [
      '--format',
      'yaml',
      '--out',
      out,
      '--url',
      app.url,
      '--audience',
      TEST_AUDIENCE,
      '--client-id',
      ADMIN_CLIENT_ID,
      '--client-secret',
      'wrong-secret-0123456789',
    ])
    assert.equal(refused.code, 1)
    assert.equal(
      refused.stderr,
      'openhooks export: POST /oauth/token: 401 access_denied: Unauthorized\nNothing was written.\n',
    )
    assert.deepStrictEqual(readTree(out), {})

    // Reaching the server by another URL than its issuer needs --audience.
    const wrongAudience = await run(
      'export',
      ['--format', 'yaml', '--out', out, '--url', app.url],
      {
        env: { OPENHOOKS_CLIENT_ID: ADMIN_CLIENT_ID, OPENHOOKS_CLIENT_SECRET: ADMIN_CLIENT_SECRET },
      },
    )
    assert.equal(wrongAudience.code, 1)
    assert.match(
      wrongAudience.stderr,
      /^openhooks export: POST \/oauth\/token: 403 access_denied: .+ \(the audience must be the server's OPENHOOKS_ISSUER followed by api\/v2\/; see --audience\)\nNothing was written\.\n$/,
    )

    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const { port } = closed.address() as AddressInfo
    await new Promise((resolve) => closed.close(resolve))
    const down = await run('export', [
      '--format',
      'yaml',
      '--out',
      out,
      '--url',
      `http://127.0.0.1:${port}`,
      '--token',
      't',
    ])
    assert.equal(down.code, 1)
    assert.match(down.stderr, /GET \/api\/v2\/hooks: ECONNREFUSED/)
    assert.match(down.stderr, /\(gave up after 5 attempts\)\nNothing was written\.\n$/)
  })
})
