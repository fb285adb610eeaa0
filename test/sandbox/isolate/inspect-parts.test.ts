/**
 * The pure parts of the isolate's `util.inspect`, called directly: the layout of formatted
 * entries (src/sandbox/isolate/inspect-layout.ts), the quoting of primitives (inspect-strings.ts),
 * the names of values (inspect-names.ts) and the first line of an error (inspect-errors.ts). The
 * expected texts are Node.js 20's `util.inspect` texts for the same inputs; test/sandbox/isolate/
 * inspect.test.ts checks whole values through `nodeInspect`.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { improveStack } from '../../../src/sandbox/isolate/inspect-errors.js'
import {
  groupArrayElements,
  isBelowBreakLength,
  reduceToSingleString,
} from '../../../src/sandbox/isolate/inspect-layout.js'
import {
  ARRAY_TYPE,
  OBJECT_TYPE,
  getFunctionBase,
  getPrefix,
} from '../../../src/sandbox/isolate/inspect-names.js'
import {
  escapeChar,
  formatPrimitive,
  quoteString,
} from '../../../src/sandbox/isolate/inspect-strings.js'

/** The layout options of one `util.inspect` call with Node's defaults, at the first level. */
function layout(options: Record<string, number> = {}) {
  return {
    breakLength: 80,
    compact: 3,
    indentationLvl: 0,
    currentDepth: 1,
    maxArrayLength: 100,
    ...options,
  }
}

describe('inspect layout: one line or several', () => {
  it('puts short entries on one line, with the base before the braces', () => {
    assert.equal(
      reduceToSingleString(layout(), ['a: 1', 'b: 2'], '', ['{', '}'], OBJECT_TYPE, 1, {}),
      '{ a: 1, b: 2 }',
    )
    assert.equal(
      reduceToSingleString(layout(), ['a: 1'], 'Foo', ['{', '}'], OBJECT_TYPE, 1, {}),
      'Foo { a: 1 }',
    )
  })

  it('breaks entries that do not fit in breakLength onto indented lines', () => {
    assert.equal(
      reduceToSingleString(
        layout({ breakLength: 10 }),
        ['a: 1', 'b: 2'],
        '',
        ['{', '}'],
        OBJECT_TYPE,
        1,
        {},
      ),
      '{\n  a: 1,\n  b: 2\n}',
    )
    assert.equal(
      reduceToSingleString(
        layout({ breakLength: 10, indentationLvl: 4 }),
        ['a: 1'],
        'Foo',
        ['{', '}'],
        OBJECT_TYPE,
        1,
        {},
      ),
      'Foo {\n      a: 1\n    }',
    )
  })

  it('breaks every object when compact is 0, and objects deeper than compact levels', () => {
    const entries = ['a: 1']
    const braces = ['{', '}']
    assert.equal(
      reduceToSingleString(layout({ compact: 0 }), entries, '', braces, OBJECT_TYPE, 1, {}),
      '{\n  a: 1\n}',
    )
    assert.equal(
      reduceToSingleString(layout({ currentDepth: 5 }), entries, '', braces, OBJECT_TYPE, 1, {}),
      '{\n  a: 1\n}',
    )
  })

  it('counts the entries, the start and a base with a line break against breakLength', () => {
    assert.equal(isBelowBreakLength(layout(), ['a', 'b'], 70, ''), true)
    assert.equal(isBelowBreakLength(layout(), ['a', 'b'], 70, 'x\ny'), false)
    assert.equal(isBelowBreakLength(layout(), ['a'.repeat(20)], 70, ''), false)
  })

  it('groups more than six numbers into right-aligned columns, leaving "more items" alone', () => {
    const numbers = Array.from({ length: 8 }, (_, i) => 10 ** (i % 4))
    const shown = [...numbers.slice(0, 7).map(String), '... 1 more item']
    assert.deepEqual(groupArrayElements(layout({ maxArrayLength: 7 }), shown, numbers), [
      '   1, 10, 100',
      '1000,  1,  10',
      ' 100',
      '... 1 more item',
    ])
  })

  it('groups other entries into left-aligned columns, one per line of the array', () => {
    const strings = Array.from({ length: 10 }, (_, i) => 'x'.repeat(1 + (i % 4)))
    const entries = strings.map((s) => `'${s}'`)
    assert.deepEqual(groupArrayElements(layout(), entries, strings), [
      "'x',    'xx',   'xxx'",
      "'xxxx', 'x',    'xx'",
      "'xxx',  'xxxx', 'x'",
      "'xx'",
    ])
    assert.equal(
      reduceToSingleString(layout(), entries, '', ['[', ']'], ARRAY_TYPE, 1, strings),
      [
        '[',
        "  'x',    'xx',   'xxx',",
        "  'xxxx', 'x',    'xx',",
        "  'xxx',  'xxxx', 'x',",
        "  'xx'",
        ']',
      ].join('\n'),
    )
  })
})

