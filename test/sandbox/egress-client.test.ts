/**
 * The worker's HTTP client (src/sandbox/egress-client.ts) used directly, without a worker or an
 * isolate: its connection pool bounds, the worker-wide budget of buffered response bytes, redirect
 * bodies, credential headers on cross-origin redirects and decompression bombs. Every server here
 * listens on 127.0.0.1 and is allowed by port; nothing else is reached.
 */
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import { after, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { gzipSync } from 'node:zlib'
import { createEgressClient } from '../../src/sandbox/egress-client.js'
import type { EgressClient, EgressClientLimits } from '../../src/sandbox/egress-client.js'
import type { EgressRequest, EgressResult } from '../../src/sandbox/egress-request.js'
import { compileEgressPolicy } from '../../src/sandbox/egress.js'

const MAX_RESPONSE_BYTES = 64 * 1024
/**
 * The policy's request timeout and the calls' deadline: a request to these local servers must not
 * reach it on a busy machine; tests of a shorter timeout set their own.
 */
const WAIT_MS = 60_000

interface TestServer {
  readonly port: number
  readonly server: Server
  /** Sockets the server accepted, open or closed. */
  readonly sockets: Socket[]
  /** Sockets currently open. */
  open(): number
}

const servers: Server[] = []
const clients: EgressClient[] = []

after(async () => {
  await Promise.all(clients.map((c) => c.close()))
  for (const server of servers) server.closeAllConnections()
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
})

async function startServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<TestServer> {
  const server = createServer(handler)
  servers.push(server)
  const sockets: Socket[] = []
  const live = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.push(socket)
    live.add(socket)
    socket.on('close', () => live.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    server,
    sockets,
    open: () => live.size,
  }
}

function clientFor(
  ports: readonly number[],
  limits?: Partial<EgressClientLimits>,
  maxResponseBytes = MAX_RESPONSE_BYTES,
): EgressClient {
  const policy = compileEgressPolicy({
    mode: 'allowlist',
    allow: ports.map((p) => `127.0.0.1:${p}`),
    requestTimeoutMs: WAIT_MS,
    maxResponseBytes,
  })
  const client = createEgressClient(policy, {
    keepAliveMaxMs: 10_000,
    connectionsPerOrigin: 8,
    maxOrigins: 32,
    bufferedBytesPerWorker: 96 * 1024 * 1024,
    ...limits,
  })
  clients.push(client)
  return client
}

function get(
  client: EgressClient,
  url: string,
  headers: [string, string][] = [],
  decompress = false,
  timeoutMs?: number,
): Promise<EgressResult> {
  const request: EgressRequest = {
    method: 'GET',
    url,
    headers,
    redirect: 'follow',
    decompress,
    timeoutMs,
    api: 'fetch',
  }
  return new Promise((resolve) => {
    client.start(request, undefined, Date.now() + WAIT_MS, () => undefined, resolve)
  })
}

function bodyOf(result: EgressResult): string {
  assert.ok(result.ok, result.ok ? '' : `${result.code}: ${result.message}`)
  return result.response.body.toString('utf8')
}

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (condition()) return true
    await sleep(20)
  }
  return condition()
}

describe('egress client start', () => {
  it('does not load undici when egress is off (OPENHOOKS_EGRESS=none)', async () => {
    const require = createRequire(import.meta.url)
    const agentPath = require.resolve('undici/lib/dispatcher/agent.js')
    assert.equal(require.cache[agentPath], undefined, 'undici was loaded before the test')
    const client = createEgressClient(compileEgressPolicy({ mode: 'none', allow: [] }))
    clients.push(client)
    await sleep(50)
    assert.equal(require.cache[agentPath], undefined)
  })
})

describe('connection pool bounds', () => {
  it('closes an idle connection after keepAliveMaxMs even when the server asks for 600 s', async () => {
    const target = await startServer((_req, res) => res.end('ok'))
    target.server.keepAliveTimeout = 600_000 // the server answers Keep-Alive: timeout=600
    const client = clientFor([target.port], { keepAliveMaxMs: 300 })
    assert.equal(bodyOf(await get(client, `http://127.0.0.1:${target.port}/`)), 'ok')
    assert.equal(target.sockets.length, 1)
    // Gone after about 300 ms; the bound leaves a busy machine room and is far short of 600 s.
    assert.ok(await until(() => target.open() === 0, WAIT_MS), 'the idle socket is still open')
  })

  it('opens at most connectionsPerOrigin sockets to one origin; the rest wait their turn', async () => {
    const target = await startServer((_req, res) => setTimeout(() => res.end('ok'), 100))
    const client = clientFor([target.port], { connectionsPerOrigin: 2 })
    const results = await Promise.all(
      Array.from({ length: 6 }, () => get(client, `http://127.0.0.1:${target.port}/`)),
    )
    assert.deepEqual(results.map(bodyOf), ['ok', 'ok', 'ok', 'ok', 'ok', 'ok'])
    assert.equal(target.sockets.length, 2)
  })

  it('refuses one origin more than maxOrigins with a coded error while the others are open', async () => {
    const targets = await Promise.all([1, 2, 3].map(() => startServer((_q, r) => r.end('ok'))))
    const ports = targets.map((t) => t.port)
    const client = clientFor(ports, { maxOrigins: 2 })
    assert.equal(bodyOf(await get(client, `http://127.0.0.1:${ports[0]}/`)), 'ok')
    assert.equal(bodyOf(await get(client, `http://127.0.0.1:${ports[1]}/`)), 'ok')
    const third = await get(client, `http://127.0.0.1:${ports[2]}/`)
    assert.deepEqual(third, {
      ok: false,
      code: 'EGRESS_TOO_MANY_ORIGINS',
      message:
        'the worker has connections open to 2 origins already (EGRESS_MAX_ORIGINS); retry once they close (within 10000 ms of idleness)',
    })
    assert.equal(targets[2]?.sockets.length, 0)
  })
})

