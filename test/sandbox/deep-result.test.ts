import assert from 'node:assert/strict'
import { test } from 'node:test'
import { expectKind, runScript, startTestRunner } from './sandbox-helpers.js'

test('a result nested thousands deep that names __proto__ fails nobody else (review finding 3)', async (t) => {
  const runner = await startTestRunner({ poolSize: 1 })
  t.after(() => runner.close())
  const victim = runScript(
    runner,
    `module.exports = function (u, c, cb) { setTimeout(function () { cb(null, { fine: true }) }, 300) }`,
  )
  const attacker = await runScript(
    runner,
    `module.exports = function (u, c, cb) {
      var a = ['__proto__', { __proto__: 1, ['__proto__']: 2 }]
      for (var i = 0; i < 3000; i++) a = [a]
      cb(null, a)
    }`,
  )
  const value = expectKind(attacker, 'ok').value
  let depth = 0
  let cursor: unknown = value
  while (Array.isArray(cursor) && cursor.length === 1) {
    cursor = cursor[0]
    depth++
  }
  assert.equal(depth, 3000)
  assert.ok(Array.isArray(cursor))
  const [name, object] = cursor as [unknown, Record<string, unknown>]
  assert.equal(name, '__proto__')
  // The own __proto__ key made by the computed name is dropped on the host.
  assert.equal(Object.hasOwn(object, '__proto__'), false)
  assert.deepStrictEqual(expectKind(await victim, 'ok').value, { fine: true })
  const stats = await runner.stats()
  assert.equal(stats.workerRestarts, 0)
})
