import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET, TEST_AUDIENCE } from '../helpers/build-test-app.js'
import {
  SCRIPT,
  faultyProxy,
  listeningApp,
  run,
  serverState,
  tempDir,
  writeTree,
  type Intercept,
} from './cli-helpers.js'

const HOOKS = {
  'hooks/alpha.json': JSON.stringify({
    name: 'alpha',
    script: './alpha.js',
    triggerId: 'credentials-exchange',
    enabled: true,
    secrets: { KEY: 'k' },
  }),
  'hooks/alpha.js': SCRIPT.cce,
  'hooks/beta.json': JSON.stringify({
    name: 'beta',
    script: './beta.js',
    triggerId: 'pre-user-registration',
    enabled: true,
    secrets: { PLAN: 'gold', REGION: 'eu' },
  }),
  'hooks/beta.js': SCRIPT.pre,
  'hooks/gamma.json': JSON.stringify({
    name: 'gamma',
    script: './gamma.js',
    triggerId: 'post-change-password',
  }),
  'hooks/gamma.js': SCRIPT.post,
}

const EXPECTED = [
  {
    name: 'alpha',
    triggerId: 'credentials-exchange',
    enabled: true,
    script: SCRIPT.cce,
    dependencies: {},
    secrets: { KEY: 'k' },
  },
  {
    name: 'beta',
    triggerId: 'pre-user-registration',
    enabled: true,
    script: SCRIPT.pre,
    dependencies: {},
    secrets: { PLAN: 'gold', REGION: 'eu' },
  },
  {
    name: 'gamma',
    triggerId: 'post-change-password',
    enabled: false,
    script: SCRIPT.post,
    dependencies: {},
    secrets: {},
  },
]

const connectionTo = (url: string) => [
  '--url',
  url,
  '--client-id',
  ADMIN_CLIENT_ID,
  '--client-secret',
  ADMIN_CLIENT_SECRET,
  '--audience',
  TEST_AUDIENCE,
]

async function throughProxy(t: Parameters<typeof listeningApp>[0], intercept: Intercept) {
  const app = await listeningApp(t)
  const proxy = await faultyProxy(t, app.url, intercept)
  const dir = tempDir(t)
  writeTree(dir, HOOKS)
  return { app, proxy, dir }
}

