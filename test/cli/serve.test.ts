import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { commandMissing } from '../helpers/commands.js'
import { runCli, spawnServer } from '../helpers/spawn-server.js'

function tempDataDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'openhooks-cli-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function getToken(url: string, clientId: string, clientSecret: string, audience: string) {
  const res = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
      audience,
    }),
  })
  assert.equal(res.status, 200)
  return ((await res.json()) as { access_token: string }).access_token
}

/** Longest wait for a server's log line: for a server that misbehaves, not a slow machine. */
const LOG_WAIT_MS = 60_000

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + LOG_WAIT_MS
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not seen within ${LOG_WAIT_MS} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Requests of the log-gathering test: enough that a line per write would show. */
const LOGGED_REQUESTS = 200
/** Requests sent at once in that test. */
const LOGGED_BURST = 20

/** How long strace may take to attach to the server, or to stop and write its file, in ms. */
const STRACE_DEADLINE_MS = 15_000

/** A promise that rejects with `message` after `ms`, or resolves with `promise`. */
async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms))),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Records the write system calls of every thread of process `pid` with strace, from when it
 * resolves; `stop()` detaches and answers how many wrote to standard output (file descriptor 1).
 */
async function traceWrites(
  pid: number,
  t: { after(fn: () => void): void },
): Promise<{ stop(): Promise<number> }> {
  const dir = mkdtempSync(join(tmpdir(), 'openhooks-writes-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'trace.txt')
  const strace = spawn(
    'strace',
    ['-f', '-e', 'trace=write,writev,pwrite64', '-o', file, '-p', String(pid)],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  t.after(() => strace.kill('SIGKILL'))
  const exited = new Promise<void>((resolve) => strace.on('exit', () => resolve()))
  let stderr = ''
  await within(
    new Promise<void>((resolve) => {
      strace.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8')
        if (stderr.includes('attached')) resolve()
      })
    }),
    STRACE_DEADLINE_MS,
    `strace did not attach: ${stderr}`,
  )
  return {
    async stop() {
      strace.kill('SIGINT')
      await within(exited, STRACE_DEADLINE_MS, 'strace did not stop')
      return readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => /^\d+\s+(write|writev|pwrite64)\(1,/.test(line)).length
    },
  }
}

describe('openhooks serve', () => {
  it('generates the admin client and master key once, prints the secret once, and reuses them', async (t) => {
    const dataDir = tempDataDir(t)
    const first = await spawnServer({ OPENHOOKS_DATA_DIR: dataDir })
    t.after(() => first.child.kill('SIGKILL'))
    const port = new URL(first.url).port
    const saved = JSON.parse(readFileSync(join(dataDir, 'admin-client.json'), 'utf8')) as {
      client_id: string
      client_secret: string
    }
    assert.ok(first.stdout().includes(`client_secret: ${saved.client_secret}`))
    assert.equal(statSync(join(dataDir, 'admin-client.json')).mode & 0o777, 0o600)
    assert.equal(statSync(join(dataDir, 'master.key')).mode & 0o777, 0o600)
    // The database holds only a keyed hash of the secret.
    const db = readFileSync(join(dataDir, 'openhooks.db'))
    assert.ok(!db.includes(saved.client_secret))
    first.child.kill('SIGTERM')
    assert.equal(await first.exited, 0)

    const second = await spawnServer({ OPENHOOKS_DATA_DIR: dataDir, PORT: port })
    t.after(() => second.child.kill('SIGKILL'))
    assert.ok(!second.stdout().includes('client_secret'))
    const audience = `http://localhost:${port}/api/v2/`
    const token = await getToken(second.url, saved.client_id, saved.client_secret, audience)
    const hooks = await fetch(`${second.url}/api/v2/hooks`, {
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(hooks.status, 200)

    // `openhooks token` mints a working token from the data folder alone: without the server's
    // PORT, it takes the issuer the server recorded there (issue 18.1).
    assert.equal(statSync(join(dataDir, 'server.json')).mode & 0o777, 0o600)
    const cli = await runCli(['token', '--scope', 'read:hooks'], { OPENHOOKS_DATA_DIR: dataDir })
    assert.equal(cli.code, 0, cli.stderr)
    const minted = cli.stdout.trim()
    const read = await fetch(`${second.url}/api/v2/hooks`, {
      headers: { authorization: `Bearer ${minted}` },
    })
    assert.equal(read.status, 200)
    const write = await fetch(`${second.url}/api/v2/hooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${minted}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x1', script: 'x', triggerId: 'send-phone-message' }),
    })
    assert.equal(write.status, 403)
    second.child.kill('SIGTERM')
    assert.equal(await second.exited, 0)
  })

  it('openhooks token never creates a data folder: a missing one is an error naming OPENHOOKS_DATA_DIR', async (t) => {
    const cwd = tempDataDir(t)
    // Without the server's environment: the default ./data does not exist here.
    const bare = await runCli(['token'], {}, { cwd })
    assert.equal(bare.code, 1)
    assert.equal(bare.stdout, '')
    assert.match(bare.stderr, /OPENHOOKS_DATA_DIR: there is no openhooks data folder at .*\/data\./)
    assert.deepEqual(readdirSync(cwd), [])
    // A folder that exists but was never used by a server is not filled either.
    const empty = join(cwd, 'empty')
    mkdirSync(empty)
    const unused = await runCli(['token'], { OPENHOOKS_DATA_DIR: empty })
    assert.equal(unused.code, 1)
    assert.match(unused.stderr, /holds no openhooks database \(openhooks\.db\)/)
    assert.deepEqual(readdirSync(empty), [])
  })

  it('finishes an in-flight request on SIGTERM, then exits', async (t) => {
    const dataDir = tempDataDir(t)
    const server = await spawnServer({
      OPENHOOKS_DATA_DIR: dataDir,
      OPENHOOKS_ADMIN_CLIENT_ID: 'cid',
      OPENHOOKS_ADMIN_CLIENT_SECRET: 'a-long-enough-secret',
      OPENHOOKS_ISSUER: 'http://openhooks.test/',
      // The `incoming request` line, which says the server has the request, is a debug line.
      OPENHOOKS_LOG_LEVEL: 'debug',
    })
    t.after(() => server.child.kill('SIGKILL'))
    const { port } = new URL(server.url)
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'cid',
      client_secret: 'a-long-enough-secret',
      audience: 'http://openhooks.test/api/v2/',
    }).toString()
    // Send the headers and half the body, stop the server, then send the rest.
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/oauth/token',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = ''
          res.on('data', (c: Buffer) => (text += c.toString('utf8')))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
        },
      )
      req.on('error', reject)
      req.write(body.slice(0, 20))
      // In order, whatever the machine's speed: the server has the request, it is told to stop
      // and says it is stopping, then the rest of the body arrives.
      void (async () => {
        await until(() => server.stdout().includes('"msg":"incoming request"'))
        server.child.kill('SIGTERM')
        await until(() => server.stdout().includes('"event":"server.stopping"'))
        req.end(body.slice(20))
      })().catch(reject)
    })
    const answered = await response
    assert.equal(answered.status, 200, answered.body)
    assert.equal(await server.exited, 0)
    assert.match(server.stdout(), /"event":"server.stopping"/)
  })

  it('writes one server log line per request at info: the request, its status and time', async (t) => {
    const server = await spawnServer({ OPENHOOKS_DATA_DIR: tempDataDir(t) })
    t.after(() => server.child.kill('SIGKILL'))
    const response = await fetch(`${server.url}/healthz`)
    assert.equal(response.status, 200)
    const requestId = response.headers.get('x-request-id')
    assert.ok(requestId !== null)
    const lineFor = () =>
      server
        .stdout()
        .split('\n')
        .filter((line) => line.includes(requestId))
    // The line is written as the response is sent; the client may see the answer first.
    await until(() => lineFor().length > 0)
    server.child.kill('SIGTERM')
    assert.equal(await server.exited, 0)
    const lines = lineFor().map(
      (line) =>
        JSON.parse(line) as {
          msg: unknown
          level: unknown
          req: { method?: unknown; url?: unknown }
          res: unknown
          responseTime: unknown
        },
    )
    assert.equal(lines.length, 1, lineFor().join('\n'))
    const [line] = lines
    assert.ok(line !== undefined)
    assert.equal(line.msg, 'request completed')
    assert.equal(line.level, 30)
    assert.deepEqual(
      { method: line.req.method, url: line.req.url },
      { method: 'GET', url: '/healthz' },
    )
    assert.deepEqual(line.res, { statusCode: 200 })
    assert.equal(typeof line.responseTime, 'number')
  })

  it(
    'gathers server log lines into few writes, and writes them all',
    { skip: commandMissing('strace') },
    async (t) => {
      const server = await spawnServer({ OPENHOOKS_DATA_DIR: tempDataDir(t) })
      t.after(() => server.child.kill('SIGKILL'))
      const pid = server.child.pid
      assert.ok(pid !== undefined)
      const get = async (): Promise<string> => {
        const response = await fetch(`${server.url}/healthz`)
        assert.equal(response.status, 200)
        await response.arrayBuffer()
        const id = response.headers.get('x-request-id')
        assert.ok(id !== null)
        return id
      }
      await get()
      // The writes to standard output, the log's destination, of every thread of the server:
      // the process's own write counters also hold its sockets' writes, whose number varies
      // with the machine's load.
      const trace = await traceWrites(pid, t)
      const ids: string[] = []
      // In bursts, so that a burst's lines fall within one gathering delay even on a busy machine
      // (requests one at a time, each slower than the delay, would each be written alone).
      for (let sent = 0; sent < LOGGED_REQUESTS; sent += LOGGED_BURST) {
        ids.push(...(await Promise.all(Array.from({ length: LOGGED_BURST }, get))))
      }
      const written = await trace.stop()
      // A line per write would be one write per request.
      assert.ok(
        written < LOGGED_REQUESTS / 2,
        `${String(written)} writes to the log for ${String(LOGGED_REQUESTS)} requests`,
      )
      // None is lost: a clean stop writes what is still gathered.
      server.child.kill('SIGTERM')
      assert.equal(await server.exited, 0)
      const completed = server
        .stdout()
        .split('\n')
        .filter((line) => line.includes('"msg":"request completed"'))
        .map((line) => (JSON.parse(line) as { reqId: string }).reqId)
      for (const id of ids) assert.ok(completed.includes(id), `no line for request ${id}`)
    },
  )

  it('stops with every configuration problem listed', async () => {
    const result = await runCli(['serve'], { PORT: 'x', OPENHOOKS_LOG_LEVEL: 'loud' })
    assert.equal(result.code, 1)
    assert.equal(
      result.stderr,
      'Invalid configuration:\n  - PORT must be an integer\n  - OPENHOOKS_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent\n',
    )
  })

  it('answers unknown commands with the usage and exit code 2', async () => {
    const result = await runCli(['frobnicate'], {})
    assert.equal(result.code, 2)
    assert.match(result.stderr, /^Usage: openhooks <command>/)
  })
})
