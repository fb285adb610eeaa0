/**
 * `openhooks run`, `test` and `types` as a user runs them (issue 22): the real `bin/openhooks.js`
 * in its own process (dist/ rebuilt when stale), the real sandbox, and npm installing a hook's
 * dependencies from a registry on loopback (test/dependencies/fake-registry.ts), so that no test
 * needs the internet.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, describe, it, type TestContext } from 'node:test'
import { renderDirectoryFormat } from '../../src/cli/formats/directory.js'
import { startFakeRegistry, type FakeRegistry } from '../dependencies/fake-registry.js'
import { ensureBuiltCli } from '../helpers/built-cli.js'

/** Deadline of one command, in milliseconds (a deadline, not a speed bound). */
const COMMAND_TIMEOUT_MS = 180_000

interface Ran {
  readonly code: number | null
  readonly out: string
  readonly err: string
}

let bin = ''
let registry: FakeRegistry
let work = ''

function run(cwd: string, args: string[], env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: work,
        // Dependencies come from the registry on loopback and are cached inside this suite.
        OPENHOOKS_NPM_REGISTRY: registry.url,
        npm_config_cache: join(work, 'npm-cache'),
        XDG_CACHE_HOME: join(work, 'cache'),
        ...env,
      },
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(
        new Error(`openhooks ${args.join(' ')} ran over ${COMMAND_TIMEOUT_MS} ms:\n${out}\n${err}`),
      )
    }, COMMAND_TIMEOUT_MS)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, out, err })
    })
  })
}

