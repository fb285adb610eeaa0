/**
 * What hook scripts send and read beyond plain strings (issue 9, docs/egress.md): the egress
 * policy's `maxRedirects`, `FormData` bodies (multipart/form-data) parsed by a loopback server,
 * `request`'s `formData` option, `Response.formData()`, and reading a body through
 * `response.body.getReader()`. The only server reached is the one this file starts on 127.0.0.1.
 */
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import type { HookRunner, RunOutcome } from '../../src/sandbox/runner.js'
import { expectKind, runScript, startTestRunner } from './sandbox-helpers.js'

let port = 0
let server: Server
let runner: HookRunner
let noRedirects: HookRunner

/** One part of a multipart/form-data body as the server parsed it. */
interface Part {
  name: string
  filename: string | null
  type: string | null
  value: string
}

/** A small multipart/form-data parser, written for these tests from RFC 7578. */
function parseMultipart(body: Buffer, contentType: string): Part[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType)
  const marker = boundary?.[1] ?? boundary?.[2]
  if (marker === undefined) throw new Error(`no boundary in ${contentType}`)
  const text = body.toString('latin1')
  const sections = text.split(`--${marker}`)
  const last = sections.pop()
  if (last !== '--\r\n' && last !== '--') throw new Error('missing closing boundary')
  if (sections.shift() !== '') throw new Error('text before the first boundary')
  return sections.map((section) => {
    if (!section.startsWith('\r\n') || !section.endsWith('\r\n')) throw new Error('bad framing')
    const inner = section.slice(2, -2)
    const split = inner.indexOf('\r\n\r\n')
    const head = inner.slice(0, split)
    const value = Buffer.from(inner.slice(split + 4), 'latin1').toString('utf8')
    const disposition =
      /^content-disposition: form-data; name="([^"]*)"(?:; filename="([^"]*)")?$/im.exec(head)
    if (disposition === null) throw new Error(`bad part head: ${head}`)
    const type = /^content-type: (.+)$/im.exec(head)
    return {
      name: disposition[1] ?? '',
      filename: disposition[2] ?? null,
      type: type?.[1] ?? null,
      value,
    }
  })
}

function handler(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://x')
    const body = Buffer.concat(chunks)
    const hops = Number(url.searchParams.get('hops') ?? '0')
    if (url.pathname === '/redirect' && hops > 0) {
      res.writeHead(302, { location: `/redirect?hops=${hops - 1}` })
      res.end()
      return
    }
    if (url.pathname === '/multipart') {
      const type = req.headers['content-type'] ?? ''
      res.setHeader('content-type', 'application/json')
      res.end(
        JSON.stringify({
          method: req.method,
          contentType: type.replace(/boundary=.+$/, 'boundary=…'),
          length: Number(req.headers['content-length']),
          bodyLength: body.length,
          parts: parseMultipart(body, type),
        }),
      )
      return
    }
    if (url.pathname === '/form-reply') {
      const boundary = 'reply-boundary-42'
      res.setHeader('content-type', `multipart/form-data; boundary=${boundary}`)
      res.end(
        [
          `--${boundary}`,
          'Content-Disposition: form-data; name="status"',
          '',
          'queued',
          `--${boundary}`,
          'Content-Disposition: form-data; name="report"; filename="r.txt"',
          'Content-Type: text/plain',
          '',
          'line one\r\nline two',
          `--${boundary}--`,
          '',
        ].join('\r\n'),
      )
      return
    }
    if (url.pathname === '/urlencoded-reply') {
      res.setHeader('content-type', 'application/x-www-form-urlencoded')
      res.end('sid=SM123&status=queued&to=%2B15551234567')
      return
    }
    if (url.pathname === '/chunks') {
      res.end('abcdefghij'.repeat(10_000))
      return
    }
    res.end(`done at ${url.pathname}`)
  })
}

before(async () => {
  server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
  const allow = [`127.0.0.1:${port}`]
  runner = await startTestRunner({
    poolSize: 1,
    egress: { mode: 'allowlist', allow, maxRedirects: 2 },
  })
  noRedirects = await startTestRunner({
    poolSize: 1,
    egress: { mode: 'allowlist', allow, maxRedirects: 0 },
  })
})

