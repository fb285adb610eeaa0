/**
 * `fetch` inside the isolate, made by the worker under the egress policy (issue 9, docs/egress.md):
 * HTTP and HTTPS to servers this test starts on 127.0.0.1 and allows, redirects, timeouts, size
 * limits, the per-call request limit, the call's log lines, and refusals of loopback destinations
 * that are not allowed. Nothing here sends traffic anywhere but to these servers.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import type { HookRunner, RunOutcome } from '../../src/sandbox/runner.js'
import { makeCertificate } from '../helpers/tls-certificate.js'
import { expectKind, ROOMY_LIMITS, runScript, startTestRunner } from './sandbox-helpers.js'

/**
 * The request deadline of the runner most tests use: a request to these local servers must not be
 * ended by it on a busy machine (at a load average of 30 on two cores, an HTTPS request through the
 * worker took over 1.5 s), so it is as roomy as the call's own limit.
 */
const ROOMY_REQUEST_TIMEOUT_MS = ROOMY_LIMITS.timeoutMs ?? 60_000
/**
 * The request deadline under test, on a runner of its own whose only request goes to a server that
 * never answers: however slow the machine, that request outlives it.
 */
const REQUEST_TIMEOUT_MS = 500
const MAX_RESPONSE_BYTES = 64 * 1024
const MAX_REQUESTS = 5

let httpPort = 0
let httpsPort = 0
let forbiddenPort = 0
let forbiddenHits = 0
const servers: Server[] = []
let allowed: HookRunner
let publicRunner: HookRunner
const certDir = mkdtempSync(join(tmpdir(), 'openhooks-fetch-'))

function handler(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x')
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    const raw = Buffer.concat(chunks)
    const body = raw.toString('utf8')
    switch (url.pathname) {
      case '/hex':
        res.end(raw.toString('hex'))
        return
      case '/json':
        res.setHeader('content-type', 'application/json')
        res.setHeader('x-reply', 'yes')
        res.end(
          JSON.stringify({
            method: req.method,
            path: req.url,
            body,
            test: req.headers['x-test'] ?? null,
            contentType: req.headers['content-type'] ?? null,
            authorization: req.headers.authorization ?? null,
          }),
        )
        return
      case '/redirect':
        res.writeHead(302, { location: '/json?from=redirect' })
        res.end()
        return
      case '/redirect-out':
        res.writeHead(307, { location: `http://127.0.0.1:${forbiddenPort}/json` })
        res.end()
        return
      case '/slow':
        return // never answers; the client's timeout or abort ends it
      case '/big':
        res.end('x'.repeat(MAX_RESPONSE_BYTES + 1))
        return
      case '/bom':
        res.setHeader('content-type', 'application/json; charset=utf-8')
        res.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"bom":"é"}')]))
        return
      case '/raw':
        res.end(Buffer.from(url.searchParams.get('hex') ?? '', 'hex'))
        return
      case '/gzip':
        res.setHeader('content-encoding', 'gzip')
        res.end(gzipSync(JSON.stringify({ zipped: true })))
        return
      default:
        res.writeHead(404)
        res.end('not found')
    }
  })
}

function listen(server: Server): Promise<number> {
  servers.push(server)
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve((server.address() as AddressInfo).port)
    })
  })
}

before(async () => {
  const tls = makeCertificate(certDir)
  const certPem = readFileSync(tls.cert, 'utf8')
  httpPort = await listen(createServer(handler))
  httpsPort = await listen(
    createHttpsServer({ cert: certPem, key: readFileSync(tls.key, 'utf8') }, handler),
  )
  forbiddenPort = await listen(
    createServer((_req, res) => {
      forbiddenHits++
      res.end('reached')
    }),
  )
  allowed = await startTestRunner({
    poolSize: 1,
    egress: {
      mode: 'allowlist',
      allow: [`127.0.0.1:${httpPort}`, `127.0.0.1:${httpsPort}`],
      requestTimeoutMs: ROOMY_REQUEST_TIMEOUT_MS,
      maxResponseBytes: MAX_RESPONSE_BYTES,
      maxRequestsPerCall: MAX_REQUESTS,
      extraCaPem: [certPem],
    },
  })
  publicRunner = await startTestRunner({ poolSize: 1, egress: { mode: 'public', allow: [] } })
})

