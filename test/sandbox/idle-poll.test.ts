/**
 * The worker's idle poll (worker.ts `pollChannel`): while a worker reads its channel without
 * blocking, calls, large frames, stats and retirements still arrive whole and in order, and a
 * call with background work is unaffected. The window here is the longest allowed (10 ms) so that back-to-back
 * calls are read by the poll, not by the event loop.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import type { HookRunner } from '../../src/sandbox/runner.js'
import { expectKind, runScript, startTestRunner, uniqueHookId } from './sandbox-helpers.js'

const LONG_POLL_US = 10_000

/** How long the test keeps making sequential calls while waiting for the poll to read one. */
const POLL_EVIDENCE_DEADLINE_MS = 10_000
const CALLS_PER_CHECK = 20

describe('idle poll of the worker', () => {
  let runner: HookRunner | undefined
  const started = startTestRunner({ poolSize: 1, idlePollUs: LONG_POLL_US }).then((r) => {
    runner = r
    return r
  })
  after(async () => {
    await runner?.close()
  })

  it('answers back-to-back calls with their own arguments, in order', async () => {
    const r = await started
    const hookId = uniqueHookId('poll')
    const script = 'module.exports = function (n, context, cb) { cb(null, n * 2) }'
    for (let i = 0; i < 200; i++) {
      const outcome = expectKind(await runScript(r, script, { hookId, args: [i, {}] }), 'ok')
      assert.equal(outcome.value, i * 2)
    }
  })

  it('reads calls with the poll (its frame count grows) while calls follow each other', async () => {
    const r = await started
    const hookId = uniqueHookId('poll')
    const script = 'module.exports = function (n, context, cb) { cb(null, n) }'
    const before = (await r.stats()).workers[0]?.idlePollFrames ?? 0
    // Each answer is followed by the next call within a few ms, well inside the 10 ms window; a
    // busy machine may turn polling off for a while, so keep calling until the deadline.
    const deadline = Date.now() + POLL_EVIDENCE_DEADLINE_MS
    let read = 0
    let i = 0
    while (read === 0 && Date.now() < deadline) {
      for (let k = 0; k < CALLS_PER_CHECK; k++, i++) {
        const outcome = expectKind(await runScript(r, script, { hookId, args: [i, {}] }), 'ok')
        assert.equal(outcome.value, i)
      }
      read = ((await r.stats()).workers[0]?.idlePollFrames ?? 0) - before
    }
    assert.ok(read > 0, `no frame read by the poll in ${String(i)} sequential calls`)
  })

  it('answers calls sent together, each with its own result', async () => {
    const r = await started
    const hookId = uniqueHookId('poll')
    const script = 'module.exports = function (n, context, cb) { cb(null, "n" + n) }'
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) => runScript(r, script, { hookId, args: [i, {}] })),
    )
    assert.deepEqual(
      outcomes.map((o) => expectKind(o, 'ok').value),
      Array.from({ length: 50 }, (_, i) => `n${String(i)}`),
    )
  })

  it('receives a frame larger than one read whole (a new version with a 600 KB script)', async () => {
    const r = await started
    const hookId = uniqueHookId('poll')
    await runScript(r, 'module.exports = function (a, c, cb) { cb(null, 1) }', { hookId })
    const padding = `/* ${'x'.repeat(600_000)} */`
    const script = `${padding}\nmodule.exports = function (a, c, cb) { cb(null, ${padding.length}) }`
    r.retire(hookId)
    const outcome = expectKind(await runScript(r, script, { hookId, versionKey: 'v2' }), 'ok')
    assert.equal(outcome.value, padding.length)
  })

  it('runs background work and timers of a call, then polls again', async () => {
    const r = await started
    const hookId = uniqueHookId('poll')
    const script = `module.exports = function (n, context, cb) {
      setTimeout(function () { cb(null, n + 1) }, 5)
    }`
    for (let i = 0; i < 5; i++) {
      const outcome = expectKind(await runScript(r, script, { hookId, args: [i, {}] }), 'ok')
      assert.equal(outcome.value, i + 1)
    }
    const stats = await r.stats()
    assert.equal(stats.workers.length, 1)
    assert.equal(stats.workers[0]?.inFlightCalls, 0)
  })
})
