/**
 * `require` of declared dependencies inside the isolate (issue 9), with hand-written bundles: no
 * npm involved. What the bundler produces is covered by the registry tests.
 */
import assert from 'node:assert/strict'
import { after, describe, test } from 'node:test'
import { RUNTIME_BUILTINS } from '../../src/dependencies/builtins.js'
import { PROVIDED_BUILTINS } from '../../src/sandbox/isolate/limits.js'
import type { RunOutcome, SandboxModule } from '../../src/sandbox/runner.js'
import {
  ALL_CLASSES,
  expectKind,
  ROOMY_LIMITS,
  startTestRunner,
  uniqueHookId,
} from '../sandbox/sandbox-helpers.js'

const runner = await startTestRunner({ poolSize: 1 })

function run(
  script: string,
  modules: Record<string, SandboxModule>,
  hookId = uniqueHookId('deps'),
): Promise<RunOutcome> {
  return runner.run({
    hookId,
    versionKey: 'v1',
    script,
    injectedClasses: ALL_CLASSES,
    args: [],
    limits: ROOMY_LIMITS,
    modules,
  })
}

const COUNTER: SandboxModule = {
  version: '1.2.3',
  source: `var evaluations = (globalThis.__evaluations || 0) + 1; globalThis.__evaluations = evaluations;
module.exports = { evaluations: evaluations, filename: __filename, self: this === module.exports };`,
}

describe('declared modules in the isolate', () => {
  after(() => runner.close())

  test('require(name) and require(name@version) give one module, evaluated once per isolate', async () => {
    const hookId = uniqueHookId('deps')
    const script = `module.exports = function (cb) {
      var a = require('counter'); var b = require('counter@1.2.3');
      cb(null, { same: a === b, evaluations: a.evaluations, filename: a.filename, self: a.self })
    }`
    const expected = {
      same: true,
      evaluations: 1,
      filename: '/node_modules/counter/index.js',
      self: true,
    }
    assert.deepStrictEqual(
      expectKind(await run(script, { counter: COUNTER }, hookId), 'ok').value,
      expected,
    )
    // The second call reuses the warm isolate: the module is not evaluated again.
    assert.deepStrictEqual(
      expectKind(await run(script, { counter: COUNTER }, hookId), 'ok').value,
      expected,
    )
  })

  test('a pinned version other than the declared one, and undeclared names, are not found', async () => {
    const outcome = await run(
      `module.exports = function (cb) {
        var out = []
        for (const name of ['counter@1.2.4', 'other', '@scope/counter', 'counter@']) {
          try { require(name); out.push('found ' + name) } catch (e) { out.push(e.code + ': ' + e.message) }
        }
        cb(null, out)
      }`,
      { counter: COUNTER },
    )
    assert.deepStrictEqual(expectKind(outcome, 'ok').value, [
      "MODULE_NOT_FOUND: Cannot find module 'counter@1.2.4'\nDeclare 'counter@1.2.4' in the hook's dependencies",
      "MODULE_NOT_FOUND: Cannot find module 'other'\nDeclare 'other' in the hook's dependencies",
      "MODULE_NOT_FOUND: Cannot find module '@scope/counter'\nDeclare '@scope/counter' in the hook's dependencies",
      "MODULE_NOT_FOUND: Cannot find module 'counter@'\nDeclare 'counter@' in the hook's dependencies",
    ])
  })

  test('scoped names work bare and pinned', async () => {
    const outcome = await run(
      `module.exports = function (cb) { cb(null, [require('@acme/x').v, require('@acme/x@0.1.0').v]) }`,
      { '@acme/x': { version: '0.1.0', source: 'exports.v = 42' } },
    )
    assert.deepStrictEqual(expectKind(outcome, 'ok').value, [42, 42])
  })

  test("a bundle's own require reaches the runtime's: no Node built-ins, no process", async () => {
    const outcome = await run(`module.exports = function (cb) { cb(null, require('sneaky')) }`, {
      sneaky: {
        version: '1.0.0',
        source: `var out = {};
try { out.exec = require('child_process').execSync('id').toString() } catch (e) { out.exec = e.message }
try { out.env = process.env.HOME } catch (e) { out.env = e.name + ': ' + e.message }
try { out.ctor = this.constructor.constructor('return typeof process')() } catch (e) { out.ctor = e.message }
module.exports = out;`,
      },
    })
    assert.deepStrictEqual(expectKind(outcome, 'ok').value, {
      exec: "Cannot find module 'child_process'\n'child_process' is a Node.js built-in that hooks cannot use; the sandbox provides assert, buffer, crypto, events, http, https, querystring, url, util (docs/egress.md)",
      env: 'ReferenceError: process is not defined',
      ctor: 'undefined',
    })
  })

  test('a module that throws while it loads fails the require, and is retried on the next one', async () => {
    const outcome = await run(
      `module.exports = function (cb) {
        var errors = []
        for (var i = 0; i < 2; i++) { try { require('broken') } catch (e) { errors.push(e.message) } }
        cb(null, { errors: errors, attempts: globalThis.__attempts })
      }`,
      {
        broken: {
          version: '1.0.0',
          source: `globalThis.__attempts = (globalThis.__attempts || 0) + 1; throw new Error('boom')`,
        },
      },
    )
    assert.deepStrictEqual(expectKind(outcome, 'ok').value, {
      errors: ['boom', 'boom'],
      attempts: 2,
    })
  })

  test('a module required at the top of the hook that throws is a compile error', async () => {
    const outcome = await run(
      `var b = require('broken'); module.exports = function (cb) { cb() }`,
      {
        broken: { version: '1.0.0', source: `throw new TypeError('no way')` },
      },
    )
    assert.equal(expectKind(outcome, 'compile-error').description, 'TypeError: no way')
  })
})

test('the built-ins bundles may require are the ones the isolate provides', () => {
  assert.deepStrictEqual([...RUNTIME_BUILTINS], [...PROVIDED_BUILTINS])
})
