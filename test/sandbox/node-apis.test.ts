/**
 * The Node.js and Web APIs the runtime provides inside the isolate (issue 9): `Buffer`, the
 * built-in modules (`crypto` with known vectors, `url`, `querystring`, `util`, `events`, `assert`)
 * and the Web globals. No network: fetch.test.ts covers outbound requests.
 */
import assert from 'node:assert/strict'
import { createHash, createHmac } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { HookRunner } from '../../src/sandbox/runner.js'
import { expectKind, runScript, startTestRunner } from './sandbox-helpers.js'

let runner: HookRunner

before(async () => {
  runner = await startTestRunner({ poolSize: 1 })
})
after(async () => {
  await runner.close()
})

async function evaluate(body: string): Promise<unknown> {
  const outcome = await runScript(
    runner,
    `module.exports = function (user, context, cb) { cb(null, (function () { ${body} })()) }`,
  )
  return expectKind(outcome, 'ok').value
}

describe('Buffer', () => {
  it('base64, base64url, hex and utf8 round trips, including multi-byte text and binary bytes', async () => {
    const value = await evaluate(`
      const text = 'héllo wörld ✓ 😀'
      const bytes = Buffer.from(text)
      const binary = Buffer.from([0, 1, 127, 128, 250, 251, 255])
      return {
        b64: bytes.toString('base64'),
        back: Buffer.from(bytes.toString('base64'), 'base64').toString('utf8'),
        url: binary.toString('base64url'),
        urlBack: Array.from(Buffer.from(binary.toString('base64url'), 'base64url')),
        hex: binary.toString('hex'),
        hexBack: Array.from(Buffer.from('0001ff', 'hex')),
        latin1: Buffer.from('ÿa', 'latin1').toString('hex'),
        length: bytes.length,
        byteLength: Buffer.byteLength(text),
        unpadded: Buffer.from('aGk', 'base64').toString(),
      }`)
    assert.deepEqual(value, {
      b64: Buffer.from('héllo wörld ✓ 😀').toString('base64'),
      back: 'héllo wörld ✓ 😀',
      url: Buffer.from([0, 1, 127, 128, 250, 251, 255]).toString('base64url'),
      urlBack: [0, 1, 127, 128, 250, 251, 255],
      hex: '00017f80fafbff',
      hexBack: [0, 1, 255],
      latin1: 'ff61',
      length: Buffer.byteLength('héllo wörld ✓ 😀'),
      byteLength: 22,
      unpadded: 'hi',
    })
  })

  it('alloc, concat, slice shares memory, equals, compare, isBuffer, JSON, old constructor', async () => {
    const value = await evaluate(`
      const a = Buffer.alloc(4, 'ab')
      const s = a.slice(1, 3)
      s[0] = 0x7a
      return {
        a: a.toString(), sub: a.subarray(2) instanceof Buffer,
        concat: Buffer.concat([Buffer.from('x'), Buffer.from('yz')], 2).toString(),
        equals: Buffer.from('q').equals(Buffer.from('q')), compare: [Buffer.compare(Buffer.from('a'), Buffer.from('b')), Buffer.from('b').compare(Buffer.from('a'))],
        isBuffer: [Buffer.isBuffer(a), Buffer.isBuffer(new Uint8Array(1))],
        json: JSON.stringify(Buffer.from('hi')),
        old: new Buffer('hi').toString('hex'),
        module: require('buffer').Buffer === Buffer && require('node:buffer').Buffer === Buffer,
        ints: [Buffer.from([1, 2]).readUInt16BE(0), Buffer.from([255]).readInt8(0)],
      }`)
    assert.deepEqual(value, {
      a: 'azab',
      sub: true,
      concat: 'xy',
      equals: true,
      compare: [-1, 1],
      isBuffer: [true, false],
      json: '{"type":"Buffer","data":[104,105]}',
      old: '6869',
      module: true,
      ints: [258, -1],
    })
  })
})

