/** The parent ⇄ worker frames: size ceiling, malformed JSON, and validation of every message. */
import assert from 'node:assert/strict'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { describe, it } from 'node:test'
import {
  encodeFrame,
  FrameDecoder,
  FrameWriter,
  parseParentMessage,
  parseWorkerMessage,
} from '../../src/sandbox/protocol.js'
import { DEFAULT_RUN_LIMITS } from '../../src/sandbox/runner.js'

/** A frame with `text` as its header and no payload; `headerBytes` may lie about its length. */
function rawFrame(text: string, headerBytes = Buffer.byteLength(text)): Buffer {
  const body = Buffer.from(text)
  const prefix = Buffer.alloc(8)
  prefix.writeUInt32LE(body.length + 4, 0)
  prefix.writeUInt32LE(headerBytes, 4)
  return Buffer.concat([prefix, body])
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

  it('keeps no reference to a chunk: the caller may read into the same buffer again', () => {
    const messages = [
      { t: 'ready' as const, pid: 1 },
      {
        t: 'result' as const,
        id: 2,
        outcome: { kind: 'ok' as const, valueJson: '{"a":"ü✓"}', logs: [], cpuMs: 0 },
      },
      { t: 'stats' as const, id: 3 },
    ]
    const stream = Buffer.concat(messages.map((m) => encodeFrame(m)))
    const reused = Buffer.alloc(stream.length)
    // Every chunk size, including the ones that split the 4-byte length field.
    for (let size = 1; size <= stream.length; size++) {
      const decoder = new FrameDecoder(1024)
      const decoded: unknown[] = []
      for (let at = 0; at < stream.length; at += size) {
        const n = stream.copy(reused, 0, at, Math.min(at + size, stream.length))
        for (const frame of decoder.push(reused.subarray(0, n))) decoded.push(frame)
        reused.fill(0xff)
      }
      assert.deepEqual(
        decoded,
        messages.map((value) => ({ ok: true, value })),
        `chunks of ${String(size)} bytes`,
      )
    }
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

  it('carries the large JSON text of a message beside its header, and puts it back', () => {
    const run = {
      t: 'run' as const,
      id: 7,
      hookId: 'h',
      versionKey: 'v',
      args: JSON.stringify([{ name: 'Zoë "quoted" \\ ✓', list: [1, 2] }]),
      limits: DEFAULT_RUN_LIMITS,
      deadlineAt: 1,
    }
    const ok = {
      t: 'result' as const,
      id: 7,
      outcome: { kind: 'ok' as const, valueJson: '{"a":"ü"}', logs: [], cpuMs: 1 },
    }
    const failed = {
      t: 'result' as const,
      id: 8,
      outcome: { kind: 'hook-error' as const, errorJson: '{"message":"x"}', logs: [], cpuMs: 1 },
    }
    const empty = {
      t: 'result' as const,
      id: 9,
      outcome: { kind: 'ok' as const, logs: [], cpuMs: 0 },
    }
    const bytes = Buffer.concat([run, ok, failed, empty].map((m) => encodeFrame(m)))
    assert.ok(
      bytes.includes(Buffer.from(run.args)),
      'the arguments travel as they are, not escaped',
    )
    // One byte at a time: every frame spans chunks.
    const decoder = new FrameDecoder(1024)
    const frames = []
    for (let i = 0; i < bytes.length; i++) frames.push(...decoder.push(bytes.subarray(i, i + 1)))
    assert.deepEqual(frames, [
      { ok: true, value: run },
      { ok: true, value: ok },
      { ok: true, value: failed },
      { ok: true, value: empty },
    ])
  })

  it('gives the two messages of every call a compact header, and the others JSON', () => {
    const limits = { ...DEFAULT_RUN_LIMITS, maxTimers: 2 ** 40 }
    const warmRun = {
      t: 'run' as const,
      id: 2 ** 40 + 1,
      hookId: 'hook-ü',
      versionKey: 'v✓',
      args: '[1]',
      limits,
      deadlineAt: 1_795_000_000_123.5,
    }
    const coldRun = { ...warmRun, code: { script: 'x', classes: [] } }
    const logs = [{ level: 'log' as const, message: 'hi "there"', timestamp: 'T' }]
    const withLogs = {
      t: 'result' as const,
      id: 3,
      outcome: { kind: 'ok' as const, valueJson: '1', logs, cpuMs: 0.0123 },
    }
    const timeout = {
      t: 'result' as const,
      id: 4,
      outcome: {
        kind: 'timeout' as const,
        limit: 'timeoutMs' as const,
        limitMs: 5,
        logs,
        cpuMs: 1,
      },
    }
    const compactBit = (frame: Buffer) => (frame.readUInt32LE(4) & 0x4000_0000) !== 0
    const frames = [warmRun, coldRun, withLogs, timeout].map((m) => encodeFrame(m))
    assert.deepEqual(frames.map(compactBit), [true, false, true, false])
    assert.equal(frames[0]?.includes('"hookId"'), false, 'no JSON in a compact header')
    const decoded = new FrameDecoder(1024).push(Buffer.concat(frames))
    assert.deepEqual(decoded, [
      { ok: true, value: warmRun },
      { ok: true, value: coldRun },
      { ok: true, value: withLogs },
      { ok: true, value: timeout },
    ])
    assert.deepEqual(parseParentMessage((decoded[0] as { value: unknown }).value), warmRun)
    assert.deepEqual(parseWorkerMessage((decoded[2] as { value: unknown }).value), withLogs)
  })

  it('sends a run whose ids UTF-8 cannot carry (a lone surrogate) with a JSON header', () => {
    const run = {
      t: 'run' as const,
      id: 1,
      hookId: 'a\ud800',
      versionKey: '\udc00v',
      args: '[]',
      limits: DEFAULT_RUN_LIMITS,
      deadlineAt: 1,
    }
    const frame = encodeFrame(run)
    assert.equal(frame.readUInt32LE(4) & 0x4000_0000, 0)
    assert.deepEqual(new FrameDecoder(1024).push(frame), [{ ok: true, value: run }])
  })

  it("carries a warm run's traceparent in its compact header; the worker refuses a malformed one", () => {
    const run = {
      t: 'run' as const,
      id: 1,
      hookId: 'h',
      versionKey: 'v',
      args: '[]',
      limits: DEFAULT_RUN_LIMITS,
      deadlineAt: 1,
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    }
    const frame = encodeFrame(run)
    // Compact: with tracing on, every call carries one (issue 21).
    assert.notEqual(frame.readUInt32LE(4) & 0x4000_0000, 0)
    assert.equal(frame.includes('"traceparent"'), false, 'no JSON in a compact header')
    const [decoded] = new FrameDecoder(1024).push(frame)
    assert.deepEqual(decoded, { ok: true, value: run })
    assert.deepEqual(parseParentMessage((decoded as { value: unknown }).value), run)
    // A malformed traceparent that reaches the worker in a compact header is refused there.
    const [forged] = new FrameDecoder(1024).push(
      encodeFrame({
        ...run,
        traceparent: '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
      }),
    )
    assert.equal(parseParentMessage((forged as { value: unknown }).value), undefined)
    for (const traceparent of [
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\nx-injected: 1',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
      '',
      7,
    ]) {
      assert.equal(parseParentMessage({ ...run, traceparent }), undefined, String(traceparent))
    }
  })

  it('reports a zero-length frame as soon as its split length field is complete', () => {
    const decoder = new FrameDecoder(1024)
    assert.deepEqual(decoder.push(Buffer.alloc(2)), [])
    assert.deepEqual(decoder.push(Buffer.alloc(2)), [
      { ok: false, error: 'frame header is malformed' },
    ])
  })

  it('refuses a compact header that is cut short, too long or of an unknown kind', () => {
    const good = encodeFrame({
      t: 'run',
      id: 1,
      hookId: 'h',
      versionKey: 'v',
      args: '[]',
      limits: DEFAULT_RUN_LIMITS,
      deadlineAt: 1,
    })
    const headerBytes = good.readUInt32LE(4) & 0x3fff_ffff
    const header = good.subarray(8, 8 + headerBytes)
    const compactFrame = (bytes: Buffer): Buffer => {
      const prefix = Buffer.alloc(8)
      prefix.writeUInt32LE(bytes.length + 4, 0)
      prefix.writeUInt32LE((bytes.length | 0x4000_0000) >>> 0, 4)
      return Buffer.concat([prefix, bytes])
    }
    for (const bytes of [
      header.subarray(0, headerBytes - 1),
      Buffer.concat([header, Buffer.from([0])]),
      Buffer.concat([Buffer.from([9]), header.subarray(1)]),
      Buffer.alloc(0),
    ]) {
      assert.deepEqual(new FrameDecoder(1024).push(compactFrame(bytes)), [
        { ok: false, error: 'frame header is malformed' },
      ])
    }
    assert.deepEqual(new FrameDecoder(1024).push(compactFrame(header)), [
      {
        ok: true,
        value: {
          t: 'run',
          id: 1,
          hookId: 'h',
          versionKey: 'v',
          limits: DEFAULT_RUN_LIMITS,
          deadlineAt: 1,
        },
      },
    ])
  })

  it('keeps an empty payload apart from none (args and JSON text of "")', () => {
    const run = {
      t: 'run' as const,
      id: 1,
      hookId: 'h',
      versionKey: 'v',
      args: '',
      limits: DEFAULT_RUN_LIMITS,
      deadlineAt: 1,
    }
    const ok = {
      t: 'result' as const,
      id: 2,
      outcome: { kind: 'ok' as const, valueJson: '', logs: [], cpuMs: 0 },
    }
    const failed = {
      t: 'result' as const,
      id: 3,
      outcome: { kind: 'hook-error' as const, errorJson: '', logs: [], cpuMs: 0 },
    }
    const none = {
      t: 'result' as const,
      id: 4,
      outcome: { kind: 'ok' as const, logs: [], cpuMs: 0 },
    }
    const decoder = new FrameDecoder(1024)
    const frames = decoder.push(Buffer.concat([run, ok, failed, none].map((m) => encodeFrame(m))))
    assert.deepEqual(frames, [
      { ok: true, value: run },
      { ok: true, value: ok },
      { ok: true, value: failed },
      { ok: true, value: none },
    ])
    assert.deepEqual(parseParentMessage((frames[0] as { value: unknown }).value), run)
    assert.deepEqual(parseWorkerMessage((frames[2] as { value: unknown }).value), failed)
  })

  it('refuses a header length that runs past its frame', () => {
    const decoder = new FrameDecoder(1024)
    assert.deepEqual(decoder.push(rawFrame('{"t":"ready","pid":1}', 500)), [
      { ok: false, error: 'frame header is malformed' },
    ])
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

/** A socket stand-in holding `queued` bytes not yet taken by the kernel; `written` gets the rest. */
function fakeSocket(queued = 0): Writable & { readonly written: Buffer[] } {
  const written: Buffer[] = []
  const socket = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written.push(chunk)
      done()
    },
  })
  Object.defineProperty(socket, 'writableLength', { get: () => queued })
  return Object.assign(socket, { written })
}

/** Runs `body` with the descriptor of a fresh temporary file, and returns what was written to it. */
function withFile(body: (fd: number) => void): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'openhooks-frames-'))
  const path = join(dir, 'out')
  const fd = openSync(path, 'w')
  try {
    body(fd)
  } finally {
    closeSync(fd)
  }
  const bytes = readFileSync(path)
  rmSync(dir, { recursive: true })
  return bytes
}

