/**
 * Supervision: a worker that dies is replaced at once, its calls end as `crash`, and hooks on
 * other workers carry on. Also the runner's own limits and shutdown.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HOST_DEADLINE_MARGIN_MS, workerSlotOf } from '../../src/sandbox/process-runner.js'
import type { HookRunner } from '../../src/sandbox/runner.js'
import {
  DEADLINE_SLACK_MS,
  ROOMY_LIMITS,
  expectKind,
  runScript,
  startTestRunner,
  uniqueHookId,
  waitFor,
} from './sandbox-helpers.js'

const POOL_SIZE = 2
/**
 * The deadline of the calls a crash or a close must end: roomy, so that on a busy machine the
 * outcome can only come from the crash or the close (a `crash` outcome, well before it).
 */
const PENDING_DEADLINE_MS = ROOMY_LIMITS.timeoutMs ?? 60_000

/** A hook id that the pool sends to `slot`. */
function hookIdOnSlot(slot: number): string {
  for (;;) {
    const id = uniqueHookId('slot')
    if (workerSlotOf(id, POOL_SIZE) === slot) return id
  }
}

async function pidOfSlot(runner: HookRunner, slot: number): Promise<number> {
  const stats = await runner.stats()
  const worker = stats.workers[slot]
  assert.ok(worker !== undefined)
  return worker.pid
}