describe('crypto', () => {
  it('createHmac and createHash match known vectors (RFC 4231 case 2, FIPS 180-2)', async () => {
    const value = await evaluate(`
      const crypto = require('crypto')
      return {
        hmac: crypto.createHmac('sha256', 'Jefe').update('what do ya want ').update('for nothing?').digest('hex'),
        sha256: crypto.createHash('sha256').update('abc').digest('hex'),
        sha1: crypto.createHash('sha1').update(Buffer.from('abc')).digest('base64'),
        buffer: Buffer.isBuffer(crypto.createHash('md5').update('').digest()),
        node: require('node:crypto') === crypto,
      }`)
    assert.deepEqual(value, {
      hmac: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      sha1: 'qZk+NkcGgWq6PiVxeFDCbJzQ2J0=',
      buffer: true,
      node: true,
    })
  })

  it('hashes binary data and keys, views into larger buffers included, as Node does', async () => {
    const value = await evaluate(`
      const crypto = require('crypto')
      const all = Buffer.alloc(256); for (let i = 0; i < 256; i++) all[i] = i
      const big = Buffer.alloc(100000, 0xab)
      return {
        hmac: crypto.createHmac('sha256', all.subarray(200, 232)).update(all.subarray(3, 250)).digest('hex'),
        sha512: crypto.createHash('sha512').update(all).update(big).digest('base64'),
      }`)
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
    assert.deepEqual(value, {
      hmac: createHmac('sha256', all.subarray(200, 232)).update(all.subarray(3, 250)).digest('hex'),
      sha512: createHash('sha512').update(all).update(Buffer.alloc(100000, 0xab)).digest('base64'),
    })
  })

  it('randomBytes, randomUUID, getRandomValues and timingSafeEqual', async () => {
    const value = (await evaluate(`
      const crypto = require('crypto')
      let unequal
      try { crypto.timingSafeEqual(Buffer.from('a'), Buffer.from('ab')) } catch (e) { unequal = e.code }
      let unknown
      try { crypto.createHash('nope').digest() } catch (e) { unknown = e.message }
      return {
        random: crypto.randomBytes(16).toString('hex'),
        uuids: [crypto.randomUUID(), globalThis.crypto.randomUUID()],
        values: Array.from(globalThis.crypto.getRandomValues(new Uint32Array(4))).length,
        same: crypto.timingSafeEqual(Buffer.from('abc'), Buffer.from('abc')),
        differ: crypto.timingSafeEqual(Buffer.from('abc'), Buffer.from('abd')),
        unequal, unknown,
      }`)) as Record<string, unknown>
    assert.match(value.random as string, /^[0-9a-f]{32}$/)
    for (const uuid of value.uuids as string[]) {
      assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    }
    assert.deepEqual(
      { ...value, random: undefined, uuids: undefined },
      {
        random: undefined,
        uuids: undefined,
        values: 4,
        same: true,
        differ: false,
        unequal: 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH',
        unknown: 'Digest method not supported',
      },
    )
  })
})

