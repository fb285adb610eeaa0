/**
 * The isolate's `Buffer` (src/sandbox/isolate/buffer.ts) as a plain module in this Node.js
 * process, compared with Node's own `Buffer`. The end-to-end twin is the Buffer suite of
 * test/sandbox/node-apis.test.ts.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Buffer as IsolateBuffer } from '../../../src/sandbox/isolate/buffer.js'

// The isolate's Buffer is typed loosely (its static methods are defined at run time).
const B = IsolateBuffer as unknown as typeof Buffer

const TEXTS = [
  '',
  'hello',
  'héllo wörld',
  '日本語のテキスト',
  'emoji 🎉 and more',
  '\u0000\u00ff binary',
]
const ENCODINGS = ['utf8', 'hex', 'base64', 'base64url', 'latin1', 'ascii', 'utf16le'] as const

describe('Buffer (in-isolate, run in Node)', () => {
  it('encodes and decodes strings as Node does, in every encoding', () => {
    for (const text of TEXTS) {
      for (const from of ENCODINGS) {
        const source = from === 'utf8' ? text : Buffer.from(text).toString(from)
        const ours = B.from(source, from)
        const node = Buffer.from(source, from)
        assert.deepEqual([...ours], [...node], `${from} of ${JSON.stringify(text)}`)
        for (const to of ENCODINGS) {
          assert.equal(ours.toString(to), node.toString(to), `${from} → ${to}`)
        }
      }
    }
  })

  it('is a Uint8Array with the static and instance methods of Node', () => {
    const a = B.from([1, 2, 3])
    assert.ok(a instanceof Uint8Array)
    assert.ok(B.isBuffer(a))
    assert.equal(B.byteLength('héllo'), 6)
    assert.equal(B.compare(B.from('a'), B.from('b')), -1)
    assert.deepEqual([...B.concat([a, B.from([4])])], [1, 2, 3, 4])
    assert.deepEqual(a.toJSON(), { type: 'Buffer', data: [1, 2, 3] })
    assert.ok(a.equals(B.from([1, 2, 3])))
    assert.equal(B.from('hello world').indexOf('world'), 6)
    assert.ok(B.from('hello world').includes('lo w'))
    assert.equal(B.alloc(4, 'ab').toString(), 'abab')
  })

  it('slices as views and copies as Node does', () => {
    const a = B.from('abcdef')
    const view = a.subarray(1, 3)
    view[0] = 0x7a
    assert.equal(a.toString(), 'azcdef')
    const target = B.alloc(3)
    assert.equal(a.copy(target, 0, 3), 3)
    assert.equal(target.toString(), 'def')
  })

  it('reads and writes integers as Node does', () => {
    const ours = B.alloc(16)
    const node = Buffer.alloc(16)
    for (const buf of [ours, node]) {
      buf.writeUInt32LE(0xdeadbeef, 0)
      buf.writeInt16BE(-2, 4)
      buf.writeDoubleLE(Math.PI, 6)
    }
    assert.deepEqual([...ours], [...node])
    assert.equal(ours.readUInt32BE(0), node.readUInt32BE(0))
    assert.equal(ours.readInt16BE(4), -2)
    assert.equal(ours.readDoubleLE(6), Math.PI)
    assert.throws(() => ours.readUInt32LE(14), RangeError)
  })

  it('refuses a size that is not a valid length', () => {
    assert.throws(() => B.alloc(-1), RangeError)
  })
})
