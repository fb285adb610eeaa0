/** The parent ⇄ worker frames: size ceiling, malformed JSON, and validation of every message. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  encodeFrame,
  FrameDecoder,
  parseParentMessage,
  parseWorkerMessage,
} from '../../src/sandbox/protocol.js'
import { DEFAULT_RUN_LIMITS } from '../../src/sandbox/runner.js'

function rawFrame(text: string): Buffer {
  const body = Buffer.from(text)
  const header = Buffer.alloc(4)
  header.writeUInt32LE(body.length, 0)
  return Buffer.concat([header, body])
}

describe('FrameDecoder', () => {
  it('splits frames across and within chunks', () => {
    const decoder = new FrameDecoder(1024)
    const bytes = Buffer.concat([
      encodeFrame({ t: 'ready', pid: 1 }),
      encodeFrame({ t: 'stats', id: 2 }),
    ])
    const first = decoder.push(bytes.subarray(0, 7))
    const rest = decoder.push(bytes.subarray(7))
    assert.deepEqual(
      [...first, ...rest],
      [
        { ok: true, value: { t: 'ready', pid: 1 } },
        { ok: true, value: { t: 'stats', id: 2 } },
      ],
    )
  })

  it('refuses an oversized frame from its header, before buffering it', () => {
    const decoder = new FrameDecoder(16)
    const header = Buffer.alloc(4)
    header.writeUInt32LE(1_000_000, 0)
    assert.deepEqual(decoder.push(header), [
      { ok: false, error: 'frame of 1000000 bytes exceeds the 16-byte limit' },
    ])
    assert.deepEqual(decoder.push(encodeFrame({ t: 'ready', pid: 1 })), [], 'and everything after')
  })

  it('refuses malformed JSON', () => {
    const decoder = new FrameDecoder(1024)
    assert.deepEqual(decoder.push(rawFrame('{"t":')), [
      { ok: false, error: 'frame is not valid JSON' },
    ])
  })
})

describe('message validation', () => {
  const logs = [{ level: 'log', message: 'm', timestamp: '2020-01-01T00:00:00.000Z' }]
  const good = [
    { t: 'ready', pid: 12 },
    { t: 'result', id: 1, outcome: { kind: 'ok', logs, cpuMs: 0.5 } },
    { t: 'result', id: 1, outcome: { kind: 'ok', valueJson: '{}', logs: [], cpuMs: 0 } },
    { t: 'result', id: 1, outcome: { kind: 'hook-error', errorJson: '{}', logs: [], cpuMs: 0 } },
    {
      t: 'result',
      id: 1,
      outcome: { kind: 'timeout', limit: 'entryTimeoutMs', limitMs: 5, logs: [], cpuMs: 0 },
    },
    { t: 'late-logs', id: 3, hookId: 'h', logs },
    { t: 'need-code', id: 4 },
    { t: 'note', level: 'warn', event: 'x.happened' },
  ]
  for (const message of good) {
    it(`accepts ${JSON.stringify(message).slice(0, 80)}`, () => {
      assert.deepEqual(parseWorkerMessage(message), message)
    })
  }

  const bad: unknown[] = [
    null,
    [],
    { t: 'unknown' },
    { t: 'ready', pid: -1 },
    { t: 'result', id: 1.5, outcome: { kind: 'ok', logs: [], cpuMs: 0 } },
    { t: 'result', id: 1, outcome: { kind: 'ok', valueJson: {}, logs: [], cpuMs: 0 } },
    {
      t: 'result',
      id: 1,
      outcome: { kind: 'ok', logs: [{ level: 'shout', message: 'm', timestamp: 't' }], cpuMs: 0 },
    },
    { t: 'result', id: 1, outcome: { kind: 'ok', logs: [], cpuMs: Number.NaN } },
    {
      t: 'result',
      id: 1,
      outcome: { kind: 'limit', limit: 'maxPendingCalls', value: 1, logs: [], cpuMs: 0 },
    },
    { t: 'result', id: 1, outcome: { kind: 'explode', logs: [], cpuMs: 0 } },
    { t: 'late-logs', id: 1, logs: [] },
    { t: 'note', level: 'fatal', event: 'x' },
  ]
  for (const [index, message] of bad.entries()) {
    it(`refuses bad message #${index}`, () => {
      assert.equal(parseWorkerMessage(message), undefined)
    })
  }

  it('validates run messages on the worker side', () => {
    const run = {
      t: 'run',
      id: 1,
      hookId: 'h',
      versionKey: 'v',
      code: { script: 's', classes: [{ name: 'E', extends: 'Error', friendlyMessage: false }] },
      args: '[]',
      limits: DEFAULT_RUN_LIMITS,
      deadlineAt: Date.now(),
    }
    assert.deepEqual(parseParentMessage(run), run)
    assert.equal(
      parseParentMessage({ ...run, limits: { ...DEFAULT_RUN_LIMITS, maxTimers: -1 } }),
      undefined,
    )
    const withoutCode: Record<string, unknown> = { ...run }
    delete withoutCode.code
    assert.deepEqual(parseParentMessage(withoutCode), withoutCode, 'the code is optional')
    assert.equal(
      parseParentMessage({ ...run, code: { script: 's', classes: [{ name: 'E' }] } }),
      undefined,
    )
    assert.equal(parseParentMessage({ ...run, code: { classes: [] } }), undefined)
    assert.equal(parseParentMessage({ ...run, args: [] }), undefined)
  })
})