after(async () => {
  await allowed.close()
  await publicRunner.close()
  for (const server of servers) server.closeAllConnections()
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  rmSync(certDir, { recursive: true, force: true })
})

function run(runner: HookRunner, body: string): Promise<RunOutcome> {
  return runScript(
    runner,
    `module.exports = async function (user, context, cb) { try { ${body} } catch (e) { cb(null, { error: e.name + ': ' + e.message, cause: e.cause && e.cause.code }) } }`,
  )
}

function messages(outcome: RunOutcome): string[] {
  return outcome.logs.map((l) => l.message)
}

describe('fetch to an allowed server', () => {
  it('GET over HTTP: status, headers and JSON body; one log line without query or headers', async () => {
    const outcome = await run(
      allowed,
      `const r = await fetch('http://127.0.0.1:${httpPort}/json?token=s3cr3t', { headers: { 'x-test': 'one', authorization: 'Bearer hidden-value' } })
       cb(null, { status: r.status, ok: r.ok, type: r.headers.get('content-type'), reply: r.headers.get('x-reply'), json: await r.json(), used: r.bodyUsed })`,
    )
    assert.deepEqual(expectKind(outcome, 'ok').value, {
      status: 200,
      ok: true,
      type: 'application/json',
      reply: 'yes',
      json: {
        method: 'GET',
        path: '/json?token=s3cr3t',
        body: '',
        test: 'one',
        contentType: null,
        authorization: 'Bearer hidden-value',
      },
      used: true,
    })
    const lines = messages(outcome)
    assert.equal(lines.length, 1)
    assert.match(
      lines[0] ?? '',
      new RegExp(
        `^\\[openhooks\\] fetch GET 127\\.0\\.0\\.1:${httpPort} /json → 200 \\(\\d+ ms\\)$`,
      ),
    )
    assert.ok(!lines.join('\n').includes('s3cr3t'))
    assert.ok(!lines.join('\n').includes('hidden-value'))
  })

  it('POST with a JSON string body and a URLSearchParams body', async () => {
    const outcome = await run(
      allowed,
      `const a = await (await fetch('http://127.0.0.1:${httpPort}/json', { method: 'post', body: JSON.stringify({ n: 1, s: 'é' }), headers: { 'content-type': 'application/json' } })).json()
       const b = await (await fetch(new Request('http://127.0.0.1:${httpPort}/json', { method: 'PUT', body: new URLSearchParams({ a: 'x y', b: '&' }) }))).json()
       cb(null, [a.method, a.body, a.contentType, b.method, b.body, b.contentType])`,
    )
    assert.deepEqual(expectKind(outcome, 'ok').value, [
      'POST',
      '{"n":1,"s":"é"}',
      'application/json',
      'PUT',
      'a=x+y&b=%26',
      'application/x-www-form-urlencoded;charset=UTF-8',
    ])
  })

  it('POST with binary bodies: every byte value, a view into a larger buffer, a Blob', async () => {
    const outcome = await run(
      allowed,
      `const all = new Uint8Array(256); for (let i = 0; i < 256; i++) all[i] = i
       const post = async (body) => (await fetch('http://127.0.0.1:${httpPort}/hex', { method: 'POST', body })).text()
       cb(null, [await post(all), await post(all.subarray(250, 253)), await post(new Blob([all.subarray(0, 2), 'é']))])`,
    )
    const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('hex')
    assert.deepEqual(expectKind(outcome, 'ok').value, [every, 'fafbfc', '0001c3a9'])
  })

  it('a body in a SharedArrayBuffer is sent as it was when handed over', async () => {
    // isolated-vm shares a SharedArrayBuffer instead of copying it; the worker copies it.
    const outcome = await run(
      allowed,
      `const request = require('request')
       const b = Buffer.from(new SharedArrayBuffer(4))
       b.write('aaaa')
       request.post({ url: 'http://127.0.0.1:${httpPort}/hex', body: b }, (err, response, body) => {
         if (err) return cb(err)
         cb(null, body)
       })
       b.write('bbbb')`,
    )
    assert.equal(expectKind(outcome, 'ok').value, Buffer.from('aaaa').toString('hex'))
  })

  it('HTTPS to a server whose certificate the runner was told to trust', async () => {
    const outcome = await run(
      allowed,
      `const r = await fetch('https://127.0.0.1:${httpsPort}/json', { method: 'DELETE' })
       cb(null, { status: r.status, url: r.url, method: (await r.json()).method })`,
    )
    assert.deepEqual(expectKind(outcome, 'ok').value, {
      status: 200,
      url: `https://127.0.0.1:${httpsPort}/json`,
      method: 'DELETE',
    })
  })

  it('follows a redirect, each hop checked and logged', async () => {
    const outcome = await run(
      allowed,
      `const r = await fetch('http://127.0.0.1:${httpPort}/redirect')
       cb(null, { redirected: r.redirected, url: r.url, path: (await r.json()).path })`,
    )
    assert.deepEqual(expectKind(outcome, 'ok').value, {
      redirected: true,
      url: `http://127.0.0.1:${httpPort}/json?from=redirect`,
      path: '/json?from=redirect',
    })
    assert.equal(messages(outcome).length, 2)
    assert.match(messages(outcome)[0] ?? '', / \/redirect → 302 /)
    assert.match(messages(outcome)[1] ?? '', / \/json → 200 /)
  })

  it("redirect: 'manual' returns the 3xx", async () => {
    const outcome = await run(
      allowed,
      `const r = await fetch('http://127.0.0.1:${httpPort}/redirect', { redirect: 'manual' })
       cb(null, [r.status, r.headers.get('location')])`,
    )
    assert.deepEqual(expectKind(outcome, 'ok').value, [302, '/json?from=redirect'])
  })

  it('decompresses a gzip response', async () => {
    const outcome = await run(
      allowed,
      `cb(null, await (await fetch('http://127.0.0.1:${httpPort}/gzip')).json())`,
    )
    assert.deepEqual(expectKind(outcome, 'ok').value, { zipped: true })
  })
})