after(async () => {
  await runner.close()
  await noRedirects.close()
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

function run(on: HookRunner, body: string): Promise<RunOutcome> {
  return runScript(
    on,
    `module.exports = async function (user, context, cb) { const base = 'http://127.0.0.1:${port}'; try { ${body} } catch (e) { cb(null, { error: e.name + ': ' + e.message, cause: e.cause && e.cause.code }) } }`,
    { limits: { timeoutMs: 5_000 } },
  )
}

async function value(on: HookRunner, body: string): Promise<unknown> {
  return expectKind(await run(on, body), 'ok').value
}

describe('maxRedirects of the egress policy', () => {
  it('follows up to maxRedirects redirects and fails on one more', async () => {
    const fetchText = `const r = await fetch(base + '/redirect?hops=' + user.hops); cb(null, { status: r.status, text: await r.text(), redirected: r.redirected })`
    const twoHops = async (hops: number, on: HookRunner) =>
      expectKind(
        await runScript(
          on,
          `module.exports = async function (user, context, cb) { const base = 'http://127.0.0.1:${port}'; try { ${fetchText} } catch (e) { cb(null, { error: e.message, cause: e.cause && e.cause.code }) } }`,
          { args: [{ hops }, {}] },
        ),
        'ok',
      ).value
    assert.deepStrictEqual(await twoHops(2, runner), {
      status: 200,
      text: 'done at /redirect',
      redirected: true,
    })
    assert.deepStrictEqual(await twoHops(3, runner), {
      error: 'fetch failed: more than 2 redirects (maxRedirects)',
      cause: 'ERR_TOO_MANY_REDIRECTS',
    })
    assert.deepStrictEqual(await twoHops(0, noRedirects), {
      status: 200,
      text: 'done at /redirect',
      redirected: false,
    })
    assert.deepStrictEqual(await twoHops(1, noRedirects), {
      error: 'fetch failed: more than 0 redirects (maxRedirects)',
      cause: 'ERR_TOO_MANY_REDIRECTS',
    })
  })
})

describe('FormData bodies', () => {
  it('fetch sends a FormData as multipart/form-data that a server parses into the same fields', async () => {
    const got = await value(
      runner,
      `const form = new FormData()
       form.append('To', '+15551234567')
       form.append('Body', 'Héllo ✓\\nsecond line')
       form.append('file', new Blob(['{"a":1}'], { type: 'application/json' }), 'data.json')
       form.append('raw', new Blob([new Uint8Array([0, 255, 10])]))
       form.append('named', new File(['plain'], 'note.txt', { type: 'text/plain' }))
       form.append('To', 'again')
       const r = await fetch(base + '/multipart', { method: 'POST', body: form })
       cb(null, await r.json())`,
    )
    assert.deepStrictEqual(got, {
      method: 'POST',
      contentType: 'multipart/form-data; boundary=…',
      length: (got as { bodyLength: number }).bodyLength,
      bodyLength: (got as { length: number }).length,
      parts: [
        { name: 'To', filename: null, type: null, value: '+15551234567' },
        { name: 'Body', filename: null, type: null, value: 'Héllo ✓\r\nsecond line' },
        { name: 'file', filename: 'data.json', type: 'application/json', value: '{"a":1}' },
        {
          name: 'raw',
          filename: 'blob',
          type: 'application/octet-stream',
          value: Buffer.from([0, 255, 10]).toString('utf8'),
        },
        { name: 'named', filename: 'note.txt', type: 'text/plain', value: 'plain' },
        { name: 'To', filename: null, type: null, value: 'again' },
      ],
    })
  })

  it('FormData has the methods of the standard, and Request.formData() reads one back', async () => {
    const got = await value(
      runner,
      `const form = new FormData()
       form.append('a', '1'); form.append('b', '2'); form.append('a', '3')
       form.set('b', 'two'); form.append('f', new Blob(['xyz'], { type: 'text/plain' }), 'f.txt')
       const before = { a: form.getAll('a'), b: form.get('b'), has: form.has('f'), missing: form.get('none'), keys: [...form.keys()] }
       form.delete('a')
       const request = new Request(base + '/x', { method: 'POST', body: form })
       const back = await request.formData()
       const file = back.get('f')
       cb(null, { before, type: request.headers.get('content-type').split(';')[0], entries: [...back.entries()].map(([k, v]) => [k, typeof v === 'string' ? v : v.constructor.name]), file: { name: file.name, type: file.type, size: file.size, text: await file.text() }, tag: Object.prototype.toString.call(back) })`,
    )
    assert.deepStrictEqual(got, {
      before: { a: ['1', '3'], b: 'two', has: true, missing: null, keys: ['a', 'b', 'a', 'f'] },
      type: 'multipart/form-data',
      entries: [
        ['b', 'two'],
        ['f', 'File'],
      ],
      file: { name: 'f.txt', type: 'text/plain', size: 3, text: 'xyz' },
      tag: '[object FormData]',
    })
  })

  it('Response.formData() parses multipart and urlencoded replies, and refuses other types', async () => {
    const got = await value(
      runner,
      `const multi = await (await fetch(base + '/form-reply')).formData()
       const report = multi.get('report')
       const encoded = await (await fetch(base + '/urlencoded-reply')).formData()
       let refused
       try { await (await fetch(base + '/plain')).formData() } catch (e) { refused = e.name + ': ' + e.message }
       cb(null, { status: multi.get('status'), report: { name: report.name, type: report.type, text: await report.text() }, encoded: [...encoded.entries()], refused })`,
    )
    assert.deepStrictEqual(got, {
      status: 'queued',
      report: { name: 'r.txt', type: 'text/plain', text: 'line one\r\nline two' },
      encoded: [
        ['sid', 'SM123'],
        ['status', 'queued'],
        ['to', '+15551234567'],
      ],
      refused:
        'TypeError: Failed to parse body as FormData: the Content-Type is neither multipart/form-data nor application/x-www-form-urlencoded',
    })
  })

  it("request's formData option sends strings, Buffers with a filename, and arrays", async () => {
    const got = await value(
      runner,
      `const request = require('request')
       request.post({ url: base + '/multipart', json: true, formData: {
         from: 'openhooks',
         attachment: { value: Buffer.from('hello'), options: { filename: 'hello.txt', contentType: 'text/plain' } },
         tags: ['a', 'b'],
       } }, (error, response, body) => cb(error, body && body.parts))`,
    )
    assert.deepStrictEqual(got, [
      { name: 'from', filename: null, type: null, value: 'openhooks' },
      { name: 'attachment', filename: 'hello.txt', type: 'text/plain', value: 'hello' },
      { name: 'tags', filename: null, type: null, value: 'a' },
      { name: 'tags', filename: null, type: null, value: 'b' },
    ])
  })
})

describe('response.body', () => {
  it('is a ReadableStream of the buffered body: getReader() reads it in chunks, then the body is used', async () => {
    const got = await value(
      runner,
      `const r = await fetch(base + '/chunks')
       const stream = r.body
       const same = r.body === stream
       const reader = stream.getReader()
       const sizes = []
       let text = ''
       for (;;) { const { value, done } = await reader.read(); if (done) break; sizes.push(value.length); text += new TextDecoder().decode(value) }
       let again
       try { await r.text() } catch (e) { again = e.message }
       cb(null, { isStream: stream.constructor.name === 'ReadableStream' && typeof stream.getReader === 'function', same, locked: stream.locked, sizes, length: text.length, start: text.slice(0, 12), used: r.bodyUsed, again, empty: new Response(null).body })`,
    )
    assert.deepStrictEqual(got, {
      isStream: true,
      same: true,
      locked: true,
      sizes: [65_536, 34_464],
      length: 100_000,
      start: 'abcdefghijab',
      used: true,
      again: 'Body is unusable: Body has already been read',
      empty: null,
    })
  })

  it('can be read with for await; ReadableStream is not a global, so axios keeps its buffered path', async () => {
    const got = await value(
      runner,
      `let total = 0
       for await (const chunk of (await fetch(base + '/chunks')).body) total += chunk.length
       const Stream = new Response('x').body.constructor
       const made = new Stream({ start(c) { c.enqueue('a'); c.enqueue('b'); c.close() } })
       const parts = []
       for await (const part of made) parts.push(part)
       cb(null, { total, parts, global: typeof ReadableStream, untouched: (await fetch(base + '/plain')).bodyUsed })`,
    )
    assert.deepStrictEqual(got, {
      total: 100_000,
      parts: ['a', 'b'],
      global: 'undefined',
      untouched: false,
    })
  })
})
