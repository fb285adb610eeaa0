/**
 * `util.inspect`, `util.format` and `console.log` inside the isolate print what Node.js prints
 * (issue 9, docs/egress.md): each value below is built by the same source text in the isolate and
 * in this test process, and the isolate's text must equal Node's own `util.inspect`/`util.format`.
 * A few expected strings are also written out, so that a change in both cannot go unnoticed.
 */
import assert from 'node:assert/strict'
import { format, inspect } from 'node:util'
import { runInThisContext } from 'node:vm'
import { after, before, describe, it } from 'node:test'
import type { HookRunner } from '../../src/sandbox/runner.js'
import { ROOMY_LIMITS, expectKind, runScript, startTestRunner } from './sandbox-helpers.js'

let runner: HookRunner
before(async () => {
  runner = await startTestRunner({ poolSize: 1 })
})
after(async () => {
  await runner.close()
})

/** Values as source text; errors get a fixed stack so that both sides have the same one. */
const VALUES: readonly string[] = [
  `{ a: 1, b: 'x' }`,
  `{}`,
  `[]`,
  `[1, 2, 3]`,
  `{ a: { b: { c: { d: 1 } } } }`,
  `{ a: { b: { c: {} } } }`,
  `[[1, [2, [3, [4]]]]]`,
  `{ s: "it's", t: 'say "hi" it\\'s', u: 'tab\\there\\nnew line', e: '' }`,
  `{ long: 'a fairly long string value that does not fit on one line of eighty characters at all, really' }`,
  `{ text: 'line one\\nline two\\nline three of a longer text that needs more room than eighty characters' }`,
  `Array.from({ length: 30 }, (_, i) => i * 7)`,
  `['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta']`,
  `Array.from({ length: 120 }, (_, i) => i)`,
  `[1, , 3]`,
  `new Array(5)`,
  `Object.assign([1, 2], { extra: true })`,
  `new Map([['a', 1], [{ k: 1 }, [1, 2]]])`,
  `new Map()`,
  `new Set([1, 'two', { three: 3 }])`,
  `new Set()`,
  `new Date(0)`,
  `{ when: new Date(86400000), invalid: new Date(NaN) }`,
  `/a+b/gi`,
  `(() => { const e = new Error('boom'); e.stack = 'Error: boom\\n    at hook (/hook.js:3:11)\\n    at run (openhooks:runtime:1:1)'; return e })()`,
  `(() => { const e = new Error('boom'); e.stack = 'Error: boom\\n    at hook (/hook.js:3:11)'; e.code = 'E_BOOM'; e.status = 502; return e })()`,
  `(() => { const e = new TypeError('bad'); e.stack = 'TypeError: bad'; return { error: e } })()`,
  `(() => { const e = new RangeError('far'); e.stack = 'RangeError: far\\n    at f (/hook.js:1:1)'; return { nested: { error: e } } })()`,
  `(() => { class TwilioError extends Error {} const e = new TwilioError('nope'); e.stack = 'Error: nope\\n    at x (/hook.js:1:1)'; return e })()`,
  `function foo() {}`,
  `() => {}`,
  `async function fetchIt() {}`,
  `function* gen() {}`,
  `class Animal {}`,
  `(() => { class Animal {} return class Dog extends Animal {} })()`,
  `Object.assign(function withProps() {}, { retries: 3 })`,
  `{ fn: function named() {}, arrow: () => 1 }`,
  `(() => { const o = { a: 1 }; o.self = o; return o })()`,
  `(() => { const o = { name: 'root', child: { list: [] } }; o.child.parent = o; o.child.list.push(o.child); return o })()`,
  `(() => { const a = [1]; a.push(a); return a })()`,
  `new (class Client { constructor() { this.id = 'c1'; this.scopes = ['read'] } })()`,
  `new (class Empty {})()`,
  `Object.assign(Object.create(null), { a: 1 })`,
  `Object.create(null)`,
  `{ 'content-type': 'json', valid_id: 1, $dollar: 2, [Symbol('tag')]: 'sym', 42: 'n' }`,
  `{ get computed() { return 1 }, set only(v) {}, get both() { return 1 }, set both(v) {} }`,
  `new Uint8Array([1, 2, 3])`,
  `new Float64Array(0)`,
  `Buffer.from('hi')`,
  `Buffer.alloc(60)`,
  `{ body: Buffer.from('{"ok":true}') }`,
  `new Uint8Array([1, 2, 255]).buffer`,
  `[-0, 0, NaN, Infinity, 10n, null, undefined, true, Symbol('s')]`,
  `{ value: undefined, nothing: null, big: 123n, neg: -0 }`,
  `new WeakMap()`,
  `{ [Symbol.for('nodejs.util.inspect.custom')]() { return 'CUSTOM' } }`,
  `{ inner: { [Symbol.for('nodejs.util.inspect.custom')](depth) { return { depth } } } }`,
  `[new Number(3), new String('ab'), new Boolean(false)]`,
  `{ user_id: 'auth0|5f7c8ec7c33c6c004bbafe82', email: 'jane@example.com', email_verified: true, app_metadata: { plan: 'full', roles: ['admin', 'editor'] }, user_metadata: {} }`,
  `{ a: 'x'.repeat(30), b: 'y'.repeat(30), c: 'z'.repeat(30) }`,
  `{ level1: { level2: { level3: 'deep' }, sibling: [1, 2] }, other: 'o' }`,
  `Array.from({ length: 8 }, (_, i) => ({ id: i }))`,
  `new URL('https://api.example.com:8443/v1/messages?to=%2B1555&body=hi#frag')`,
  `new URLSearchParams('a=1&b=two&a=3')`,
  `new URLSearchParams()`,
  `{ params: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'abc', audience: 'https://api.example.com/' }) }`,
  // Header names in lower case: this Headers keeps them so, Node shows the case first set.
  `new Headers({ 'content-type': 'application/json', 'x-count': '2' })`,
  `(() => { const h = new Headers(); h.append('set-cookie', 'a=1'); h.append('set-cookie', 'b=2'); h.append('x', '1'); h.append('x', '2'); return h })()`,
  `new Headers()`,
  `(() => { const f = new FormData(); f.append('to', '+1555'); f.append('to', '+1666'); f.append('to', '+1777'); f.append('file', new File(['abc'], 'a.txt', { type: 'text/plain', lastModified: 1 })); return f })()`,
  `new FormData()`,
  // A body shows as a ReadableStream, whose supportsBYOB differs (Node's are byte streams).
  `new Response(null, { status: 204, headers: { 'x-a': 'b' } })`,
  `{ response: new Response(null, { status: 404, statusText: 'Not Found' }) }`,
  `new Request('https://api.example.com/v1/messages', { method: 'POST', headers: { authorization: 'Bearer x' } })`,
  `new AbortController().signal`,
  `(() => { const c = new AbortController(); c.abort(); return { signal: c.signal } })()`,
  `new Blob(['abc'], { type: 'text/plain' })`,
]