describe('a body that starts with a UTF-8 byte order mark', () => {
  it('json() and text() drop the BOM; arrayBuffer() keeps its three bytes', async () => {
    const url = `http://127.0.0.1:${httpPort}/bom`
    const outcome = await run(
      allowed,
      `const json = await (await fetch('${url}')).json()
       const text = await (await fetch('${url}')).text()
       const bytes = new Uint8Array(await (await fetch('${url}')).arrayBuffer())
       cb(null, { json, text, first: Array.from(bytes.slice(0, 3)), length: bytes.length })`,
    )
    assert.deepEqual(expectKind(outcome, 'ok').value, {
      json: { bom: 'é' },
      text: '{"bom":"é"}',
      first: [0xef, 0xbb, 0xbf],
      length: 3 + Buffer.byteLength('{"bom":"é"}'),
    })
  })
})

describe('response bodies of every size and encoding reach the hook byte for byte', () => {
  // A short UTF-8 body crosses into the isolate as its text alone and the isolate encodes its bytes
  // again (EGRESS_TEXT_ONLY_BODY_BYTES in src/sandbox/worker/callbacks.ts); a longer or non-UTF-8
  // one crosses as bytes. Every reader must see the bytes the server sent, on both paths.
  const bodies: Record<string, Buffer> = {
    'one byte': Buffer.from('a'),
    'two-, three- and four-byte characters': Buffer.from('é€😀 ok'),
    'a byte order mark and a NUL': Buffer.from('\uFEFF{"a":"\u0000"}'),
    'at the text-only bound (1,024 bytes)': Buffer.from('x'.repeat(1020) + '😀'),
    'one byte over it': Buffer.from('x'.repeat(1021) + '😀'),
    'short and not UTF-8': Buffer.from([0xff, 0xfe, 0x41, 0xc3]),
  }
  for (const [name, body] of Object.entries(bodies)) {
    it(name, async () => {
      const url = `http://127.0.0.1:${httpPort}/raw?hex=${body.toString('hex')}`
      const outcome = await run(
        allowed,
        `const hex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, '0')).join('')
         const r = await fetch('${url}')
         const copies = [r.clone(), r.clone(), r.clone(), r.clone()]
         const out = {}
         out.arrayBuffer = hex(new Uint8Array(await r.arrayBuffer()))
         out.bytes = hex(await copies[0].bytes())
         out.blob = hex(new Uint8Array(await (await copies[1].blob()).arrayBuffer()))
         const reader = copies[2].body.getReader()
         const chunks = []
         for (;;) { const { done, value } = await reader.read(); if (done) break; chunks.push(hex(value)) }
         out.stream = chunks.join('')
         out.text = await copies[3].text()
         out.http = await new Promise((resolve, reject) => {
           require('http').get('${url}', (res) => {
             const parts = []
             res.on('data', (chunk) => parts.push(chunk))
             res.on('end', () => resolve(Buffer.concat(parts).toString('hex')))
           }).on('error', reject)
         })
         cb(null, out)`,
      )
      const expected = body.toString('hex')
      const text = new TextDecoder().decode(body)
      assert.deepEqual(expectKind(outcome, 'ok').value, {
        arrayBuffer: expected,
        bytes: expected,
        blob: expected,
        stream: expected,
        text,
        http: expected,
      })
    })
  }
})