describe('inspect strings and other primitives', () => {
  it('picks the quote that needs no escaping, in the order single, double, backtick', () => {
    assert.equal(quoteString('plain'), "'plain'")
    assert.equal(quoteString("it's"), `"it's"`)
    assert.equal(quoteString(`say "hi" it's`), '`say "hi" it\'s`')
    // A backtick or `${` rules the backtick out: back to single quotes, escaped.
    assert.equal(quoteString('a`b"c\'${'), `'a\`b"c\\'\${'`)
  })

  it('escapes control characters, DEL and lone surrogates as Node does', () => {
    assert.equal(quoteString('\x00\x7f\ud800\n'), "'\\x00\\x7F\\ud800\\n'")
    assert.equal(escapeChar('\x1b'), '\\x1B')
    assert.equal(escapeChar('\t'), '\\t')
  })

  it('splits a long string at its line breaks and cuts it at maxStringLength', () => {
    const options = { maxStringLength: 10_000, breakLength: 20, indentationLvl: 0 }
    assert.equal(
      formatPrimitive('line one\nline two\nline three is longer', options),
      "'line one\\n' +\n  'line two\\n' +\n  'line three is longer'",
    )
    assert.equal(
      formatPrimitive('abcdef', { maxStringLength: 3, breakLength: 80, indentationLvl: 0 }),
      "'abc'... 3 more characters",
    )
  })

  it('prints -0, bigints and symbols', () => {
    assert.equal(formatPrimitive(-0, {}), '-0')
    assert.equal(formatPrimitive(10n, {}), '10n')
    assert.equal(formatPrimitive(Symbol('s'), {}), 'Symbol(s)')
  })
})

describe('inspect names and errors', () => {
  it('prefixes a value with its constructor, size, tag and null prototype', () => {
    assert.equal(getPrefix('Foo', '', 'Object'), 'Foo ')
    assert.equal(getPrefix('Map', 'Tag', 'Map', '(1)'), 'Map(1) [Tag] ')
    assert.equal(getPrefix(null, 'T', 'Object', '(2)'), '[Object(2): null prototype] [T] ')
  })

  it('names classes with their parent and functions with their kind', () => {
    class Child extends Map {}
    async function* generate(): AsyncGenerator<never> {}
    assert.equal(getFunctionBase(Child, 'Function', ''), '[class Child extends Map]')
    assert.equal(
      getFunctionBase(generate, 'AsyncGeneratorFunction', ''),
      '[AsyncGeneratorFunction: generate]',
    )
    assert.equal(
      getFunctionBase(() => 1, 'Function', ''),
      '[Function (anonymous)]',
    )
  })

  it("folds the constructor, a null prototype and the tag into an error's first line", () => {
    assert.equal(
      improveStack('Error: boom\n    at x', 'TypeError', 'Error', ''),
      'TypeError: boom\n    at x',
    )
    assert.equal(improveStack('Error: boom', null, 'Error', ''), '[Error: null prototype]: boom')
    assert.equal(improveStack('MyError: boom', 'MyError', 'MyError', 'Tag'), 'MyError [Tag]: boom')
    assert.equal(improveStack('Error: boom', 'E', 'Error', ''), 'E [Error]: boom')
  })
})
