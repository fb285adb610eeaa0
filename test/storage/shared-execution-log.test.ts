/**
 * The hooks' live logs across nodes (src/hooks/shared-execution-log.ts) over one real SQLite
 * file opened twice, as two nodes would share their database, with one change bus between them:
 * an execution recorded on one node reaches a stream of the hook on the other, once, with its
 * whole console output; executions from before the stream opened are not streamed, and a
 * reconnect replays the stored ones; executions of a hook no node streams are not written.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  HookExecutionLog,
  type HookExecution,
  type NewHookExecution,
} from '../../src/hooks/execution-log.js'
import { SharedHookExecutionLog } from '../../src/hooks/shared-execution-log.js'
import { createLogger } from '../../src/logging/logger.js'
import { LocalChangeBus } from '../../src/storage/changes.js'
import { openSqliteStore } from '../../src/storage/sql/sqlite.js'

/** Longest wait for an execution to reach the other node: a deadline, not a speed bound. */
const DELIVERY_DEADLINE_MS = 10_000

function run(hookId: string, message: string): NewHookExecution {
  return {
    hookId,
    hookName: `hook ${hookId}`,
    triggerId: 'credentials-exchange',
    outcome: 'succeeded',
    durationMs: 1,
    logs: [{ level: 'log', message, timestamp: '2026-01-01T00:00:00.000Z' }],
  }
}

async function until(done: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + DELIVERY_DEADLINE_MS
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('not delivered in time')
    await sleep(10)
  }
}

describe('the shared live log of a hook', () => {
  it('streams an execution of one node on the other, once, whole', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'openhooks-shared-executions-'))
    const file = join(dir, 'openhooks.db')
    const storeA = await openSqliteStore({ filename: file })
    const storeB = await openSqliteStore({ filename: file })
    const bus = new LocalChangeBus()
    const logger = createLogger({ level: 'silent' })
    const node = (store: typeof storeA) =>
      new SharedHookExecutionLog({
        local: new HookExecutionLog(),
        store,
        changes: bus,
        logger,
        lookBackMs: 5_000,
      })
    const a = node(storeA)
    const b = node(storeB)
    t.after(async () => {
      await a.close()
      await b.close()
      await storeA.close()
      await storeB.close()
      rmSync(dir, { recursive: true, force: true })
    })

    // While no node streams h1, its executions are not written: the batch that holds the
    // execution of a streamed hook, recorded after it, is in, and h1's is not.
    const stopOther = b.subscribe('streamed', () => {})
    const before = a.record(run('h1', 'before the stream'))
    a.record(run('streamed', 'written'))
    await until(async () => (await storeB.listHookExecutions('streamed', 0, 10)).length === 1)
    assert.deepStrictEqual(await storeB.listHookExecutions('h1', 0, 10), [])
    stopOther()
    const seen: HookExecution[] = []
    // Once a stream of h1 opens, A writes what it ran of h1 in the last seconds too (for a
    // reconnect's replay), without streaming what ended before the stream opened.
    const stop = b.subscribe('h1', (e) => seen.push(e))
    await until(async () => (await storeB.listHookExecutions('h1', 0, 10)).length === 1)
    const long = 'x'.repeat(60_000)
    const first = a.record(run('h1', long))
    a.record(run('other', 'another hook'))
    await until(() => seen.length >= 1)
    // The reads every second find nothing new: still once.
    await sleep(1_500)
    assert.deepStrictEqual(
      seen.map((e) => e.id),
      [first.id],
    )
    assert.equal(seen[0]?.logs[0]?.message, long)
    assert.deepStrictEqual(seen[0], first)

    // B's own executions are streamed at once, by B.
    const own = b.record(run('h1', 'on b'))
    assert.equal(seen.at(-1)?.id, own.id)
    stop()

    // A reconnect to B with an id B never saw replays what is stored, in order.
    const replayed = await b.since('h1', 'unknown-id')
    assert.deepStrictEqual(
      replayed.map((e) => e.id),
      [before.id, first.id, own.id],
    )
    assert.deepStrictEqual(
      (await b.since('h1', first.id)).map((e) => e.id),
      [own.id],
    )
  })
})