describe('fetch limits', () => {
  it('a redirect from an allowed server to a port that is not allowed is refused', async () => {
    const hitsBefore = forbiddenHits
    const outcome = await run(allowed, `await fetch('http://127.0.0.1:${httpPort}/redirect-out')`)
    const reason = `127.0.0.1:${forbiddenPort} (127.0.0.1) is not in OPENHOOKS_EGRESS_ALLOW (OPENHOOKS_EGRESS=allowlist)`
    assert.deepEqual(expectKind(outcome, 'ok').value, {
      error: `TypeError: fetch failed: [openhooks] egress refused: ${reason}`,
      cause: 'EGRESS_REFUSED',
    })
    assert.equal(
      messages(outcome)[1],
      `[openhooks] fetch GET 127.0.0.1:${forbiddenPort} /json refused: ${reason}`,
    )
    assert.equal(forbiddenHits, hitsBefore)
  })

  it('a request that takes too long fails after the timeout', async () => {
    const short = await startTestRunner({
      poolSize: 1,
      egress: {
        mode: 'allowlist',
        allow: [`127.0.0.1:${httpPort}`],
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
      },
    })
    try {
      const started = Date.now()
      const outcome = await run(short, `await fetch('http://127.0.0.1:${httpPort}/slow')`)
      assert.deepEqual(expectKind(outcome, 'ok').value, {
        error: `TypeError: fetch failed: the request did not complete within ${REQUEST_TIMEOUT_MS} ms`,
        cause: 'ETIMEDOUT',
      })
      // A lower bound only: the deadline never ends a request early; how late it ends one is the
      // machine's business.
      assert.ok(Date.now() - started >= REQUEST_TIMEOUT_MS)
    } finally {
      await short.close()
    }
  })

  it('an oversized response fails', async () => {
    const outcome = await run(allowed, `await fetch('http://127.0.0.1:${httpPort}/big')`)
    assert.deepEqual(expectKind(outcome, 'ok').value, {
      error: `TypeError: fetch failed: the response body is larger than ${MAX_RESPONSE_BYTES} bytes (maxResponseBytes)`,
      cause: 'ERR_RESPONSE_TOO_LARGE',
    })
  })

  it('AbortController cancels a request', async () => {
    const outcome = await run(
      allowed,
      `const c = new AbortController(); setTimeout(() => c.abort(), 20)
       await fetch('http://127.0.0.1:${httpPort}/slow', { signal: c.signal })`,
    )
    assert.deepEqual(expectKind(outcome, 'ok').value, {
      error: 'AbortError: This operation was aborted',
    })
  })

  it('a call may make at most maxRequestsPerCall requests', async () => {
    const outcome = await run(
      allowed,
      `const statuses = []
       try { for (let i = 0; i < ${MAX_REQUESTS + 1}; i++) statuses.push((await fetch('http://127.0.0.1:${httpPort}/json')).status) }
       catch (e) { cb(null, { statuses, error: e.message }); return }
       cb(null, { statuses })`,
    )
    assert.deepEqual(expectKind(outcome, 'ok').value, {
      statuses: [200, 200, 200, 200, 200],
      error: `[openhooks] this call made more than ${MAX_REQUESTS} outbound requests (maxRequestsPerCall)`,
    })
  })
})

