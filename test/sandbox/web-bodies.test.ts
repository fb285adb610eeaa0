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

export { value }