function folder(t: TestContext, files: Record<string, string>): string {
  const dir = mkdtempSync(join(work, 'case-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), content)
  }
  return dir
}

const GREETS = `const greet = require('greet')
module.exports = function (client, scope, audience, context, cb) {
  cb(null, { scope, 'https://example.com/greeting': greet(client.name) })
}`
const DENIES = `module.exports = function (client, scope, audience, context, cb) {
  cb(new InvalidScopeError('no access for ' + client.name))
}`
const NEVER = 'module.exports = function (client, scope, audience, context, cb) {}'

before(async () => {
  bin = ensureBuiltCli()
  work = mkdtempSync(join(tmpdir(), 'openhooks-bin-'))
  registry = await startFakeRegistry([
    {
      name: 'greet',
      version: '1.2.0',
      files: { 'index.js': "module.exports = (name) => 'hello ' + name\n" },
    },
  ])
})
after(async () => {
  await registry.close()
  rmSync(work, { recursive: true, force: true })
})

describe('bin/openhooks.js run', () => {
  it('exit 0 with the result; exit 1 with the error; exit 1 for a hook that times out; exit 2 for bad usage', async (t) => {
    const dir = folder(t, {
      'deny.js': DENIES,
      'never.js': NEVER,
      'ok.js': GREETS.replace(/^.*\n/, '').replace('greet(client.name)', "'hi'"),
    })
    const ok = await run(dir, ['run', 'ok.js', '--trigger', 'credentials-exchange', '--json'])
    assert.equal(ok.code, 0, ok.err)
    const report = JSON.parse(ok.out) as { status: string; data: unknown }
    assert.deepEqual(
      [report.status, report.data],
      ['success', { scope: ['read:connections'], 'https://example.com/greeting': 'hi' }],
    )

    const denied = await run(dir, ['run', 'deny.js', '--trigger', 'credentials-exchange'])
    assert.equal(denied.code, 1, denied.err)
    assert.match(denied.out, /^Error \(\d+ ms\):\n/)
    assert.match(denied.out, /"message": "no access for client-name"/)

    const slow = await run(
      dir,
      ['run', 'never.js', '--trigger', 'credentials-exchange', '--json'],
      {
        OPENHOOKS_HOOK_TIMEOUT_MS: '300',
      },
    )
    assert.equal(slow.code, 1, slow.err)
    const timedOut = JSON.parse(slow.out) as { status: string; data: Record<string, unknown> }
    assert.equal(timedOut.status, 'error')
    assert.deepEqual([timedOut.data.limit, timedOut.data.limitMs], ['timeoutMs', 300])

    const usage = await run(dir, ['run', 'ok.js', '--trigger', 'login'])
    assert.equal(usage.code, 2)
    // (A warning about the Node.js line may come first: bin/openhooks.js checks it.)
    assert.match(usage.err, /^Unknown trigger "login"; use one of: /m)
    assert.match(usage.err, /Usage: openhooks run/)
  })

  it('installs and bundles the dependencies of a package.json beside the hook, and of --dependency', async (t) => {
    const dir = folder(t, {
      'greets.js': GREETS,
      'package.json': JSON.stringify({ name: 'my-hooks', dependencies: { greet: '^1.0.0' } }),
    })
    const res = await run(dir, ['run', 'greets.js', '--trigger', 'credentials-exchange', '--json'])
    assert.equal(res.code, 0, `${res.out}\n${res.err}`)
    const report = JSON.parse(res.out) as { status: string; data: Record<string, unknown> }
    assert.equal(report.data['https://example.com/greeting'], 'hello client-name')

    // Without a package.json the hook cannot find it …
    const bare = folder(t, { 'greets.js': GREETS })
    const missing = await run(bare, ['run', 'greets.js', '--trigger', 'credentials-exchange'])
    assert.equal(missing.code, 1)
    // … and with --dependency it can.
    const flagged = await run(bare, [
      'run',
      'greets.js',
      '--trigger',
      'credentials-exchange',
      '--dependency',
      'greet@1.2.0',
    ])
    assert.equal(flagged.code, 0, `${flagged.out}\n${flagged.err}`)
    assert.match(flagged.out, /"https:\/\/example\.com\/greeting": "hello client-name"/)
  })

  it("a dependency that cannot be resolved: the Management API's error body, as a save gets it; exit 1", async (t) => {
    const dir = folder(t, { 'greets.js': GREETS })
    const args = [
      'run',
      'greets.js',
      '--trigger',
      'credentials-exchange',
      '--dependency',
      'greet@^7.0.0',
    ]
    const res = await run(dir, [...args, '--json'])
    assert.equal(res.code, 1, res.err)
    assert.deepEqual(JSON.parse(res.out), {
      status: 'error',
      data: {
        statusCode: 400,
        error: 'Bad Request',
        message:
          "Payload validation error: 'greet@^7.0.0: no such version on the npm registry' on property dependencies.greet (Dependencies of this hook used by webtask server.).",
        errorCode: 'invalid_body',
      },
      logs: [],
    })
    const text = await run(dir, args)
    assert.equal(text.code, 1)
    assert.match(text.out, /^Error \(dependencies\):\n\{\n {2}"statusCode": 400,/)
  })
})

describe('bin/openhooks.js test', () => {
  it('a failing case with a readable diff, a file of bad JSON named with its position, the others still run; TAP; exit 1', async (t) => {
    const dir = folder(t, {
      'deny.js': DENIES,
      'a-denies.hook-test.json': JSON.stringify({
        hook: './deny.js',
        trigger: 'credentials-exchange',
        payload: { client: { name: 'Bob' } },
        expect: { error: { message: 'no access for Bob' } },
      }),
      'b-wrong.hook-test.json': JSON.stringify({
        hook: './deny.js',
        trigger: 'credentials-exchange',
        payload: { client: { name: 'Bob' } },
        expect: { error: { message: 'no access for Alice' } },
      }),
      'c-broken.hook-test.json': '{\n  "hook": "./deny.js",\n  "trigger": oops\n}\n',
      'd-after.hook-test.json': JSON.stringify({
        hook: './deny.js',
        trigger: 'credentials-exchange',
        expect: { error: { message: 'no access for client-name' } },
      }),
    })
    const spec = await run(dir, ['test'])
    assert.equal(spec.code, 1, spec.err)
    const lines = spec.out.split('\n')
    for (const line of [
      'pass a-denies.hook-test.json',
      'FAIL b-wrong.hook-test.json',
      'FAIL c-broken.hook-test.json',
      'pass d-after.hook-test.json',
      '4 tests, 2 passed, 2 failed',
    ]) {
      assert.ok(lines.includes(line), `${line}\n---\n${spec.out}`)
    }
    // The diff shows both sides, marked.
    assert.match(spec.out, /\+ {3}message: 'no access for Bob'\n/)
    assert.match(spec.out, /- {3}message: 'no access for Alice'\n/)
    assert.match(spec.out, /c-broken\.hook-test\.json: invalid JSON \(line 3, column 14\): /)

    const tap = await run(dir, ['test', '--reporter', 'tap'])
    assert.equal(tap.code, 1)
    assert.match(
      tap.out,
      /^TAP version 13\n1\.\.4\nok 1 - a-denies\.hook-test\.json\nnot ok 2 - b-wrong\.hook-test\.json\n {2}---\n/,
    )
    assert.match(tap.out, /\nnot ok 3 - c-broken\.hook-test\.json\n/)
    assert.match(tap.out, /\nok 4 - d-after\.hook-test\.json\n/)
    assert.match(tap.out, /\n# 4 tests, 2 passed, 2 failed\n$/)
  })

  it('tests an `openhooks export --format directory` layout in place, its dependencies from the metadata; exit 0', async (t) => {
    // The files the exporter writes for one hook, from its own renderer.
    const exported = renderDirectoryFormat([
      {
        name: 'greets',
        script: GREETS,
        dependencies: { greet: '1.2.0' },
        enabled: true,
        triggerId: 'credentials-exchange',
        secretNames: [],
      },
    ])
    const dir = folder(t, {
      ...Object.fromEntries(exported),
      'hooks/greets.hook-test.json': JSON.stringify({
        hook: './greets.js',
        trigger: 'credentials-exchange',
        payload: { client: { name: 'Ann' }, scope: ['read'] },
        expect: {
          status: 'success',
          data: { scope: ['read'], 'https://example.com/greeting': 'hello Ann' },
        },
      }),
    })
    assert.deepEqual(Object.keys(Object.fromEntries(exported)).sort(), [
      'hooks/greets.js',
      'hooks/greets.json',
    ])
    const res = await run(dir, ['test', '.', '--reporter', 'tap'])
    assert.equal(res.code, 0, `${res.out}\n${res.err}`)
    assert.equal(
      res.out,
      'TAP version 13\n1..1\nok 1 - hooks/greets.hook-test.json\n# 1 tests, 1 passed, 0 failed\n',
    )
  })
})

describe('bin/openhooks.js types', () => {
  it('writes the declarations; exit 2 without --out', async (t) => {
    const dir = folder(t, {})
    const res = await run(dir, ['types', '--out', 'types'])
    assert.equal(res.code, 0, res.err)
    assert.match(res.out, /^Wrote 5 declaration files to /)
    const usage = await run(dir, ['types'])
    assert.equal(usage.code, 2)
    assert.match(usage.err, /^--out is required\n\nUsage: openhooks types/m)
  })
})
