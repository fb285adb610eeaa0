/**
 * The isolate's `util.inspect` (src/sandbox/isolate/inspect.ts) as a plain module in this Node.js
 * process: its text is Node.js 20's `util.inspect` text, the same on every Node.js line openhooks
 * runs on, so the expected texts are written out here rather than taken from this process's
 * `util.inspect`. The end-to-end twin, through a worker and an isolate, compares with the running
 * Node's `util.inspect`: test/sandbox/inspect.test.ts.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
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

/** Lines of an expected text. */
function lines(...text: string[]): string {
  return text.join('\n')
}

/**
 * Each value with the text the isolate prints for it: Node.js 20's `util.inspect` text
 * (docs/egress.md), written out rather than taken from this process's `util.inspect`, which prints
 * some of these differently on later Node.js lines (symbol keys without brackets since Node 24,
 * `[byteLength]` of an ArrayBuffer since Node 22).
 */
const VALUES: readonly (readonly [string, () => unknown, string])[] = [
  ['an object', () => ({ a: 1, b: 'x' }), `{ a: 1, b: 'x' }`],
  [
    'nesting past the depth',
    () => ({ a: { b: { c: { d: 1 } } } }),
    '{ a: { b: { c: [Object] } } }',
  ],
  [
    'quotes and escapes',
    () => ({ s: "it's", t: 'say "hi" it\'s', u: 'tab\there\nnew line' }),
    `{ s: "it's", t: \`say "hi" it's\`, u: 'tab\\there\\nnew line' }`,
  ],
  [
    'a long array, grouped',
    () => Array.from({ length: 30 }, (_, i) => i * 7),
    lines(
      '[',
      '    0,   7,  14,  21,  28,  35,  42,  49,',
      '   56,  63,  70,  77,  84,  91,  98, 105,',
      '  112, 119, 126, 133, 140, 147, 154, 161,',
      '  168, 175, 182, 189, 196, 203',
      ']',
    ),
  ],
  [
    'more than 100 items',
    () => Array.from({ length: 120 }, (_, i) => i),
    lines(
      '[',
      '   0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11,',
      '  12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,',
      '  24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,',
      '  36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47,',
      '  48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59,',
      '  60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71,',
      '  72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83,',
      '  84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95,',
      '  96, 97, 98, 99,',
      '  ... 20 more items',
      ']',
    ),
  ],
  ['a sparse array', () => [1, , 3], '[ 1, <1 empty item>, 3 ]'], // eslint-disable-line no-sparse-arrays
  [
    'an array with a property',
    () => Object.assign([1, 2], { extra: true }),
    '[ 1, 2, extra: true ]',
  ],
  [
    'Map and Set',
    () => ({
      m: new Map<unknown, unknown>([
        ['a', 1],
        [{ k: 1 }, [1, 2]],
      ]),
      s: new Set([1, 'two']),
    }),
    lines('{', `  m: Map(2) { 'a' => 1, { k: 1 } => [ 1, 2 ] },`, `  s: Set(2) { 1, 'two' }`, '}'),
  ],
  [
    'dates',
    () => ({ when: new Date(86400000), invalid: new Date(NaN) }),
    '{ when: 1970-01-02T00:00:00.000Z, invalid: Invalid Date }',
  ],
  ['a regular expression', () => /a+b/gi, '/a+b/gi'],
  ['an error with a stack', errorWithStack, lines('RangeError: far', '    at f (/hook.js:1:1)')],
  [
    'functions and classes',
    () => ({ f: function named() {}, arrow: () => 1, k: class Animal {} }), // eslint-disable-line @typescript-eslint/no-extraneous-class
    '{ f: [Function: named], arrow: [Function: arrow], k: [class Animal] }',
  ],
  ['a class instance', () => new Point(1, 2), 'Point { x: 1, y: 2 }'],
  [
    'a null-prototype object',
    () => Object.assign(Object.create(null) as object, { a: 1 }),
    '[Object: null prototype] { a: 1 }',
  ],
  ['a circular value', circular, '<ref *1> { a: 1, self: [Circular *1] }'],
  [
    'a getter',
    () => Object.defineProperty({}, 'g', { get: () => 1, enumerable: true }),
    '{ g: [Getter] }',
  ],
  [
    'symbols, bigint, -0',
    () => ({ [Symbol('k')]: Symbol.for('v'), big: 10n, zero: -0 }),
    '{ big: 10n, zero: -0, [Symbol(k)]: Symbol(v) }',
  ],
  [
    'typed arrays and buffers',
    () => ({ u8: new Uint8Array([1, 2, 3]), ab: new ArrayBuffer(4) }),
    lines(
      '{',
      '  u8: Uint8Array(3) [ 1, 2, 3 ],',
      '  ab: ArrayBuffer { [Uint8Contents]: <00 00 00 00>, byteLength: 4 }',
      '}',
    ),
  ],
  [
    'a custom inspect',
    () => ({ [Symbol.for('nodejs.util.inspect.custom')]: () => 'custom!' }),
    'custom!',
  ],
  [
    'boxed primitives',
    () => [new Number(3), new String('s'), new Boolean(false)],
    `[ [Number: 3], [String: 's'], [Boolean: false] ]`,
  ],
]

/** The same value printed with each option. */
const OPTIONS_VALUE = {
  a: { b: { c: { d: { e: 1 } } } },
  list: ['alpha', 'beta', 'gamma', 'delta'],
}
const EXPANDED = lines(
  '{',
  '  a: {',
  '    b: {',
  '      c: [Object]',
  '    }',
  '  },',
  '  list: [',
  `    'alpha',`,
  `    'beta',`,
  `    'gamma',`,
  `    'delta'`,
  '  ]',
  '}',
)
const OPTIONS: readonly (readonly [Record<string, unknown>, string])[] = [
  [{ depth: 0 }, '{ a: [Object], list: [Array] }'],
  [
    { depth: Infinity },
    lines(
      '{',
      '  a: {',
      '    b: { c: { d: { e: 1 } } }',
      '  },',
      `  list: [ 'alpha', 'beta', 'gamma', 'delta' ]`,
      '}',
    ),
  ],
  [{ compact: false }, EXPANDED],
  [{ breakLength: 20 }, EXPANDED],
  [
    { showHidden: true },
    lines(
      '{',
      '  a: { b: { c: [Object] } },',
      `  list: [ 'alpha', 'beta', 'gamma', 'delta', [length]: 4 ]`,
      '}',
    ),
  ],
]

describe('nodeInspect (in-isolate util.inspect, run in Node)', () => {
  for (const [what, make, expected] of VALUES) {
    it(`prints ${what} as Node.js 20 does`, () => {
      assert.equal(nodeInspect(make()), expected)
    })
  }

  it('honours depth, compact, breakLength and showHidden as Node.js 20 does', () => {
    for (const [options, expected] of OPTIONS) {
      assert.equal(nodeInspect(OPTIONS_VALUE, options), expected, String(Object.keys(options)))
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
