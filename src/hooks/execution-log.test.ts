import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  HookExecutionLog,
  MAX_EXECUTIONS_PER_HOOK,
  MAX_HOOKS_WITH_EXECUTIONS,
  type NewHookExecution,
} from './execution-log.js'

function run(hookId: string, message = 'ran'): NewHookExecution {
  return {
    hookId,
    hookName: `hook ${hookId}`,
    triggerId: 'credentials-exchange',
    outcome: 'succeeded',
    durationMs: 1,
    logs: [{ level: 'log', message, timestamp: '2026-01-01T00:00:00.000Z' }],
  }
}

describe('HookExecutionLog', () => {
  it('hands each execution to the listeners of its hook only, in order', () => {
    const log = new HookExecutionLog()
    const seen: string[] = []
    const stop = log.subscribe('a', (e) => seen.push(e.logs[0]?.message ?? ''))
    log.record(run('a', 'one'))
    log.record(run('b', 'other hook'))
    log.record(run('a', 'two'))
    stop()
    log.record(run('a', 'after stop'))
    assert.deepStrictEqual(seen, ['one', 'two'])
  })

  it('a listener that throws does not stop the others nor the caller', () => {
    const log = new HookExecutionLog()
    const seen: string[] = []
    log.subscribe('a', () => {
      throw new Error('closed')
    })
    log.subscribe('a', (e) => seen.push(e.id))
    const recorded = log.record(run('a'))
    assert.deepStrictEqual(seen, [recorded.id])
  })

  it('replays after an id of this process, everything kept after a foreign one, bounded per hook', () => {
    const log = new HookExecutionLog()
    const ids = Array.from({ length: MAX_EXECUTIONS_PER_HOOK + 5 }, () => log.record(run('a')).id)
    const kept = log.since('a', 'ffffffff-000000000000')
    assert.equal(kept.length, MAX_EXECUTIONS_PER_HOOK)
    assert.equal(kept[0]?.id, ids[5])
    assert.deepStrictEqual(
      log.since('a', ids[ids.length - 3] ?? '').map((e) => e.id),
      ids.slice(-2),
    )
    assert.deepStrictEqual(log.since('unknown', ids[0] ?? ''), [])
  })

  it('keeps the executions of at most MAX_HOOKS_WITH_EXECUTIONS hooks, dropping the least recent', () => {
    const log = new HookExecutionLog()
    log.record(run('first'))
    for (let i = 0; i < MAX_HOOKS_WITH_EXECUTIONS; i += 1) log.record(run(`hook-${i}`))
    assert.deepStrictEqual(log.since('first', 'x'), [])
    assert.equal(log.since(`hook-${MAX_HOOKS_WITH_EXECUTIONS - 1}`, 'x').length, 1)
  })
})