describe('openhooks import when the server fails', () => {
  it('waits out the rate limit (429 and X-RateLimit-Reset) and completes', async (t) => {
    const app = await listeningApp(t, {
      env: { OPENHOOKS_RATE_LIMIT_BURST: '3', OPENHOOKS_RATE_LIMIT_PER_SECOND: '2' },
    })
    const dir = tempDir(t)
    writeTree(dir, HOOKS)
    const result = await run('import', ['--format', 'directory', '--in', dir, ...app.connection])
    assert.equal(result.code, 0, result.stderr)
    assert.match(
      result.stderr,
      /^(GET|POST) \/api\/v2\/hooks\S*: 429 Global limit has been reached; retrying in [\d.]+ m?s \(attempt 2 of 5\)$/m,
    )
    assert.deepStrictEqual(await serverState(app), EXPECTED)
  })

  it('honours Retry-After, and retries a 503 even for a create', async (t) => {
    const { app, proxy, dir } = await throughProxy(t, (req, count) => {
      if (req.method === 'GET' && req.url?.startsWith('/api/v2/hooks?') === true && count === 1) {
        return {
          status: 429,
          headers: { 'retry-after': '0' },
          body: {
            statusCode: 429,
            error: 'Too Many Requests',
            message: 'Global limit has been reached',
          },
        }
      }
      if (req.method === 'POST' && req.url === '/api/v2/hooks' && count === 1) {
        return {
          status: 503,
          body: { statusCode: 503, error: 'Service Unavailable', message: 'closing' },
        }
      }
      return undefined
    })
    const result = await run('import', [
      '--format',
      'directory',
      '--in',
      dir,
      ...connectionTo(proxy.url),
    ])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(
      result.stderr,
      'GET /api/v2/hooks: 429 Global limit has been reached; retrying in 0 ms (attempt 2 of 5)\n' +
        'POST /api/v2/hooks: 503 closing; retrying in 5 ms (attempt 2 of 5)\n',
    )
    assert.deepStrictEqual(await serverState(app), EXPECTED)
  })

  it('repeats an update whose connection dropped (safe to repeat)', async (t) => {
    const app = await listeningApp(t)
    const dir = tempDir(t)
    writeTree(dir, HOOKS)
    assert.equal(
      (await run('import', ['--format', 'directory', '--in', dir, ...app.connection])).code,
      0,
    )
    writeTree(dir, { 'hooks/gamma.js': '// changed\n' + SCRIPT.post })
    const proxy = await faultyProxy(t, app.url, (req, count) =>
      req.method === 'PATCH' && /^\/api\/v2\/hooks\/\w+$/.test(req.url ?? '') && count === 1
        ? 'drop'
        : undefined,
    )
    const result = await run('import', [
      '--format',
      'directory',
      '--in',
      dir,
      ...connectionTo(proxy.url),
    ])
    assert.equal(result.code, 0, result.stderr)
    assert.match(
      result.stderr,
      /^PATCH \/api\/v2\/hooks\/\w+: .*; retrying in 5 ms \(attempt 2 of 5\)\n$/,
    )
    assert.equal(proxy.seen.filter((r) => /^PATCH \/api\/v2\/hooks\/\w+$/.test(r)).length, 2)
    assert.equal((await serverState(app))[2]?.script, '// changed\n' + SCRIPT.post)
  })

  it('does not repeat a create that failed with 500, and says what was and was not applied', async (t) => {
    const { app, proxy, dir } = await throughProxy(t, (req, count) =>
      req.method === 'POST' && req.url === '/api/v2/hooks' && count === 2
        ? {
            status: 500,
            body: { statusCode: 500, error: 'Internal Server Error', message: 'boom' },
          }
        : undefined,
    )
    const result = await run('import', [
      '--format',
      'directory',
      '--in',
      dir,
      ...connectionTo(proxy.url),
    ])
    assert.equal(result.code, 1)
    assert.equal(
      result.stderr,
      `openhooks import: failed: create hook beta: POST /api/v2/hooks: 500 boom
The server may or may not have applied "create hook beta"; run the import again (or with --dry-run) to see where things stand.
Applied (1):
  create hook alpha
Not applied (3):
  create hook gamma
  add secrets to alpha: KEY
  add secrets to beta: PLAN, REGION
`,
    )
    assert.equal(proxy.seen.filter((r) => r === 'POST /api/v2/hooks').length, 2)
    assert.deepStrictEqual(
      (await serverState(app)).map((h) => h.name),
      ['alpha'],
    )
    // Running it again finishes the job.
    const again = await run('import', [
      '--format',
      'directory',
      '--in',
      dir,
      ...connectionTo(app.url),
    ])
    assert.equal(again.code, 0, again.stderr)
    assert.deepStrictEqual(await serverState(app), EXPECTED)
  })

  it('does not repeat a create whose connection dropped', async (t) => {
    const { app, proxy, dir } = await throughProxy(t, (req) =>
      req.method === 'POST' && req.url === '/api/v2/hooks' ? 'drop' : undefined,
    )
    const result = await run('import', [
      '--format',
      'directory',
      '--in',
      dir,
      ...connectionTo(proxy.url),
    ])
    assert.equal(result.code, 1)
    assert.match(
      result.stderr,
      /^openhooks import: failed: create hook alpha: POST \/api\/v2\/hooks: /,
    )
    assert.match(result.stderr, /\nThe server may or may not have applied "create hook alpha";/)
    assert.match(result.stderr, /\nApplied \(0\):\nNot applied \(4\):\n {2}create hook beta\n/)
    assert.equal(proxy.seen.filter((r) => r === 'POST /api/v2/hooks').length, 1)
    assert.deepStrictEqual(await serverState(app), [])
  })

  it('gives up at once when the rate limit resets after the deadline, with nothing written', async (t) => {
    const farReset = String(Math.floor(Date.now() / 1000) + 3600)
    const { app, dir, proxy } = await throughProxy(t, (req) =>
      req.method === 'GET'
        ? {
            status: 429,
            headers: { 'x-ratelimit-reset': farReset },
            body: {
              statusCode: 429,
              error: 'Too Many Requests',
              message: 'Global limit has been reached',
            },
          }
        : undefined,
    )
    const result = await run('import', [
      '--format',
      'directory',
      '--in',
      dir,
      ...connectionTo(proxy.url),
    ])
    assert.equal(result.code, 1)
    assert.match(
      result.stderr,
      /^openhooks import: GET \/api\/v2\/hooks: 429 Global limit has been reached \(gave up after 1 attempt: the next would start in 3\d{3}\.\d s, past the 10\.0 s deadline\)\nNothing was written\.\n$/,
    )
    assert.deepStrictEqual(await serverState(app), [])
  })
})