describe('refusals of loopback destinations that are not allowed', () => {
  const cases: [string, string, string][] = [
    ['127.0.0.1', 'http://127.0.0.1:PORT/json', 'loopback address (127.0.0.1)'],
    [
      'localhost (a name that resolves to loopback)',
      'http://localhost:PORT/json',
      'loopback address',
    ],
    ['[::1]', 'http://[::1]:PORT/json', 'loopback address (::1)'],
    ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data/', 'metadata address'],
    ['a private address', 'http://10.0.0.1:PORT/', 'private address (10.0.0.1)'],
  ]
  for (const [name, template, reason] of cases) {
    it(`public mode refuses ${name}, in the error and in the logs`, async () => {
      const url = template.replace('PORT', String(httpPort))
      const outcome = await run(publicRunner, `await fetch('${url}')`)
      const value = expectKind(outcome, 'ok').value as { error: string; cause: string }
      assert.equal(value.cause, 'EGRESS_REFUSED')
      assert.match(value.error, /^TypeError: fetch failed: \[openhooks\] egress refused: /)
      assert.ok(value.error.includes(reason), value.error)
      assert.ok(value.error.endsWith('add it to OPENHOOKS_EGRESS_ALLOW to allow it'))
      assert.equal(messages(outcome).length, 1)
      assert.match(messages(outcome)[0] ?? '', / refused: /)
      assert.ok((messages(outcome)[0] ?? '').includes(reason))
    })
  }

  it('the test runner with an empty allow list refuses its own loopback server', async () => {
    const runner = await startTestRunner({ poolSize: 1 })
    try {
      const outcome = await run(runner, `await fetch('http://localhost:${httpPort}/json')`)
      const value = expectKind(outcome, 'ok').value as { error: string; cause: string }
      assert.equal(value.cause, 'EGRESS_REFUSED')
      // Refused by name, before localhost is resolved.
      assert.equal(
        value.error,
        `TypeError: fetch failed: [openhooks] egress refused: localhost:${httpPort} is not in OPENHOOKS_EGRESS_ALLOW (OPENHOOKS_EGRESS=allowlist)`,
      )
    } finally {
      await runner.close()
    }
  })

  it('allowlist refuses an unlisted name before any DNS lookup: a name that cannot resolve gets the refusal, not ENOTFOUND (issue 18, item 9)', async () => {
    // `.invalid` never resolves (RFC 6761); a lookup would end in getaddrinfo ENOTFOUND or EAI_AGAIN.
    const outcome = await run(
      allowed,
      `await fetch('http://crm.openhooks-test.invalid/contacts', { method: 'POST', body: '{}' })`,
    )
    assert.deepStrictEqual(expectKind(outcome, 'ok').value, {
      error:
        'TypeError: fetch failed: [openhooks] egress refused: crm.openhooks-test.invalid:80 is not in OPENHOOKS_EGRESS_ALLOW (OPENHOOKS_EGRESS=allowlist)',
      cause: 'EGRESS_REFUSED',
    })
    assert.deepStrictEqual(messages(outcome), [
      '[openhooks] fetch POST crm.openhooks-test.invalid /contacts refused: crm.openhooks-test.invalid:80 is not in OPENHOOKS_EGRESS_ALLOW (OPENHOOKS_EGRESS=allowlist)',
    ])
  })
})

