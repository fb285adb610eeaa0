/**
 * The token scenario stops the webhook server it started when the bench server does not start:
 * a child left running keeps its IPC channel, and with it the process running the bench (the
 * smoke test's file, so `npm test`), alive for ever. The bench server is made to fail at once with
 * `BENCH_CPU_PROF` set to an empty folder name, which Node refuses (`--cpu-prof-dir=`).
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, describe, it } from 'node:test'
import { tokenScenario } from '../../bench/scenarios/token.js'

/** The pids of this process's children (Linux). */
function childPids(): number[] {
  const text = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8')
  return text
    .split(' ')
    .filter((pid) => pid.trim() !== '')
    .map(Number)
}

describe('the token scenario when the bench server does not start', () => {
  const before = new Set(childPids())
  after(() => {
    // Whatever a failing run left behind, so that this file ends.
    for (const pid of childPids()) if (!before.has(pid)) process.kill(pid, 'SIGKILL')
  })

  it('fails with the start error and leaves no child process running', async () => {
    process.env.BENCH_CPU_PROF = ''
    try {
      await assert.rejects(
        tokenScenario.run({ profile: 'smoke', log: () => undefined }),
        /the bench server exited with 9 before it was ready/,
      )
    } finally {
      delete process.env.BENCH_CPU_PROF
    }
    assert.deepEqual(
      childPids().filter((pid) => !before.has(pid)),
      [],
    )
  })
})