/** inspect options tried on a few values. */
const OPTIONS: readonly (readonly [string, string])[] = [
  [`{ a: { b: { c: { d: { e: 1 } } } } }`, `{ depth: 0 }`],
  [`{ a: { b: { c: { d: { e: 1 } } } } }`, `{ depth: null }`],
  [`{ a: 1, b: [1, 2] }`, `{ compact: false }`],
  [`{ a: 1, b: 'x' }`, `{ breakLength: 10 }`],
  [`Array.from({ length: 8 }, (_, i) => i)`, `{ maxArrayLength: 3 }`],
  [`'x'.repeat(20)`, `{ maxStringLength: 5 }`],
  [`[1, 2]`, `{ showHidden: true }`],
  [`{ h: new Headers({ a: '1' }), f: new FormData() }`, `{ depth: 0 }`],
]

/** util.format / console.log argument lists. */
const FORMATS: readonly string[] = [
  `'%s is %d years', 'Jane', 42`,
  `'%s|%s|%s|%s', { a: { b: 1 } }, [1, [2]], -0, 5n`,
  `'%i %f %d', '42.9abc', '3.5x', '0x10'`,
  `'%j', { a: [1, 'two'] }`,
  `'%o', { a: [1, 2] }`,
  `'%O', { a: { b: { c: { d: 1 } } } }`,
  `'%c styled %%', 'color: red'`,
  `'missing %s %s', 'one'`,
  `{ a: 1 }, 'str', [1, 2], 3`,
  `'user', { user_id: 'u1', app_metadata: { plan: 'full' } }`,
  `(() => { const o = {}; o.o = o; return o })(), '%j'`,
  `'%s', new Date(0)`,
  `'%s', (() => { const e = new Error('x'); e.stack = 'Error: x\\n    at y (/hook.js:1:1)'; return e })()`,
  `'%s', { toString() { return 'custom string' } }`,
  `'%d', Symbol('s')`,
]