describe('FrameWriter', () => {
  const frame = { t: 'ready' as const, pid: 1 }

  it('sends the frames written by the callbacks of one event-loop turn with one write', async () => {
    // Two callbacks of one phase, as two HTTP requests read in one turn are: each ends with its
    // own microtask checkpoint, and their frames must still go out together (issue 23).
    const socket = fakeSocket()
    const writer = new FrameWriter(socket)
    const second = { t: 'stats' as const, id: 2 }
    await new Promise<void>((resolve) => {
      setImmediate(() => {
        writer.write(frame)
      })
      setImmediate(() => {
        writer.write(second)
        resolve()
      })
    })
    assert.equal(socket.written.length, 0, 'nothing sent before the turn ends')
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(socket.written, [Buffer.concat([encodeFrame(frame), encodeFrame(second)])])
  })

  it('writes to the descriptor while the socket is open and holds nothing', () => {
    const socket = fakeSocket()
    const direct = withFile((fd) => {
      const writer = new FrameWriter(socket, () => fd)
      writer.write(frame)
      writer.flush()
    })
    assert.deepEqual(direct, encodeFrame(frame))
    assert.equal(socket.written.length, 0)
  })

  it('never writes to the old descriptor of a destroyed socket (its number may be reused)', () => {
    const socket = fakeSocket()
    socket.on('error', () => undefined)
    socket.destroy()
    const bytes = withFile((fd) => {
      const writer = new FrameWriter(socket, () => fd)
      writer.write(frame)
      writer.flush()
    })
    assert.deepEqual(bytes, Buffer.alloc(0))
  })

  it('asks for the descriptor at every flush', () => {
    const socket = fakeSocket()
    let fd: number | undefined
    const bytes = withFile((file) => {
      const writer = new FrameWriter(socket, () => fd)
      fd = file
      writer.write(frame)
      writer.flush()
      fd = undefined
      writer.write(frame)
      writer.flush()
    })
    assert.deepEqual(bytes, encodeFrame(frame), 'the first frame only')
    assert.deepEqual(Buffer.concat(socket.written), encodeFrame(frame), 'the second, queued')
  })

  it('writes last words only when no partial frame is queued in the socket', () => {
    const note = { t: 'note' as const, level: 'error' as const, event: 'isolate.catastrophic' }
    const busy = fakeSocket(5)
    const skipped = withFile((fd) => {
      assert.equal(new FrameWriter(busy, () => fd).writeFinal(note), false)
    })
    assert.deepEqual(skipped, Buffer.alloc(0))
    const idle = fakeSocket()
    const written = withFile((fd) => {
      const writer = new FrameWriter(idle, () => fd)
      writer.write(frame)
      assert.equal(writer.writeFinal(note), true)
    })
    assert.deepEqual(written, Buffer.concat([encodeFrame(frame), encodeFrame(note)]))
  })
})
