/**
 * The isolate's `util.inspect` (src/sandbox/isolate/inspect.ts) as a plain module in this Node.js
 * process: its text must equal Node's own `util.inspect` for the same value. The end-to-end twin,
 * through a worker and an isolate, is test/sandbox/inspect.test.ts.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { inspect } from 'node:util'
import { MAX_INSPECT_CHARS } from '../../../src/sandbox/isolate/limits.js'
import { nodeInspect } from '../../../src/sandbox/isolate/inspect.js'

class Point {
  readonly x: number
  readonly y: number
  constructor(x: number, y: number) {
    this.x = x
    this.y = y
  }
}

function circular(): unknown {
  const o: Record<string, unknown> = { a: 1 }
  o.self = o
  return o
}

function errorWithStack(): Error {
  const e = new RangeError('far')
  e.stack = 'RangeError: far\n    at f (/hook.js:1:1)'
  return e
}

const VALUES: readonly (readonly [string, () => unknown])[] = [
  ['an object', () => ({ a: 1, b: 'x' })],
  ['nesting past the depth', () => ({ a: { b: { c: { d: 1 } } } })],
  ['quotes and escapes', () => ({ s: "it's", t: 'say "hi" it\'s', u: 'tab\there\nnew line' })],
  ['a long array, grouped', () => Array.from({ length: 30 }, (_, i) => i * 7)],
  ['more than 100 items', () => Array.from({ length: 120 }, (_, i) => i)],
  ['a sparse array', () => [1, , 3]], // eslint-disable-line no-sparse-arrays
  ['an array with a property', () => Object.assign([1, 2], { extra: true })],
  [
    'Map and Set',
    () => ({
      m: new Map<unknown, unknown>([
        ['a', 1],
        [{ k: 1 }, [1, 2]],
      ]),
      s: new Set([1, 'two']),
    }),
  ],
  ['dates', () => ({ when: new Date(86400000), invalid: new Date(NaN) })],
  ['a regular expression', () => /a+b/gi],
  ['an error with a stack', errorWithStack],
  ['functions and classes', () => ({ f: function named() {}, arrow: () => 1, k: class Animal {} })], // eslint-disable-line @typescript-eslint/no-extraneous-class
  ['a class instance', () => new Point(1, 2)],
  ['a null-prototype object', () => Object.assign(Object.create(null) as object, { a: 1 })],
  ['a circular value', circular],
  ['a getter', () => Object.defineProperty({}, 'g', { get: () => 1, enumerable: true })],
  ['symbols, bigint, -0', () => ({ [Symbol('k')]: Symbol.for('v'), big: 10n, zero: -0 })],
  ['typed arrays and buffers', () => ({ u8: new Uint8Array([1, 2, 3]), ab: new ArrayBuffer(4) })],
  ['a custom inspect', () => ({ [Symbol.for('nodejs.util.inspect.custom')]: () => 'custom!' })],
  ['boxed primitives', () => [new Number(3), new String('s'), new Boolean(false)]],
]

describe('nodeInspect (in-isolate util.inspect, run in Node)', () => {
  for (const [what, make] of VALUES) {
    it(`prints ${what} as Node does`, () => {
      assert.equal(nodeInspect(make()), inspect(make()))
    })
  }

  it('honours depth, compact, breakLength and showHidden as Node does', () => {
    const value = { a: { b: { c: { d: { e: 1 } } } }, list: ['alpha', 'beta', 'gamma', 'delta'] }
    for (const options of [
      { depth: 0 },
      { depth: Infinity },
      { compact: false },
      { breakLength: 20 },
      { showHidden: true },
    ]) {
      assert.equal(nodeInspect(value, options), inspect(value, options), JSON.stringify(options))
    }
  })

  it(`stops at ${MAX_INSPECT_CHARS} characters`, () => {
    // Objects past the bound print as `...`; the object being printed when it is crossed ends it.
    const big: Record<string, unknown> = {}
    for (let i = 0; i < 3000; i++) big[`k${i}`] = { text: 'v'.repeat(500) }
    const text = nodeInspect(big, { depth: null })
    assert.ok(text.length < MAX_INSPECT_CHARS * 1.1, `printed ${text.length} characters`)
    assert.ok(text.includes('...'))
  })

  it('is not subverted by a script that replaces Array.prototype.join afterwards', () => {
    const join = Array.prototype.join
    try {
      Array.prototype.join = () => 'subverted'
      assert.equal(nodeInspect([1, 2, 3]), '[ 1, 2, 3 ]')
    } finally {
      Array.prototype.join = join
    }
  })
})