describe('worker-wide budget of buffered response bytes', () => {
  it('fails a request that would go over it, and gives the bytes back when a request ends', async () => {
    const part = 'x'.repeat(60 * 1024)
    const target = await startServer((_req, res) => {
      res.write(part)
      setTimeout(() => res.end(), 300)
    })
    const client = clientFor([target.port], { bufferedBytesPerWorker: 100 * 1024 })
    const url = `http://127.0.0.1:${target.port}/`
    const [a, b] = await Promise.all([get(client, url), get(client, url)])
    const failed = [a, b].filter((r) => !r.ok)
    assert.equal([a, b].filter((r) => r.ok).length, 1)
    assert.deepEqual(failed, [
      {
        ok: false,
        code: 'EGRESS_BUFFER_FULL',
        message:
          'the worker holds too many response bytes at once (more than 102400 bytes, MAX_EGRESS_BUFFERED_BYTES_PER_WORKER); retry later',
      },
    ])
    // Both requests are over: the budget is whole again.
    assert.equal(bodyOf(await get(client, url)), part)
    assert.equal(bodyOf(await get(client, url)), part)
  })
})

describe('redirects', () => {
  it('does not read an endless redirect body: the next hop is followed', async () => {
    const target = await startServer((req, res) => {
      if (req.url === '/final') {
        res.end('final')
        return
      }
      res.writeHead(302, { location: '/final' })
      const chunk = 'r'.repeat(16 * 1024)
      const timer = setInterval(() => res.write(chunk), 5)
      res.on('close', () => clearInterval(timer))
    })
    const client = clientFor([target.port])
    const started = Date.now()
    const result = await get(client, `http://127.0.0.1:${target.port}/start`)
    assert.equal(bodyOf(result), 'final')
    assert.ok(Date.now() - started < WAIT_MS)
  })

  it('does not wait for a redirect body declared larger than the bound', async () => {
    const target = await startServer((req, res) => {
      if (req.url === '/final') {
        res.end('final')
        return
      }
      // Declares 16 MiB, sends one chunk and then nothing: reading it would wait for the timeout.
      res.writeHead(302, { location: '/final', 'content-length': String(16 * 1024 * 1024) })
      res.write('r'.repeat(1024))
    })
    const client = clientFor([target.port])
    assert.equal(bodyOf(await get(client, `http://127.0.0.1:${target.port}/start`)), 'final')
  })

  it('drops Authorization and Cookie on a redirect to another origin, keeps them on the same', async () => {
    const echo = (req: IncomingMessage, res: ServerResponse) => {
      res.end(
        JSON.stringify({
          authorization: req.headers.authorization ?? null,
          cookie: req.headers.cookie ?? null,
          other: req.headers['x-other'] ?? null,
        }),
      )
    }
    const other = await startServer(echo)
    const first = await startServer((req, res) => {
      if (req.url === '/echo') echo(req, res)
      else if (req.url === '/same') res.writeHead(302, { location: '/echo' }).end()
      else res.writeHead(307, { location: `http://127.0.0.1:${other.port}/echo` }).end()
    })
    const client = clientFor([first.port, other.port])
    const headers: [string, string][] = [
      ['Authorization', 'Bearer secret-token'],
      ['Cookie', 'session=abc'],
      ['X-Other', 'kept'],
    ]
    const cross = await get(client, `http://127.0.0.1:${first.port}/cross`, headers)
    assert.deepEqual(JSON.parse(bodyOf(cross)), {
      authorization: null,
      cookie: null,
      other: 'kept',
    })
    const same = await get(client, `http://127.0.0.1:${first.port}/same`, headers)
    assert.deepEqual(JSON.parse(bodyOf(same)), {
      authorization: 'Bearer secret-token',
      cookie: 'session=abc',
      other: 'kept',
    })
  })
})

describe('decompression', () => {
  it('a small gzip body that inflates past maxResponseBytes fails with the limit error', async () => {
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024))
    assert.ok(bomb.length < MAX_RESPONSE_BYTES)
    const target = await startServer((_req, res) => {
      res.setHeader('content-encoding', 'gzip')
      res.end(bomb)
    })
    const client = clientFor([target.port])
    const result = await get(client, `http://127.0.0.1:${target.port}/`, [], true)
    assert.deepEqual(result, {
      ok: false,
      code: 'ERR_RESPONSE_TOO_LARGE',
      message: `the decompressed response body is larger than ${MAX_RESPONSE_BYTES} bytes (maxResponseBytes)`,
    })
  })
})

describe('connect timeout', () => {
  it('a connection attempt ends with the request that waited for it, not after the policy timeout', async () => {
    // Accepts TCP and never answers the TLS handshake: the connection attempt hangs.
    const silent = createNetServer()
    const live = new Set<Socket>()
    silent.on('connection', (socket: Socket) => {
      live.add(socket)
      socket.resume() // reads the client's FIN, so that its close is seen
      socket.on('close', () => live.delete(socket))
    })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    after(() => {
      for (const socket of live) socket.destroy()
      silent.close()
    })
    const port = (silent.address() as AddressInfo).port
    const client = clientFor([port])
    const result = await get(client, `https://127.0.0.1:${port}/`, [], false, 200)
    assert.deepEqual(result, {
      ok: false,
      code: 'ETIMEDOUT',
      message: 'the request did not complete within 200 ms',
    })
    // The policy's timeout is WAIT_MS (60 s); the socket goes long before it (on a quiet machine
    // at once), not with it.
    assert.ok(
      await until(() => live.size === 0, WAIT_MS / 2),
      'the connection attempt is still open',
    )
  })
})