/**
 * What Node.js 20 prints for the values whose text changed in later Node.js lines: the isolate
 * prints Node 20's text on every line (docs/egress.md), so on Node 24 and later the host's own
 * `util.inspect` is not the reference for these.
 */
const NODE_20_TEXT: ReadonlyMap<string, string> = new Map([
  [
    `{ 'content-type': 'json', valid_id: 1, $dollar: 2, [Symbol('tag')]: 'sym', 42: 'n' }`,
    "{\n  '42': 'n',\n  'content-type': 'json',\n  valid_id: 1,\n  '$dollar': 2,\n  [Symbol(tag)]: 'sym'\n}",
  ],
  [
    `new Uint8Array([1, 2, 255]).buffer`,
    'ArrayBuffer { [Uint8Contents]: <01 02 ff>, byteLength: 3 }',
  ],
])

function hostValue(source: string): unknown {
  return runInThisContext(`(${source})`) as unknown
}

describe('util.inspect in the isolate', () => {
  it('prints what Node prints for objects, arrays, Map/Set, Date, errors, functions, circular values and more', async () => {
    const script = `module.exports = function (user, context, cb) {
      const util = require('util')
      const out = []
      ${VALUES.map((source) => `out.push(util.inspect(${source}))`).join('\n')}
      cb(null, out)
    }`
    const outcome = expectKind(await runScript(runner, script), 'ok')
    const got = outcome.value as string[]
    assert.equal(got.length, VALUES.length)
    const differences = VALUES.flatMap((source, i) => {
      const expected = NODE_20_TEXT.get(source) ?? inspect(hostValue(source))
      return got[i] === expected ? [] : [{ source, got: got[i], expected }]
    })
    assert.deepEqual(differences, [])
  })

  it('honours depth, compact, breakLength, maxArrayLength, maxStringLength and showHidden as Node does', async () => {
    const script = `module.exports = function (user, context, cb) {
      const util = require('util')
      cb(null, [${OPTIONS.map(([value, options]) => `util.inspect(${value}, ${options})`).join(', ')}])
    }`
    const got = expectKind(await runScript(runner, script), 'ok').value as string[]
    const differences = OPTIONS.flatMap(([value, options], i) => {
      const expected = inspect(hostValue(value), hostValue(options) as object)
      return got[i] === expected ? [] : [{ value, options, got: got[i], expected }]
    })
    assert.deepEqual(differences, [])
  })

  it('prints these exact strings (the same as Node 20)', async () => {
    const script = `module.exports = function (user, context, cb) {
      const util = require('util')
      const o = { a: 1, b: 'x', nested: { list: [1, 2, { deep: { deeper: true } }] } }
      o.self = o
      const e = new Error('boom'); e.stack = 'Error: boom\\n    at hook (/hook.js:3:11)'; e.code = 'E_BOOM'
      cb(null, [
        util.inspect(o),
        util.inspect(new Map([['k', new Set([1])]])),
        util.inspect({ e }),
        util.inspect([function named() {}, class K {}, async () => {}]),
        util.inspect(new Date(0)),
      ])
    }`
    const got = expectKind(await runScript(runner, script), 'ok').value
    assert.deepStrictEqual(got, [
      "<ref *1> {\n  a: 1,\n  b: 'x',\n  nested: { list: [ 1, 2, [Object] ] },\n  self: [Circular *1]\n}",
      "Map(1) { 'k' => Set(1) { 1 } }",
      "{\n  e: Error: boom\n      at hook (/hook.js:3:11) {\n    code: 'E_BOOM'\n  }\n}",
      '[ [Function: named], [class K], [AsyncFunction (anonymous)] ]',
      '1970-01-01T00:00:00.000Z',
    ])
  })

  it("shows a class's prototype as an object rather than through its own custom inspect", async () => {
    // Node does the same check; its Web classes' prototypes have enumerable methods (WebIDL) and
    // print them, ours are plain classes and print {}. Before the check, the whole line was lost.
    const script = `module.exports = function (user, context, cb) {
      const util = require('util')
      cb(null, [util.inspect({ a: 1, p: Headers.prototype }), util.inspect(Response.prototype)])
    }`
    assert.deepEqual(expectKind(await runScript(runner, script), 'ok').value, [
      '{ a: 1, p: {} }',
      '{}',
    ])
  })

  it('bounds the text of one call', async () => {
    const script = `module.exports = function (user, context, cb) {
      const util = require('util')
      const big = {}
      for (let i = 0; i < 3000; i++) big['k' + i] = { text: 'v'.repeat(500) }
      const text = util.inspect(big, { depth: null })
      cb(null, { length: text.length, cut: text.includes('...') })
    }`
    // Building and inspecting 1.5 MB of text is real CPU work: the call gets the default limits
    // rather than the suite's fast ones, so that a busy machine does not end it first.
    const got = expectKind(await runScript(runner, script, { limits: ROOMY_LIMITS }), 'ok')
      .value as { length: number; cut: boolean }
    assert.equal(got.cut, true)
    assert.ok(got.length < 1_100_000, `length ${got.length}`)
  })
})