describe('url, querystring, util, events, assert', () => {
  it('behave like Node for the common calls', async () => {
    const value = await evaluate(`
      const url = require('url'), qs = require('querystring'), util = require('node:util')
      const EventEmitter = require('events'), assert = require('assert')
      const emitter = new EventEmitter()
      const seen = []
      emitter.once('x', (v) => seen.push('once:' + v))
      emitter.on('x', (v) => seen.push('on:' + v))
      emitter.emit('x', 1); emitter.emit('x', 2)
      let failed
      try { assert.deepStrictEqual({ a: [1] }, { a: ['1'] }) } catch (e) { failed = e.code }
      const legacy = url.parse('https://Example.com:8443/a/b?x=1&x=2#frag', true)
      return {
        legacy: [legacy.hostname, legacy.port, legacy.pathname, legacy.query, legacy.hash],
        format: url.format({ protocol: 'https', hostname: 'h.example', pathname: '/p', query: { a: 'b c' } }),
        whatwg: new url.URL('/x?y=1', 'https://h.example/base').href,
        qs: [qs.stringify({ a: [1, 2], b: 'é &' }), qs.parse('a=1&a=2&b=x+y%21')],
        format2: util.format('%s:%d:%j %o', 'a', 7, { k: 1 }, [1]),
        inspect: util.inspect('s'),
        types: [util.types.isDate(new Date()), util.types.isPromise(Promise.resolve())],
        seen, failed,
        strict: require('assert/strict') === assert.strict,
      }`)
    assert.deepEqual(value, {
      legacy: ['example.com', '8443', '/a/b', { x: ['1', '2'] }, '#frag'],
      format: 'https://h.example/p?a=b%20c',
      whatwg: 'https://h.example/x?y=1',
      qs: ['a=1&a=2&b=%C3%A9%20%26', { a: ['1', '2'], b: 'x y!' }],
      format2: 'a:7:{"k":1} [ 1, [length]: 1 ]',
      inspect: "'s'",
      types: [true, true],
      seen: ['once:1', 'on:1', 'on:2'],
      failed: 'ERR_ASSERTION',
      strict: true,
    })
  })

  it('util.promisify works with a callback API', async () => {
    const outcome = await runScript(
      runner,
      `module.exports = async function (user, context, cb) {
        const util = require('util')
        const wait = util.promisify((ms, done) => setTimeout(() => done(null, ms * 2), ms))
        cb(null, await wait(5))
      }`,
    )
    assert.equal(expectKind(outcome, 'ok').value, 10)
  })

  it('other built-ins are not found, with a hint, also in the node: form', async () => {
    const value = await evaluate(`
      const out = []
      for (const name of ['os', 'node:child_process', 'path', 'fs/promises']) {
        try { require(name) } catch (e) { out.push(e.message.split('\\n')[0] + ' | ' + e.code + ' | ' + /Node\\.js built-in/.test(e.message)) }
      }
      return out`)
    assert.deepEqual(value, [
      "Cannot find module 'os' | MODULE_NOT_FOUND | true",
      "Cannot find module 'node:child_process' | MODULE_NOT_FOUND | true",
      "Cannot find module 'path' | MODULE_NOT_FOUND | true",
      "Cannot find module 'fs/promises' | MODULE_NOT_FOUND | true",
    ])
  })
})

describe('Web globals', () => {
  it('URL, URLSearchParams, TextEncoder/TextDecoder, atob/btoa, structuredClone, Headers', async () => {
    const value = await evaluate(`
      const u = new URL('https://user@例え.jp:443/a/../b?q=1#h')
      u.searchParams.append('r', 'a b&c')
      const h = new Headers({ 'X-A': '1' }); h.append('x-a', '2')
      const clone = structuredClone({ d: new Date(0), m: new Map([[1, { n: 2 }]]), a: new Uint8Array([1, 2]) })
      let invalid, cloneFn
      try { new URL('not a url') } catch (e) { invalid = e.name + ':' + e.code }
      try { structuredClone({ f() {} }) } catch (e) { cloneFn = e.name }
      return {
        href: u.href, host: u.host, origin: u.origin, search: u.search,
        params: Array.from(new URLSearchParams('a=1&b=%20x&a=3').getAll('a')),
        encoded: Array.from(new TextEncoder().encode('é✓')),
        decoded: new TextDecoder().decode(new Uint8Array([0xc3, 0xa9, 0xff])),
        b64: [btoa('hi\\u00ff'), atob('aGn/')],
        header: h.get('x-a'),
        clone: [clone.d instanceof Date, clone.m.get(1).n, clone.a instanceof Uint8Array, clone.a[1]],
        invalid, cloneFn,
      }`)
    assert.deepEqual(value, {
      href: 'https://user@xn--r8jz45g.jp/b?q=1&r=a+b%26c#h',
      host: 'xn--r8jz45g.jp',
      origin: 'https://xn--r8jz45g.jp',
      search: '?q=1&r=a+b%26c',
      params: ['1', '3'],
      encoded: [0xc3, 0xa9, 0xe2, 0x9c, 0x93],
      decoded: 'é\uFFFD',
      b64: ['aGn/', 'hi\u00ff'],
      header: '1, 2',
      clone: [true, 2, true, 2],
      invalid: 'TypeError:ERR_INVALID_URL',
      cloneFn: 'DataCloneError',
    })
  })
})
