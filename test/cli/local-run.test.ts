/**
 * `openhooks run` and `openhooks test` (issue 22): hooks run on this machine in the real sandbox
 * (worker processes), with no server and no database. Commands run in-process with captured I/O.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { runWithUsage, type CliIo } from '../../src/cli/cli-io.js'
import { RUN_USAGE, runCommand } from '../../src/local/run-command.js'
import { TEST_USAGE, testCommand } from '../../src/local/test-command.js'

interface Captured {
  readonly code: number
  readonly out: string
  readonly err: string
}

function folder(t: TestContext, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'openhooks-local-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
  return dir
}

async function cli(
  command: 'run' | 'test',
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Captured> {
  let out = ''
  let err = ''
  const io: CliIo = {
    env,
    cwd,
    out: (text) => (out += text),
    err: (text) => (err += text),
  }
  const code = await runWithUsage(io, command === 'run' ? RUN_USAGE : TEST_USAGE, () =>
    command === 'run' ? runCommand(args, io) : testCommand(args, io),
  )
  return { code, out, err }
}

const ADD_CLAIMS = `module.exports = function (client, scope, audience, context, cb) {
  console.log('exchange for', client.name)
  cb(null, {
    scope: scope.concat(['extra']),
    'https://example.com/key': context.webtask.secrets.API_KEY,
    'https://example.com/audience': audience,
  })
}`
const DENIES = `module.exports = function (client, scope, audience, context, cb) {
  cb(new Error('no access for ' + client.name))
}`
const NEVER = 'module.exports = function (client, scope, audience, context, cb) {}'

describe('openhooks run', () => {
  it('runs a hook with the sample payload merged with --payload and secrets from a file: exit 0', async (t) => {
    const dir = folder(t, {
      'add-claims.js': ADD_CLAIMS,
      '.env': '# the hook secrets\nAPI_KEY="s3cr3t-value"\n',
    })
    const res = await cli('run', dir, [
      'add-claims.js',
      '--trigger',
      'credentials-exchange',
      '--payload',
      '{"audience":"https://api.example.com/","client":{"name":"Local"}}',
      '--secrets-file',
      '.env',
      '--json',
    ])
    assert.equal(res.code, 0, res.err)
    const report = JSON.parse(res.out) as {
      status: string
      data: Record<string, unknown>
      logs: { message: string }[]
    }
    assert.equal(report.status, 'success')
    // The sample payload's scope, the given audience; the secret value itself is redacted from
    // nothing here because it is only in the result, not the console output.
    assert.deepStrictEqual(report.data['https://example.com/audience'], 'https://api.example.com/')
    assert.equal(report.data['https://example.com/key'], 's3cr3t-value')
    assert.ok(Array.isArray(report.data.scope))
    assert.equal((report.data.scope as string[]).at(-1), 'extra')
    assert.deepStrictEqual(
      report.logs.map((l) => l.message),
      ['exchange for Local'],
    )
  })

  it('prints the error and exits 1 when the hook fails', async (t) => {
    const dir = folder(t, { 'deny.js': DENIES })
    const res = await cli('run', dir, ['deny.js', '--trigger', 'credentials-exchange'])
    assert.equal(res.code, 1, res.err)
    assert.match(res.out, /^Error \(\d+ ms\):\n/)
    assert.match(res.out, /"message": "no access for /)
  })

  it('stops a hook that never calls back at OPENHOOKS_HOOK_TIMEOUT_MS: exit 1', async (t) => {
    const dir = folder(t, { 'never.js': NEVER })
    const res = await cli('run', dir, ['never.js', '--trigger', 'credentials-exchange', '--json'], {
      OPENHOOKS_HOOK_TIMEOUT_MS: '300',
    })
    assert.equal(res.code, 1, res.err)
    const report = JSON.parse(res.out) as { status: string; data: Record<string, unknown> }
    assert.equal(report.status, 'error')
    assert.equal(report.data.limit, 'timeoutMs')
    assert.equal(report.data.limitMs, 300)
  })

  it('exits 2 with a clear message on bad usage', async (t) => {
    const dir = folder(t, { 'add-claims.js': ADD_CLAIMS })
    const cases: [string[], RegExp][] = [
      [['add-claims.js'], /^--trigger is required/],
      [['add-claims.js', '--trigger', 'login'], /^Unknown trigger "login"; use one of: /],
      [['missing.js', '--trigger', 'credentials-exchange'], /^Cannot read the hook .*ENOENT/],
      [
        ['add-claims.js', '--trigger', 'credentials-exchange', '--payload', '{nope'],
        /^--payload is not valid JSON: /,
      ],
      [
        ['add-claims.js', '--trigger', 'credentials-exchange', '--egress', 'everywhere'],
        /^--egress must be one of: public, allowlist, none/,
      ],
      [['add-claims.js', '--trigger', 'credentials-exchange', '--bogus'], /Unknown option/],
    ]
    for (const [args, message] of cases) {
      const res = await cli('run', dir, args)
      assert.equal(res.code, 2, `${args.join(' ')}: ${res.out}`)
      assert.match(res.err, message)
      assert.ok(res.err.includes('Usage: openhooks run'), 'the usage follows the message')
    }
  })
})

describe('openhooks test', () => {
  function files(): Record<string, string> {
    return {
      'add-claims.js': ADD_CLAIMS,
      'deny.js': DENIES,
      'a-pass.hook-test.json': JSON.stringify({
        hook: './add-claims.js',
        trigger: 'credentials-exchange',
        payload: { audience: 'https://api.example.com/', scope: ['read'] },
        secrets: { API_KEY: 'k' },
        expect: {
          status: 'success',
          data: {
            scope: ['read', 'extra'],
            'https://example.com/key': 'k',
            'https://example.com/audience': 'https://api.example.com/',
          },
        },
      }),
      'b-wrong.hook-test.json': JSON.stringify({
        hook: './add-claims.js',
        trigger: 'credentials-exchange',
        payload: { audience: 'https://api.example.com/', scope: ['read'] },
        secrets: { API_KEY: 'k' },
        expect: {
          status: 'success',
          data: {
            scope: ['read', 'more'],
            'https://example.com/key': 'k',
            'https://example.com/audience': 'https://api.example.com/',
          },
        },
      }),
      'c-broken.hook-test.json': '{\n  "hook": "./deny.js",\n  "trigger": oops\n}\n',
      'd-error.hook-test.json': JSON.stringify({
        hook: './deny.js',
        trigger: 'credentials-exchange',
        payload: { client: { name: 'Bob' } },
        expect: { error: { message: 'no access for Bob' } },
      }),
    }
  }

  it('runs every case, shows a readable diff and names a bad file with its position; exit 1', async (t) => {
    const dir = folder(t, files())
    const res = await cli('test', dir, [])
    assert.equal(res.code, 1, res.err)
    const lines = res.out.split('\n')
    assert.ok(lines.includes('pass a-pass.hook-test.json'), res.out)
    assert.ok(lines.includes('FAIL b-wrong.hook-test.json'), res.out)
    assert.ok(lines.includes('FAIL c-broken.hook-test.json'), res.out)
    // The case after the broken file still ran.
    assert.ok(lines.includes('pass d-error.hook-test.json'), res.out)
    assert.match(res.out, /the result differs:/)
    assert.match(res.out, /\+ actual - expected/)
    assert.match(res.out, /\+\s+'extra'/)
    assert.match(res.out, /-\s+'more'/)
    assert.match(res.out, /c-broken\.hook-test\.json: invalid JSON \(line 3, column 14\): /)
    assert.match(res.out, /\n4 tests, 2 passed, 2 failed\n$/)
  })

  it('speaks TAP with --reporter tap and exits 0 when every case passes', async (t) => {
    const all = files()
    const dir = folder(t, {
      'add-claims.js': all['add-claims.js'] ?? '',
      'deny.js': all['deny.js'] ?? '',
      'a-pass.hook-test.json': all['a-pass.hook-test.json'] ?? '',
      'd-error.hook-test.json': all['d-error.hook-test.json'] ?? '',
    })
    const res = await cli('test', dir, ['--reporter', 'tap'])
    assert.equal(res.code, 0, res.out + res.err)
    assert.equal(
      res.out,
      'TAP version 13\n1..2\nok 1 - a-pass.hook-test.json\nok 2 - d-error.hook-test.json\n# 2 tests, 2 passed, 0 failed\n',
    )
  })

  it('exits 2 for a folder without test files', async (t) => {
    const dir = folder(t, { 'x.js': ADD_CLAIMS })
    const res = await cli('test', dir, [])
    assert.equal(res.code, 2)
    assert.match(res.err, /^No \*\.hook-test\.json files under /)
  })
})