describe('util.format and console.log in the isolate', () => {
  it('format %s %d %i %f %j %o %O %c %% and extra arguments as Node does', async () => {
    const script = `module.exports = function (user, context, cb) {
      const util = require('util')
      const out = []
      ${FORMATS.map((args) => `out.push(util.format(${args}))`).join('\n')}
      cb(null, out)
    }`
    const got = expectKind(await runScript(runner, script), 'ok').value as string[]
    const differences = FORMATS.flatMap((args, i) => {
      const expected = format(...(hostValue(`[${args}]`) as unknown[]))
      return got[i] === expected ? [] : [{ args, got: got[i], expected }]
    })
    assert.deepEqual(differences, [])
  })

  it('console.log of objects prints Node format, one log line per call', async () => {
    const script = `module.exports = function (user, context, cb) {
      console.log({ a: 1, b: 'x' })
      console.log('user %o', { id: 'u1' }, ['extra'])
      console.info(new Map([['a', 1]]))
      console.error(${VALUES[35] ?? ''})
      cb()
    }`
    const outcome = expectKind(await runScript(runner, script), 'ok')
    assert.deepStrictEqual(
      outcome.logs.map((l) => [l.level, l.message]),
      [
        ['log', "{ a: 1, b: 'x' }"],
        ['log', format('user %o', { id: 'u1' }, ['extra'])],
        ['info', "Map(1) { 'a' => 1 }"],
        ['error', inspect(hostValue(VALUES[35] ?? ''))],
      ],
    )
  })
})