describe('worker supervision', () => {
  it('a killed worker fails its calls as crash, is replaced, and other workers carry on', async (t) => {
    const runner = await startTestRunner({ poolSize: POOL_SIZE })
    t.after(() => runner.close())
    const victim = hookIdOnSlot(0)
    const bystander = hookIdOnSlot(1)
    const doomedPid = await pidOfSlot(runner, 0)

    const inFlight = runScript(runner, 'module.exports = function () {}', {
      hookId: victim,
      limits: { timeoutMs: PENDING_DEADLINE_MS },
    })
    const onOtherWorker = runScript(
      runner,
      'module.exports = function (u, c, cb) { setTimeout(function () { cb(null, "survived") }, 300) }',
      { hookId: bystander, limits: { timeoutMs: PENDING_DEADLINE_MS } },
    )
    await waitFor(async () => (await runner.stats()).pendingCalls === 2)
    process.kill(doomedPid, 'SIGKILL')

    const crashed = expectKind(await inFlight, 'crash')
    assert.match(
      crashed.reason,
      /^the sandbox worker exited \(signal SIGKILL\) while the call ran$/,
    )
    // Ended by the crash, not by the call's deadline.
    assert.ok(crashed.durationMs < PENDING_DEADLINE_MS, String(crashed.durationMs))
    assert.equal(expectKind(await onOtherWorker, 'ok').value, 'survived')

    // The replacement serves the same slot right away.
    const again = await runScript(
      runner,
      'module.exports = function (u, c, cb) { cb(null, "back") }',
      {
        hookId: victim,
      },
    )
    assert.equal(expectKind(again, 'ok').value, 'back')
    const stats = await runner.stats()
    assert.equal(stats.workerRestarts, 1)
    assert.notEqual(stats.workers[0]?.pid, doomedPid)
  })

  it('a worker that stops answering: the parent answers the call at its host deadline', async (t) => {
    const runner = await startTestRunner({ poolSize: 1, closeTimeoutMs: 500 })
    t.after(() => runner.close())
    const hookId = uniqueHookId('frozen')
    const script = 'module.exports = function (u, c, cb) { cb(null, 1) }'
    expectKind(await runScript(runner, script, { hookId }), 'ok')
    const pid = await pidOfSlot(runner, 0)
    process.kill(pid, 'SIGSTOP')
    let resumed = false
    t.after(() => {
      if (!resumed) process.kill(pid, 'SIGCONT')
    })
    const timeoutMs = 200
    const started = performance.now()
    const outcome = expectKind(
      await runScript(runner, script, { hookId, limits: { timeoutMs } }),
      'timeout',
    )
    const elapsed = performance.now() - started
    process.kill(pid, 'SIGCONT')
    resumed = true
    assert.deepEqual(
      { limit: outcome.limit, limitMs: outcome.limitMs, message: outcome.message },
      {
        limit: 'timeoutMs',
        limitMs: timeoutMs,
        message: `The hook did not complete within its time limit of ${timeoutMs} ms (timeoutMs)`,
      },
    )
    // timeoutMs + HOST_DEADLINE_MARGIN_MS, checked every HOST_DEADLINE_SWEEP_MS (50 ms): never
    // earlier; how much later depends on when a busy machine runs this process's timers, within a
    // bound well short of any other way the call could end (the worker never answers).
    assert.ok(elapsed >= timeoutMs + HOST_DEADLINE_MARGIN_MS, `answered after ${elapsed} ms`)
    assert.ok(
      elapsed < timeoutMs + HOST_DEADLINE_MARGIN_MS + DEADLINE_SLACK_MS,
      `answered after ${elapsed} ms`,
    )
    // Resumed, the worker answers again (its late answer to the first call is dropped).
    expectKind(await runScript(runner, script, { hookId }), 'ok')
  })

  it('a call sent while the worker is being replaced still runs', async (t) => {
    const runner = await startTestRunner({ poolSize: 1 })
    t.after(() => runner.close())
    const pid = await pidOfSlot(runner, 0)
    process.kill(pid, 'SIGKILL')
    // A replacement boots in well under a second on an idle machine, in seconds on a busy one:
    // the deadlines here are for a broken runner, not a slow machine.
    await waitFor(async () => (await runner.stats()).workerRestarts === 1, 60_000)
    const outcome = await runScript(
      runner,
      'module.exports = function (u, c, cb) { cb(null, 1) }',
      { limits: ROOMY_LIMITS },
    )
    assert.equal(expectKind(outcome, 'ok').value, 1)
  })

  it('keeps at most maxWarmIsolatesPerWorker warm; an evicted hook is rebuilt on its next call', async (t) => {
    const runner = await startTestRunner({ poolSize: 1, maxWarmIsolatesPerWorker: 2 })
    t.after(() => runner.close())
    const script = 'let n = 0\nmodule.exports = function (u, c, cb) { n++; cb(null, n) }'
    const [a, b, c] = [uniqueHookId('lru'), uniqueHookId('lru'), uniqueHookId('lru')]
    const counts: unknown[] = []
    for (const hookId of [a, a, b, c, a]) {
      counts.push(expectKind(await runScript(runner, script, { hookId }), 'ok').value)
    }
    // a is evicted when c arrives (a was used before b), so its count starts again.
    assert.deepEqual(counts, [1, 2, 1, 1, 1])
    const stats = await runner.stats()
    assert.equal(stats.workers[0]?.warmIsolates, 2)
  })

  it('refuses calls beyond maxPendingCalls', async (t) => {
    const runner = await startTestRunner({ poolSize: 1, maxPendingCalls: 2 })
    t.after(() => runner.close())
    const slow =
      'module.exports = function (u, c, cb) { setTimeout(function () { cb(null, "done") }, 200) }'
    const first = runScript(runner, slow)
    const second = runScript(runner, slow)
    const third = await runScript(runner, slow)
    const limit = expectKind(third, 'limit')
    assert.deepEqual([limit.limit, limit.value], ['maxPendingCalls', 2])
    assert.equal(limit.message, 'The sandbox already has 2 calls pending (maxPendingCalls)')
    assert.equal(expectKind(await first, 'ok').value, 'done')
    assert.equal(expectKind(await second, 'ok').value, 'done')
  })

  it('close() ends pending calls as crash and refuses new ones', async () => {
    const runner = await startTestRunner({ poolSize: 1 })
    const pending = runScript(runner, 'module.exports = function () {}', {
      limits: { timeoutMs: PENDING_DEADLINE_MS },
    })
    await waitFor(async () => (await runner.stats()).pendingCalls === 1)
    const started = Date.now()
    await runner.close()
    // The close does not wait for the pending call's deadline.
    assert.ok(Date.now() - started < PENDING_DEADLINE_MS, String(Date.now() - started))
    assert.equal(expectKind(await pending, 'crash').reason, 'the sandbox was closed')
    const after = await runScript(runner, 'module.exports = function (u, c, cb) { cb() }')
    assert.equal(expectKind(after, 'crash').reason, 'the sandbox is closed')
  })

  it('rejects misuse: bad limits and unsafe class names', async (t) => {
    const runner = await startTestRunner({ poolSize: 1 })
    t.after(() => runner.close())
    await assert.rejects(
      runScript(runner, 'module.exports = function () {}', { limits: { memoryMb: 1 } }),
      /sandbox limit memoryMb must be an integer from 8 to 4096, got 1/,
    )
    await assert.rejects(
      runScript(runner, 'module.exports = function () {}', {
        classes: [{ name: 'X { } ; process', extends: 'Error', friendlyMessage: false }],
      }),
      /invalid injected class name/,
    )
  })
})