describe('http, https and request over the same egress path', () => {
  it('https.request with write/end, response events and headers', async () => {
    const outcome = await run(
      allowed,
      `const https = require('https')
       const req = https.request({ hostname: '127.0.0.1', port: ${httpsPort}, path: '/json?x=1', method: 'POST', headers: { 'content-type': 'text/plain', 'x-test': 'h' } }, (res) => {
         let text = ''
         res.setEncoding('utf8')
         res.on('data', (chunk) => { text += chunk })
         res.on('end', () => cb(null, { status: res.statusCode, reply: res.headers['x-reply'], json: JSON.parse(text) }))
       })
       req.on('error', (e) => cb(e))
       req.write('part one, ')
       req.end(Buffer.from('part two'))`,
    )
    assert.deepEqual(expectKind(outcome, 'ok').value, {
      status: 200,
      reply: 'yes',
      json: {
        method: 'POST',
        path: '/json?x=1',
        body: 'part one, part two',
        test: 'h',
        contentType: 'text/plain',
        authorization: null,
      },
    })
    assert.match(
      messages(outcome)[0] ?? '',
      /^\[openhooks\] https POST 127\.0\.0\.1:\d+ \/json → 200 /,
    )
  })

  it('http.get does not follow redirects; errors arrive as error events', async () => {
    const outcome = await run(
      allowed,
      `const http = require('node:http')
       http.get('http://127.0.0.1:${httpPort}/redirect', (res) => {
         res.resume()
         http.get('http://127.0.0.1:${forbiddenPort}/', () => cb(new Error('reached'))).on('error', (e) => {
           cb(null, { status: res.statusCode, location: res.headers.location, code: e.code })
         })
       })`,
    )
    assert.deepEqual(expectKind(outcome, 'ok').value, {
      status: 302,
      location: '/json?from=redirect',
      code: 'EGRESS_REFUSED',
    })
  })

  it("require('request') works without being declared: json, qs, auth", async () => {
    const outcome = await run(
      allowed,
      `const request = require('request')
       request.post({ url: 'http://127.0.0.1:${httpPort}/json', qs: { a: 'b c' }, json: { n: 1 }, auth: { user: 'u', pass: 'p' } }, (err, response, body) => {
         if (err) return cb(err)
         cb(null, { status: response.statusCode, reply: response.headers['x-reply'], body })
       })`,
    )
    assert.deepEqual(expectKind(outcome, 'ok').value, {
      status: 200,
      reply: 'yes',
      body: {
        method: 'POST',
        path: '/json?a=b%20c',
        body: '{"n":1}',
        test: null,
        contentType: 'application/json',
        authorization: `Basic ${Buffer.from('u:p').toString('base64')}`,
      },
    })
  })

  it('request: form bodies, headers, the verb helpers, timeouts and refusals', async () => {
    const outcome = await run(
      allowed,
      `const request = require('request')
       request({ method: 'PUT', uri: 'http://127.0.0.1:${httpPort}/json', form: { a: 'x y', b: '&' }, headers: { 'x-test': 'f' } }, (err, res, body) => {
         if (err) return cb(err)
         const form = JSON.parse(body)
         request.get({ url: 'http://127.0.0.1:${httpPort}/slow', timeout: 100 }, (timeoutError) => {
           request.get('http://127.0.0.1:${forbiddenPort}/json', (refusedError) => {
             cb(null, { form: [form.method, form.body, form.contentType, form.test], timeout: timeoutError.code, refused: refusedError.code, message: refusedError.message })
           })
         })
       })`,
    )
    assert.deepEqual(expectKind(outcome, 'ok').value, {
      form: ['PUT', 'a=x%20y&b=%26', 'application/x-www-form-urlencoded', 'f'],
      timeout: 'ETIMEDOUT',
      refused: 'EGRESS_REFUSED',
      message: `[openhooks] egress refused: 127.0.0.1:${forbiddenPort} (127.0.0.1) is not in OPENHOOKS_EGRESS_ALLOW (OPENHOOKS_EGRESS=allowlist)`,
    })
  })
})
