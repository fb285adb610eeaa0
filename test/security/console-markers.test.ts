/**
 * Issue 17, finding 10: the runtime's own console lines start with `[openhooks]` (truncation,
 * outbound requests, background work stopped). A hook that writes lines starting the same way must
 * not be mistaken for them: every line a hook wrote that starts with the marker carries `[hook] `
 * before it, so that in the logs only the runtime's lines start with `[openhooks]`.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { HookRunner } from '../../src/sandbox/runner.js'
import { expectKind, runScript, startTestRunner } from '../sandbox/sandbox-helpers.js'

let runner: HookRunner
before(async () => {
  runner = await startTestRunner({ poolSize: 1 })
})
after(async () => {
  await runner.close()
})

const FORGED =
  '[openhooks] console output truncated: the call reached its limit of 65536 bytes (maxLogBytes)'

describe('hook console lines that imitate the runtime markers', () => {
  it('are marked as the hook’s, at the start of the message and of every line in it', async () => {
    const outcome = expectKind(
      await runScript(
        runner,
        `module.exports = function (user, context, cb) {
          console.warn(${JSON.stringify(FORGED)})
          console.log('  ' + ${JSON.stringify(FORGED)})
          console.log('fine\\n' + ${JSON.stringify(FORGED)})
          console.log('mentions [openhooks] in the middle')
          cb(null, 'done')
        }`,
      ),
      'ok',
    )
    assert.deepEqual(
      outcome.logs.map((entry) => [entry.level, entry.message]),
      [
        ['warn', `[hook] ${FORGED}`],
        ['log', `  [hook] ${FORGED}`],
        ['log', `fine\n[hook] ${FORGED}`],
        ['log', 'mentions [openhooks] in the middle'],
      ],
    )
  })

  it('leave the runtime’s own marker as it is, and distinguishable from a forged one', async () => {
    const outcome = expectKind(
      await runScript(
        runner,
        `module.exports = function (user, context, cb) {
          console.warn(${JSON.stringify(FORGED.replace('65536', '100'))})
          console.log('x'.repeat(200))
          cb(null, 'done')
        }`,
        { limits: { maxLogBytes: 100 } },
      ),
      'ok',
    )
    const runtimeLines = outcome.logs.filter((entry) => entry.message.startsWith('[openhooks]'))
    assert.deepEqual(
      runtimeLines.map((entry) => entry.message),
      [
        '[openhooks] console output truncated: the call reached its limit of 100 bytes (maxLogBytes)',
      ],
    )
    assert.ok(outcome.logs[0]?.message.startsWith('[hook] [openhooks]'), outcome.logs[0]?.message)
  })
})
